// A transaction: the commands' requests between NFNL_MSG_BATCH_BEGIN and _END (res_id
// NFNL_SUBSYS_NFTABLES) in one send(). The kernel applies all of them or none; a failure is
// reported against the command that caused it (its index and verb, the kernel's errno and
// ext-ack text with the offending attribute), and nothing of the batch is applied.
import { NetlinkArgumentError, NetlinkError } from '../core/errors.js';
import type { TransactionItem, TransactionResult, TransactionSource } from '../core/transaction.js';
import { AttrIterator } from '../core/attributes.js';
import type { RawMessage } from '../core/message.js';
import { opItem } from '../ynl/op-call.js';
import { description as nft } from '../ynl/families/nftables.js';
import { commandItems, mostCommandItems, verbOf, type BatchState, type NftCommand } from './nft-commands.js';
import type { Bulk } from '../route/context.js';
import { quote } from '../core/options.js';

/** <linux/netfilter/nfnetlink.h> NFNL_SUBSYS_NFTABLES: a batch's res_id. */
const NFNL_SUBSYS_NFTABLES = 10;
/** <linux/errno.h> ERESTART: what the kernel answers a batch whose genid is no longer current. */
const ERESTART = 85;

/** The outcome of one command of a successful transaction. */
export interface NftCommandResult {
  index: number;
  /** e.g. 'add rule'. */
  op: string;
  /** The kernel's handle of the object it made (tables, chains, sets, rules), when echoed. */
  handle?: number;
}

export interface NftTransactionResult {
  commands: NftCommandResult[];
}

/**
 * A transaction the kernel refused: nothing of it was applied. `index` and `op` name the
 * command that failed (-1 and 'batch' when the kernel blamed the batch as a whole), `code`
 * and `errno` are the kernel's, `extackMessage` and `attributePath` its ext-ack report;
 * `errors` lists every command the kernel reported (it checks them all).
 */
export class NftTransactionError extends Error {
  readonly code: string;
  readonly errno: number;
  readonly index: number;
  readonly op: string;
  readonly extackMessage?: string;
  readonly attributePath?: string;
  readonly errors: { index: number; op: string; error: Error }[];

  constructor(errors: { index: number; op: string; error: Error }[]) {
    const first = errors[0];
    const e = first.error as Partial<NetlinkError> & Error;
    const where = first.index < 0 ? 'the batch' : `command ${first.index} (${first.op})`;
    const text = e.errno === -ERESTART ? 'ERESTART: the ruleset changed since the generation given (genid)' : e.message;
    super(`nftables transaction failed at ${where}: ${text}; nothing was applied`, { cause: first.error });
    this.name = 'NftTransactionError';
    this.errno = typeof e.errno === 'number' ? e.errno : -5;
    // ERESTART (85, kernel-internal, so unnamed in node's table): the batch's genid is stale
    this.code = this.errno === -ERESTART ? 'ERESTART' : typeof e.code === 'string' ? e.code : 'EIO';
    this.index = first.index;
    this.op = first.op;
    if (e.extackMessage !== undefined) this.extackMessage = e.extackMessage;
    if (e.attributePath !== undefined) this.attributePath = e.attributePath;
    this.errors = errors;
  }
}

export interface BatchOptions {
  /** Fail with ERESTART when the ruleset generation is no longer this one (NFNL_BATCH_GENID). */
  genid?: number;
  /** Ask the kernel to echo what it made (the handles in the result). Default true. */
  echo?: boolean;
  /**
   * Only check (`nft -c`): the batch goes without BATCH_END, so the kernel validates every
   * command, reports what fails, and applies none of it.
   */
  check?: boolean;
}

/**
 * An item's answers are its ack and, with NLM_F_ECHO, the object it made; the kernel also
 * echoes the new generation (NFT_MSG_NEWGEN) with the seq of the batch's first echo. Only
 * the item's own echo is decoded, and an echo that cannot be read is ignored: the kernel has
 * committed by then, so it must not turn a success into a failure.
 */
function echoOnly(it: TransactionItem<unknown>): TransactionItem<unknown> {
  // No item asks for an acknowledgement: the kernel answers a batch within the send, each
  // failing request with its error, so silence is success. An item that waited for its ack
  // would wait forever when the kernel refuses the batch at BEGIN (a stale genid is answered
  // with one error, against BEGIN, and nothing else).
  it.ack = false;
  // one decoder per request type: a closure per item would keep the item (and through its
  // payload the whole request) alive as long as the transaction, not only until encoded
  it.decode = ECHO_DECODERS.get(it.type);
  return it;
}

/**
 * What an echo is read for: the handle. By request type (the echo's type is the request's),
 * a decoder reading the handle attribute of the object's attribute set, from the description.
 */
const ECHO_DECODERS = new Map<number, (m: RawMessage) => { handle: bigint } | undefined>();
for (const op of nft.operations) {
  const set = nft.attributeSets.find((s) => s.name === op.attributeSet);
  const attr = set?.attributes.find((a) => a.name === 'handle' && a.type === 'u64' && a.byteOrder === 'big-endian');
  const type = op.requestValue;
  if (op.name.startsWith('new') && type !== undefined && attr) ECHO_DECODERS.set(type, (m) => (m.type === type ? handleOf(m, attr.value) : undefined));
}

/** The handle attribute of an echoed object (after struct nfgenmsg); undefined when it is not readable. */
function handleOf(m: RawMessage, type: number): { handle: bigint } | undefined {
  try {
    const it = new AttrIterator(m.buf, m.start + 4, m.end);
    while (it.next()) if (it.type === type && it.dataEnd - it.dataStart === 8) return { handle: m.buf.readBigUInt64BE(it.dataStart) };
  } catch {
    // an echo that cannot be read: the kernel has committed, so no failure for it
  }
  return undefined;
}

/** A batch's requests: what each item belongs to (command index, or -1 for BEGIN/END). */
export function buildBatch(cmds: readonly NftCommand[], opts: BatchOptions, known?: BatchState['known'], ifindex?: BatchState['ifindex']): { items: TransactionItem<unknown>[]; owners: number[]; ops: string[] } {
  const { items, owners, ops } = batchItems(cmds, opts, known, ifindex);
  return { items: [...items], owners, ops };
}

/**
 * The batch's items in order, made as they are taken (each is encoded at once, so its
 * request is garbage before the next is made); `owners` fills as they are. The commands are
 * checked for their verb and object now, the rest as they are made.
 */
function batchItems(cmds: readonly NftCommand[], opts: BatchOptions, known: BatchState['known'], ifindex: BatchState['ifindex']): { items: Generator<TransactionItem<unknown>>; owners: number[]; ops: string[]; most: number } {
  if (!Array.isArray(cmds)) throw new NetlinkArgumentError('commands', 'must be an array of commands', 'ERR_INVALID_ARG_TYPE');
  if (opts.genid !== undefined && (!Number.isInteger(opts.genid) || opts.genid < 0 || opts.genid > 0xffffffff))
    throw new NetlinkArgumentError('genid', `must be a generation id (u32), got ${quote(opts.genid)}`);
  const ops: string[] = [];
  let most = 2; // BEGIN, END
  cmds.forEach((c, i) => {
    const { verb, object } = verbOf(c, `commands[${i}]`);
    ops.push(`${verb} ${object}`);
    most += mostCommandItems(c, object);
  });
  const owners: number[] = [];
  function* items(): Generator<TransactionItem<unknown>> {
    const state: BatchState = { nextId: 1, sets: new Map(), known, ifindex };
    const echo = opts.echo !== false;
    const head = { nfgenFamily: 0, version: 0, resId: NFNL_SUBSYS_NFTABLES };
    owners.push(-1);
    yield opItem(nft, 'batch-begin', opts.genid === undefined ? head : { ...head, genid: opts.genid }, { ack: false });
    for (let i = 0; i < cmds.length; i++) {
      for (const it of commandItems(cmds[i], i, state, echo)) {
        owners.push(i);
        yield echoOnly(it);
      }
    }
    if (opts.check === true) return;
    owners.push(-1);
    yield opItem(nft, 'batch-end', head, { ack: false });
  }
  return { items: items(), owners, ops, most };
}

/** The transaction's result, or its error (nothing applied) when any item failed. */
export function batchResult(r: TransactionResult<unknown>, owners: number[], ops: string[]): NftTransactionResult {
  if (!r.ok) {
    const errors = r.failures.map((f) => {
      const index = owners[f.index];
      return { index, op: index < 0 ? 'batch' : ops[index], error: f.error };
    });
    // a command's own error first: the batch-level ones (a commit failure) only when alone
    errors.sort((a, b) => Number(a.index < 0) - Number(b.index < 0) || a.index - b.index);
    throw new NftTransactionError(errors);
  }
  const commands: NftCommandResult[] = ops.map((op, index) => ({ index, op }));
  r.items.forEach((it, i) => {
    const owner = owners[i];
    if (owner < 0 || !it.ok) return;
    for (const reply of it.replies) {
      const h = (reply as { handle?: bigint } | undefined)?.handle;
      if (typeof h === 'bigint') commands[owner].handle = Number(h);
    }
  });
  return { commands };
}

/** A batch is never cut. */
const WHOLE = { split: false } as const;

/**
 * The batch as a transaction sent whole (one send(), so that the kernel sees BEGIN..END as
 * one transaction), its items made and encoded one at a time straight into the
 * transaction's buffer; the transaction raises the socket's buffers to what it needs.
 */
export function batchStep(cmds: readonly NftCommand[], opts: BatchOptions = {}, known?: BatchState['known'], ifindex?: BatchState['ifindex']): Bulk<NftTransactionResult> {
  const { items, owners, ops, most } = batchItems(cmds, opts, known, ifindex);
  const source: TransactionSource<unknown> = { size: most, next: () => items.next().value ?? undefined };
  return { bulk: source, options: WHOLE, result: (r) => batchResult(r, owners, ops) };
}
