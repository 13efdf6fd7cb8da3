// `nlkit route save | restore | showdump`: iproute2's binary route dump, so that files move
// between ip and nlkit both ways. The format is ip's: a host-order u32 magic, then the
// kernel's RTM_NEWROUTE messages as the dump delivered them (header included). save writes
// the messages the selector keeps unchanged; restore sends each back as a request with
// NLM_F_CREATE, in ip's three rounds (local addresses, local networks, then routes through a
// gateway) so that a gateway's own route exists first, and takes an existing route as done
// (EEXIST is said, not failed on); showdump prints the file as `ip route show` would.
import { readFileSync } from 'node:fs';
import { isatty } from 'node:tty';
import { NLM_F_CREATE, NLMSG_HDRLEN } from '../core/constants.js';
import type { RawMessage } from '../core/message.js';
import { makeRoutes, type Route, type RouteFilter } from '../route/routes.js';
import { toRoute } from '../route/route-object.js';
import { opDecoder } from '../ynl/op-call.js';
import { description as rtRoute, type GetrouteDumpReply } from '../ynl/families/rt-route.js';
import { type IpEnv, IpUsageError } from './ip-command.js';
import { dumpTerminated, ipErrorText } from './ip-output.js';
import { listPrinter } from './ip-printer.js';
import { printRoute } from './ip-route-print.js';

/** iproute2's route_dump_magic, the first four bytes of a saved file (host order). */
export const ROUTE_DUMP_MAGIC = 0x45311224;
/** rtnl_from_file's buffer: a message longer than this is malformed to ip. */
const MAX_MESSAGE = 16384;
const FLUSH_AT = 1 << 16;

const align4 = (n: number) => (n + 3) & ~3;

/** A failure ip reports with this text and exit status. */
const failure = (text: string, status: number) => new IpUsageError(text, status);

/** save's start, ip's save_route_prep: the magic on standard output (never a terminal). */
export function startSave(): void {
  if (isatty(1)) throw failure('Not sending a binary stream to stdout', 1);
  const magic = Buffer.alloc(4);
  magic.writeUInt32LE(ROUTE_DUMP_MAGIC);
  process.stdout.write(magic);
}

/** save: the selected routes' messages, as the kernel sent them, to standard output. */
export function saveRoutes(env: IpEnv, filter: RouteFilter, keep: ((r: Route) => boolean) | undefined): void {
  let parts: Buffer[] = [];
  let size = 0;
  const flush = () => {
    if (size) process.stdout.write(Buffer.concat(parts, size));
    parts = [];
    size = 0;
  };
  let interrupted = false;
  try {
    ({ interrupted } = makeRoutes(env.route).forEachSync(filter, (r, m) => {
      if (keep && !keep(r)) return;
      // the message as the kernel sent it; copied, since the receive buffer is reused
      const bytes = Buffer.from(m.buf.subarray(m.start - NLMSG_HDRLEN, m.end));
      parts.push(bytes);
      size += bytes.length;
      if (size >= FLUSH_AT) flush();
    }));
  } catch (e) {
    throw dumpTerminated(e);
  } finally {
    // ip has written the magic and what came before the failure
    flush();
  }
  if (interrupted) env.err('Dump was interrupted and may be inconsistent.\n');
}

/** Standard input checked as ip's route_dump_check_magic does; the offset of the first message. */
function readDump(): Buffer {
  if (isatty(0)) throw failure("Can't restore route dump from a terminal", 1);
  const buf = readFileSync(0);
  const head = Buffer.alloc(4);
  buf.copy(head, 0, 0, 4);
  const magic = head.readUInt32LE(0);
  if (buf.length < 4 || magic !== ROUTE_DUMP_MAGIC) throw failure(`Magic mismatch (${buf.length < 4 ? 0 : 1} elems, ${magic.toString(16)} magic)`, 1);
  return buf;
}

/**
 * The file's messages in order, framed as ip's rtnl_from_file frames them (a length below the
 * header or above its 16 KiB buffer is malformed; a short read is a truncated message). As
 * ip, what comes before a broken message is used: `broken` is the error to report after it.
 */
export function dumpMessages(buf: Buffer): { messages: RawMessage[]; broken?: IpUsageError } {
  const messages: RawMessage[] = [];
  let pos = 4;
  while (pos < buf.length) {
    if (buf.length - pos < NLMSG_HDRLEN) return { messages, broken: failure('rtnl-from_file: truncated message', 2) };
    const len = buf.readUInt32LE(pos);
    if (len < NLMSG_HDRLEN || len > MAX_MESSAGE) return { messages, broken: failure(`!!!malformed message: len=${len} @${pos + NLMSG_HDRLEN}`, 2) };
    const next = pos + NLMSG_HDRLEN + align4(len - NLMSG_HDRLEN);
    if (next > buf.length) return { messages, broken: failure('rtnl-from_file: truncated message', 2) };
    messages.push({
      type: buf.readUInt16LE(pos + 4), flags: buf.readUInt16LE(pos + 6), seq: buf.readUInt32LE(pos + 8), portId: buf.readUInt32LE(pos + 12),
      sender: 0, group: 0, nsid: -1, buf, start: pos + NLMSG_HDRLEN, end: pos + len,
    });
    pos = next;
  }
  return { messages };
}

const decodeRoute = (m: RawMessage): GetrouteDumpReply => opDecoder(rtRoute, 'getroute', 'dump')(m);

/** ip's restore_handler rounds: 0 a local address (no gateway, no source or itself), 1 a local network, 2 through a gateway. */
function round(r: GetrouteDumpReply): number {
  if (r.gateway !== undefined) return 2;
  return r.prefsrc === undefined || String(r.prefsrc) === String(r.dst) ? 0 : 1;
}

/** restore: the file's routes added back, round by round; a route already there is said and skipped. */
export function restoreRoutes(env: IpEnv): number {
  const { messages, broken } = dumpMessages(readDump());
  const rounds: RawMessage[][] = [[], [], []];
  for (const m of messages) rounds[round(decodeRoute(m))].push(m);
  const conn = env.route.conn;
  for (const list of rounds) {
    if (list.length) {
      // one transaction per round: the kernel answers each message, in order
      const result = conn.transactionSync(list.map((m) => ({
        type: m.type,
        // ip sends the saved header's flags with REQUEST|CREATE|ACK added
        flags: m.flags | NLM_F_CREATE,
        payload: m.buf.subarray(m.start, m.end),
      })), { ack: 'each' });
      for (const f of result.failures) {
        env.err(`${ipErrorText(f.error).text}\n`);
        if ((f.error as { code?: string }).code !== 'EEXIST') return 2;
      }
    }
    // ip's first round reads up to the broken message and stops there
    if (broken) throw broken;
  }
  return 0;
}

/** showdump: the file's routes as `ip route showdump` prints them (text, whatever -j says, as ip). */
export function showDump(env: IpEnv): void {
  const { messages, broken } = dumpMessages(readDump());
  const scope = env.route.scope();
  const p = listPrinter({ ...env, json: false });
  const view = { details: env.details > 0, tables: true, hide: new Set<string>(), sl: env.oneline ? '\\' : '\n' };
  for (const m of messages) printRoute(p, toRoute(decodeRoute(m), scope), view);
  p.finish();
  if (broken) throw broken;
}
