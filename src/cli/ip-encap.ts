// `encap TYPE ...` as ip reads it (iproute2's lwt_parse_encap), for routes and nexthops alike:
// the words of each encapsulation type and where their values go in nlkit/route's RouteEncap.
import type { RouteEncap } from '../route/routes.js';
import { invalidArgument, IpUsageError, uintValue, type Words } from './ip-command.js';

/** The words after `encap` (the type first), up to the first word no type takes. */
export function parseEncap(words: Words): RouteEncap {
  const type = words.value();
  const e: Record<string, unknown> = { type };
  const take = (names: Record<string, (v: string) => unknown>, flags: Record<string, number> = {}) => {
    for (let w = words.peek(); w !== undefined; w = words.peek()) {
      if (w in names) { words.shift(); e[w] = names[w](words.value()); } else if (w in flags) { words.shift(); e.flags = Number(e.flags ?? 0) | flags[w]; } else break;
    }
  };
  const u8 = (w: string) => (v: string) => uintValue(v, w, 255);
  switch (type) {
    case 'mpls':
      e.labels = words.value().split('/').map((l) => uintValue(l, 'label', 0xfffff));
      take({ ttl: u8('ttl') });
      break;
    case 'ip':
    case 'ip6': {
      const six = type === 'ip6';
      take({
        id: (v) => { if (!/^\d+$/.test(v)) throw invalidArgument('"id" value is invalid\n', v); return BigInt(v); },
        dst: (v) => v, src: (v) => v, [six ? 'hoplimit' : 'ttl']: u8('ttl'), [six ? 'tc' : 'tos']: u8('tos'),
      }, { key: 0x04, csum: 0x01, seq: 0x08 });
      break;
    }
    case 'seg6':
      take({ mode: (v) => v.replace('.red', '-red'), segs: (v) => v.split(',') });
      e.mode ??= 'encap';
      break;
    default:
      throw new IpUsageError(`Error: nlkit route does not encapsulate with "${type}" (it has mpls, ip, ip6, seg6).`, 1);
  }
  return e as RouteEncap;
}

