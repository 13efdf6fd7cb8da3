// Statistics of a qdisc, class, filter or action, from the kernel's TCA_STATS2 nest (gnet_stats):
// counters as bigint, as `tc -s` prints them. Shared by every tc object module.
import type { TcaStatsAttrsSet, TcStatsStruct } from '../ynl/families/tc.js';
import { struct } from '../ynl/unread.js';

export interface TcStats {
  bytes: bigint;
  /** 64-bit when the kernel sends TCA_STATS_PKT64 (the basic struct's count is 32-bit). */
  packets: bigint;
  drops: number;
  overlimits: number;
  requeues: number;
  /** Bytes and packets waiting in the queue. */
  backlog: number;
  qlen: number;
  /** The rate estimator's view (bytes/s, packets/s), when one is attached. */
  rate?: { bps: bigint; pps: bigint };
}


/** TCA_STATS2 (preferred) or the old TCA_STATS struct, to one shape; undefined when neither came or the nest is empty. */
export function toStats(stats2: TcaStatsAttrsSet | undefined, old?: TcStatsStruct | Buffer): TcStats | undefined {
  if (stats2) {
    const basic = struct(stats2.basic);
    const queue = struct(stats2.queue);
    const est64 = struct(stats2.rateEst64);
    const est = struct(stats2.rateEst);
    // a kind without statistics of its own (tbf's class) gets an empty nest: nothing to count,
    // and tc prints no counters for it (the zeros in the old struct beside it are filler)
    if (!basic && !queue && !est64 && !est) return undefined;
    const out: TcStats = {
      bytes: basic?.bytes ?? 0n,
      packets: stats2.pkt64 ?? BigInt(basic?.packets ?? 0),
      drops: queue?.drops ?? 0,
      overlimits: queue?.overlimits ?? 0,
      requeues: queue?.requeues ?? 0,
      backlog: queue?.backlog ?? 0,
      qlen: queue?.qlen ?? 0,
    };
    if (est64) out.rate = { bps: est64.bps, pps: est64.pps };
    else if (est) out.rate = { bps: BigInt(est.bps), pps: BigInt(est.pps) };
    return out;
  }
  const s = struct(old);
  if (!s) return undefined;
  return {
    bytes: s.bytes, packets: BigInt(s.packets), drops: s.drops, overlimits: s.overlimits, requeues: 0,
    backlog: s.backlog, qlen: s.qlen, rate: { bps: BigInt(s.bps), pps: BigInt(s.pps) },
  };
}
