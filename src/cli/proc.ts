// `nlkit proc`: process events (fork, exec, exit...) as they happen, like a minimal forkstat.
import { procEvents, PROC_EVENT_TYPES, type ProcEvent, type ProcEventFilter } from '../connector/index.js';
import { UsageError } from './args.js';
import { STREAM_OPTIONS, STREAM_USAGE, streamCommand } from './stream.js';

const USAGE = `Usage: nlkit proc [--events LIST] [--cmdline] [--count N] [--duration SECS] [--json]

Process events from the kernel's process connector (needs root): one line each.

  -e, --events LIST  comma-separated: ${PROC_EVENT_TYPES.join(',')} (default all)
  --cmdline          show exec'd command lines (read from /proc while the process is there)
${STREAM_USAGE}`;

const OPTIONS = [
  { name: 'events', short: 'e', type: 'string' },
  { name: 'cmdline', type: 'boolean' },
  ...STREAM_OPTIONS,
] as const;

/** One line per event: what, who, and the event's own fields. */
const LINES: { [K in ProcEvent['type']]: (e: Extract<ProcEvent, { type: K }>) => string } = {
  fork: (e) => `parent ${e.parentTgid}/${e.parentPid} child ${e.tgid}/${e.pid}${e.pid !== e.tgid ? ' (thread)' : ''}`,
  exec: (e) => `pid ${e.tgid}/${e.pid}${e.cmdline ? ` ${e.cmdline.join(' ')}` : ''}`,
  uid: (e) => `pid ${e.tgid}/${e.pid} ruid ${e.ruid} euid ${e.euid}`,
  gid: (e) => `pid ${e.tgid}/${e.pid} rgid ${e.rgid} egid ${e.egid}`,
  sid: (e) => `pid ${e.tgid}/${e.pid}`,
  ptrace: (e) => `pid ${e.tgid}/${e.pid} ${e.tracerPid ? `tracer ${e.tracerTgid}/${e.tracerPid}` : 'detached'}`,
  comm: (e) => `pid ${e.tgid}/${e.pid} comm ${e.comm}`,
  coredump: (e) => `pid ${e.tgid}/${e.pid} parent ${e.parentTgid}/${e.parentPid}`,
  exit: (e) => `pid ${e.tgid}/${e.pid} ${e.status.code !== undefined ? `code ${e.status.code}` : `signal ${e.status.signal}${e.status.coreDumped ? ' (core dumped)' : ''}`} parent ${e.parentTgid}/${e.parentPid}`,
};

export function procLine(e: ProcEvent): string {
  return `${e.type.padEnd(8)} ${(LINES[e.type] as (x: ProcEvent) => string)(e)}\n`;
}

export const proc = streamCommand('proc', USAGE, OPTIONS, (options) => {
  let events: ProcEventFilter[] | undefined;
  if (typeof options.events === 'string') {
    events = options.events.split(',').map((s) => s.trim()).filter((s) => s) as ProcEventFilter[];
    for (const e of events) if (!PROC_EVENT_TYPES.includes(e)) throw new UsageError(`unknown event "${e}"; events: ${PROC_EVENT_TYPES.join(', ')}`);
  }
  return { stream: procEvents({ events, cmdline: options.cmdline === true }), text: procLine };
});
