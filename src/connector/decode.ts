// Process events from their bytes: struct cn_msg and struct proc_event's head are read as
// the connector spec describes them; the union after the head is read as the struct its
// `what` names (UNION_ARMS), which the spec codec cannot select by itself (a union in a
// struct, chosen by a member, is not a YNL construct).
import { Definitions } from '../core/definitions.js';
import { NetlinkDecodeError } from '../core/errors.js';
import type { RawMessage } from '../core/message.js';
import type { StructType } from '../core/struct.js';
import {
  description, type CnProcEventStruct, type CommProcEventStruct, type CoredumpProcEventStruct, type ExecProcEventStruct,
  type ExitProcEventStruct, type ForkProcEventStruct, type IdProcEventStruct, type ProcCnEventEnum, type PtraceProcEventStruct,
  type SidProcEventStruct,
} from '../ynl/families/connector.js';
import { resolveConst } from '../ynl/normalize.js';

const defs = new Definitions(description, resolveConst);
const cnProcEvent = defs.struct('cn-proc-event');
const CN_IDX_PROC = defs.consts.get('cn-idx-proc') as number;
const CN_VAL_PROC = defs.consts.get('cn-val-proc') as number;
/** cn_msg before the payload: what cn_msg.len counts from. */
const CN_MSG_SIZE = defs.struct('cn-msg').size;
/** Where the union sits in the message. */
const UNION_AT = cnProcEvent.byKey.get('eventData')!.offset;
const UNION_SIZE = cnProcEvent.byKey.get('eventData')!.size;

/** Which struct of the spec holds each event's data. */
const UNION_ARMS: Record<string, string> = {
  none: 'ack-proc-event', fork: 'fork-proc-event', exec: 'exec-proc-event', uid: 'id-proc-event', gid: 'id-proc-event',
  sid: 'sid-proc-event', ptrace: 'ptrace-proc-event', comm: 'comm-proc-event', coredump: 'coredump-proc-event', exit: 'exit-proc-event',
};
const arms = new Map<string, StructType>(Object.entries(UNION_ARMS).map(([what, s]) => [what, defs.struct(s)]));

/** Fields every event has. `pid` is the thread id, `tgid` the process id (what `ps` calls the pid). */
interface Common {
  cpu: number;
  /** Kernel monotonic clock (ns since boot) when the event happened. */
  timestampNs: bigint;
  pid: number;
  tgid: number;
}

/** How a process ended, from its wait status. */
export interface ExitStatus {
  /** exit(2) code, when it exited. */
  code?: number;
  /** The signal that killed it, when one did (number). */
  signal?: number;
  coreDumped?: boolean;
}

export type ProcEvent =
  | (Common & { type: 'fork'; parentPid: number; parentTgid: number })
  | (Common & { type: 'exec'; /** /proc/PID/cmdline when asked for and the process was still there. */ cmdline?: string[] })
  | (Common & { type: 'uid'; ruid: number; euid: number })
  | (Common & { type: 'gid'; rgid: number; egid: number })
  | (Common & { type: 'sid' })
  | (Common & { type: 'ptrace'; /** 0 on detach. */ tracerPid: number; tracerTgid: number })
  | (Common & { type: 'comm'; comm: string })
  | (Common & { type: 'coredump'; parentPid: number; parentTgid: number })
  | (Common & { type: 'exit'; /** The raw wait status (task->exit_code). */ exitCode: number; status: ExitStatus; /** Signal sent to the parent (SIGCHLD), -1 for a thread. */ exitSignal: number; parentPid: number; parentTgid: number });

export type ProcEventType = ProcEvent['type'];

/** The kernel's answer to a listen/ignore request: a proc_event of what 'none'. */
export interface ProcAck {
  type: 'ack';
  /** errno (positive) or 0. */
  err: number;
}

export function exitStatus(code: number): ExitStatus {
  const sig = code & 0x7f;
  if (sig === 0) return { code: (code >> 8) & 0xff };
  return { signal: sig, coreDumped: (code & 0x80) !== 0 };
}

/** The event's own fields, by the struct of its union arm. */
const SHAPERS: Record<string, (c: Common, d: Record<string, unknown>) => ProcEvent> = {
  fork: (c, d) => {
    const f = d as unknown as ForkProcEventStruct;
    return { type: 'fork', ...c, pid: f.childPid, tgid: f.childTgid, parentPid: f.parentPid, parentTgid: f.parentTgid };
  },
  exec: (c, d) => ({ type: 'exec', ...c, ...ids(d as unknown as ExecProcEventStruct) }),
  uid: (c, d) => ({ type: 'uid', ...c, ...ids(d as unknown as IdProcEventStruct), ruid: (d as unknown as IdProcEventStruct).r, euid: (d as unknown as IdProcEventStruct).e }),
  gid: (c, d) => ({ type: 'gid', ...c, ...ids(d as unknown as IdProcEventStruct), rgid: (d as unknown as IdProcEventStruct).r, egid: (d as unknown as IdProcEventStruct).e }),
  sid: (c, d) => ({ type: 'sid', ...c, ...ids(d as unknown as SidProcEventStruct) }),
  ptrace: (c, d) => {
    const p = d as unknown as PtraceProcEventStruct;
    return { type: 'ptrace', ...c, ...ids(p), tracerPid: p.tracerPid, tracerTgid: p.tracerTgid };
  },
  comm: (c, d) => ({ type: 'comm', ...c, ...ids(d as unknown as CommProcEventStruct), comm: (d as unknown as CommProcEventStruct).comm }),
  coredump: (c, d) => {
    const p = d as unknown as CoredumpProcEventStruct;
    return { type: 'coredump', ...c, ...ids(p), parentPid: p.parentPid, parentTgid: p.parentTgid };
  },
  exit: (c, d) => {
    const p = d as unknown as ExitProcEventStruct;
    return {
      type: 'exit', ...c, ...ids(p), exitCode: p.exitCode, status: exitStatus(p.exitCode), exitSignal: p.exitSignal | 0,
      parentPid: p.parentPid, parentTgid: p.parentTgid,
    };
  },
};

function ids(d: { processPid: number; processTgid: number }): { pid: number; tgid: number } {
  return { pid: d.processPid, tgid: d.processTgid };
}

/**
 * Decodes one connector message (nlmsghdr payload) as a process event or the kernel's ack.
 * Anything else (another connector index, a short or unknown event) is a NetlinkDecodeError.
 */
export function decodeProcMessage(buf: Buffer, start: number, end: number): ProcEvent | ProcAck {
  const m = cnProcEvent.decode(buf, start, end) as unknown as CnProcEventStruct;
  if (m.msg.id.idx !== CN_IDX_PROC || m.msg.id.val !== CN_VAL_PROC)
    throw new NetlinkDecodeError(`connector message for ${m.msg.id.idx}:${m.msg.id.val}, not the process events connector`, start);
  if (CN_MSG_SIZE + m.msg.len > end - start)
    throw new NetlinkDecodeError(`cn_msg.len ${m.msg.len} exceeds the ${end - start - CN_MSG_SIZE} bytes that follow`, start);
  const what = m.head.what as ProcCnEventEnum | number;
  const arm = typeof what === 'string' ? arms.get(what) : undefined;
  if (!arm) throw new NetlinkDecodeError(`unknown process event ${typeof what === 'number' ? `0x${what.toString(16)}` : what}`, start);
  const data = arm.decode(buf, start + UNION_AT, start + UNION_AT + UNION_SIZE);
  if (what === 'none') return { type: 'ack', err: (data as { err: number }).err };
  const common: Common = { cpu: m.head.cpu, timestampNs: m.head.timestampNs, pid: 0, tgid: 0 };
  return SHAPERS[what](common, data);
}

export const decodeProcEvent = (m: RawMessage): ProcEvent | ProcAck => decodeProcMessage(m.buf, m.start, m.end);

export { CN_IDX_PROC, CN_VAL_PROC };
