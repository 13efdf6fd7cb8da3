// IP protocol numbers by name ('tcp' -> 6), from /etc/protocols as `ip` reads them through
// getprotobyname; a number with no name prints as 'ipproto-N', as `ip` prints it.
import { readFileSync } from 'node:fs';
import { NetlinkArgumentError } from '../core/errors.js';
import { quote } from '../core/options.js';

/** Used when /etc/protocols is missing (minimal containers). */
const FALLBACK: [string, number][] = [
  ['icmp', 1], ['igmp', 2], ['tcp', 6], ['udp', 17], ['gre', 47], ['esp', 50], ['ah', 51], ['ipv6-icmp', 58], ['sctp', 132], ['udplite', 136],
];

let table: { byName: Map<string, number>; byNumber: Map<number, string> } | undefined;

function load(): NonNullable<typeof table> {
  let entries = FALLBACK;
  try {
    const parsed: [string, number][] = [];
    for (const line of readFileSync('/etc/protocols', 'utf8').split('\n')) {
      const m = /^([^\s#]+)\s+(\d+)/.exec(line);
      if (m) parsed.push([m[1], Number(m[2])]);
    }
    if (parsed.length) entries = parsed;
  } catch {
    // no /etc/protocols: the common names still work
  }
  const byName = new Map<string, number>(), byNumber = new Map<number, string>();
  for (const [name, n] of entries) {
    if (!byName.has(name)) byName.set(name, n);
    // the first name of a number wins, as getprotobynumber answers
    if (!byNumber.has(n)) byNumber.set(n, name);
  }
  return { byName, byNumber };
}

/** A protocol's number from its name, 'ipproto-N' or a number (0..255). */
export function ipProtoValue(v: unknown, option = 'ipproto'): number {
  if (typeof v === 'number' || (typeof v === 'string' && /^\d+$/.test(v))) {
    const n = Number(v);
    if (Number.isInteger(n) && n >= 0 && n <= 255) return n;
    throw new NetlinkArgumentError(option, `must be a protocol number 0..255 or a name such as 'tcp', got ${String(v)}`, 'ERR_OUT_OF_RANGE');
  }
  if (typeof v !== 'string') throw new NetlinkArgumentError(option, `must be a protocol name such as 'tcp' or a number, got ${typeof v}`, 'ERR_INVALID_ARG_TYPE');
  const m = /^ipproto-(\d+)$/.exec(v);
  if (m) return ipProtoValue(m[1], option);
  const n = (table ??= load()).byName.get(v.toLowerCase());
  if (n === undefined) throw new NetlinkArgumentError(option, `must be a protocol name from /etc/protocols (tcp, udp, icmp...) or a number, got ${quote(v)}`);
  return n;
}

/** A protocol's name as `ip` prints it. */
export function ipProtoName(n: number): string {
  return (table ??= load()).byNumber.get(n) ?? `ipproto-${n}`;
}
