// The packet scheduler's clock as tc reads it (iproute2 tc_core.c tc_core_init, get_hz):
// the kernel's tc structs hold times in ticks, and rate tables (TCA_HTB_RTAB, TCA_TBF_RTAB...)
// hold each packet size's transmit time, as tc_calc_rtable fills them. Doubles are truncated
// where tc's C converts to unsigned, so tables come out as tc's, bit for bit.
import { readFileSync } from 'node:fs';

export interface PschedClock {
  /** Ticks per microsecond (tc's tick_in_usec). */
  tickInUsec: number;
  /** Timer frequency tc's get_hz reports (htb's default burst is rate / hz + mtu). */
  hz: number;
}

const USEC_PER_SEC = 1e6;
/** TC_LINKLAYER_ETHERNET, <linux/pkt_sched.h>. */
export const LINKLAYER_ETHERNET = 1;
export const LINKLAYER_ATM = 2;

let clock: PschedClock | undefined;

/** "t2us us2t clock_res hz" in hex, as /proc/net/psched shows; fields missing keep today's kernel values. */
export function parsePsched(text: string): PschedClock {
  const f = text.trim().split(/\s+/).map((x) => parseInt(x, 16));
  let [t2us, us2t, res, hz] = [f[0] || 1000, f[1] || 64, f[2] || USEC_PER_SEC, f[3] || 1e9];
  // tc_core_init: kernels with a nanosecond clock_res advertised t2us 1000 that means 1
  if (res === 1e9) t2us = us2t;
  return { tickInUsec: (t2us / us2t) * (res / USEC_PER_SEC), hz: res === USEC_PER_SEC ? hz : 1000 };
}

/** The kernel's clock, read once (it is the same in every namespace). */
export function pschedClock(): PschedClock {
  if (clock) return clock;
  let text = '';
  try {
    text = readFileSync('/proc/net/psched', 'utf8');
  } catch {
    // no procfs: today's kernels' values (ticks of 64 ns, nanosecond timers)
  }
  return (clock = parsePsched(text));
}

const u32 = (x: number): number => (x >= 0xffffffff ? 0xffffffff : x <= 0 || !Number.isFinite(x) ? 0 : Math.trunc(x));

export const time2tick = (usec: number, c = pschedClock()): number => u32(u32(usec) * c.tickInUsec);
export const tick2time = (ticks: number, c = pschedClock()): number => u32(ticks / c.tickInUsec);

/** Ticks to send `size` bytes at `rate` bytes/s (tc_calc_xmittime). */
export function xmitTime(rate: number, size: number, c = pschedClock()): number {
  return rate > 0 ? time2tick(USEC_PER_SEC * (size / rate), c) : 0;
}

/** Bytes sent at `rate` in `ticks` (tc_calc_xmitsize): a burst read back from the kernel's ticks. */
export function xmitSize(rate: number, ticks: number, c = pschedClock()): number {
  return u32((rate * tick2time(ticks, c)) / USEC_PER_SEC);
}

export interface RateTable {
  cellLog: number;
  /** 256 u32 transmit times, host order (the kernel reads it as u32[256]). */
  table: Buffer;
}

/** ATM cells are 53 bytes carrying 48 (tc_align_to_atm). */
const atmSize = (sz: number): number => Math.ceil(sz / 48) * 53;

/**
 * tc_calc_rtable: the transmit time of each cell of packet sizes at the ratespec's 32-bit
 * rate. cellLog -1 picks the smallest covering mtu (default 2047) with 256 cells.
 */
export function rateTable(rate32: number, o: { mpu?: number; mtu?: number; cellLog?: number; linklayer?: number } = {}, c = pschedClock()): RateTable {
  const mtu = o.mtu || 2047;
  let cellLog = o.cellLog ?? -1;
  if (cellLog < 0) for (cellLog = 0; mtu >>> cellLog > 255; ) cellLog++;
  // a Uint32Array: the kernel reads the table in the host's byte order
  const times = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let sz = (i + 1) << cellLog;
    if (sz < (o.mpu ?? 0)) sz = o.mpu!;
    if (o.linklayer === LINKLAYER_ATM) sz = atmSize(sz);
    times[i] = xmitTime(rate32, sz, c);
  }
  return { cellLog, table: Buffer.from(times.buffer) };
}

/** Rates above this go in the 64-bit attributes (TCA_HTB_RATE64...); the struct then says ~0. */
export const RATE32_MAX = 0xffffffff;

export interface RatespecOptions {
  mpu?: number;
  overhead?: number;
  mtu?: number;
  linklayer?: number;
}

/** A struct tc_ratespec and its table for a rate in bytes/s, as tc fills both. */
export function ratespec(rate: number, o: RatespecOptions = {}): { spec: { cellLog: number; linklayer: number; overhead: number; cellAlign: number; mpu: number; rate: number }; table: Buffer; rate64?: bigint } {
  const rate32 = rate > RATE32_MAX ? RATE32_MAX : rate;
  const { cellLog, table } = rateTable(rate32, o);
  const spec = { cellLog, linklayer: o.linklayer ?? LINKLAYER_ETHERNET, overhead: o.overhead ?? 0, cellAlign: -1, mpu: o.mpu ?? 0, rate: rate32 };
  return rate > RATE32_MAX ? { spec, table, rate64: BigInt(rate) } : { spec, table };
}

/** The rate a dump says: the 64-bit attribute when there is one. */
export const rateOf = (spec: { rate: number } | undefined, rate64: bigint | undefined): number => (rate64 !== undefined ? Number(rate64) : spec?.rate ?? 0);

export const linklayerName = (l: number): string => (['unspec', 'ethernet', 'atm'][l & 0x0f] ?? String(l & 0x0f));
