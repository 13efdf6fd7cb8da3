// `nlkit uevent`: device events as the kernel (or udev) announces them, like `udevadm monitor`.
import { uevents, type Uevent } from '../uevent/index.js';
import { STREAM_OPTIONS, STREAM_USAGE, streamCommand } from './stream.js';

const USAGE = `Usage: nlkit uevent [--udev] [--netns NAME] [--details] [--count N] [--duration SECS] [--json]

Kernel uevents (or udev's processed events), one line each: SOURCE[SEQNUM] ACTION DEVPATH (SUBSYSTEM).

  -u, --udev         udev's events (after its rules ran) instead of the kernel's
  -n, --netns NAME   the events of a network namespace (network devices announce themselves there)
  -d, --details      every KEY=VALUE under each event
${STREAM_USAGE}`;

const OPTIONS = [
  { name: 'udev', short: 'u', type: 'boolean' },
  { name: 'netns', short: 'n', type: 'string' },
  ...STREAM_OPTIONS,
] as const;

export function ueventText(ev: Uevent, details: boolean): string {
  const head = `${ev.source === 'udev' ? 'UDEV' : 'KERNEL'}[${ev.seqnum ?? '-'}] ${ev.action.padEnd(8)} ${ev.devpath}${ev.subsystem ? ` (${ev.subsystem})` : ''}\n`;
  if (!details) return head;
  return head + Object.entries(ev.env).map(([k, v]) => `  ${k}=${v}\n`).join('') + '\n';
}

export const uevent = streamCommand('uevent', USAGE, OPTIONS, (options, ctx) => ({
  stream: uevents({ source: options.udev ? 'udev' : 'kernel', netns: options.netns as string | undefined }),
  text: (ev: Uevent) => ueventText(ev, ctx.details),
}));
