// tc's rate tables (iproute2 tc/tc_core.c tc_calc_rtable, tc_calc_xmittime): 256 transmit
// times, one per packet-size cell, in kernel ticks. The kernel of today computes rates itself
// but police (and tbf/htb's old attributes) still require the table to be sent.
import type { TcRatespecStruct } from '../ynl/families/tc.js';
import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';

/** Ticks per µs, as tc_core_init reads /proc/net/psched (t2us/us2t: 1000/64 = 15.625 on current kernels). */
let tickPerUsec: number | undefined;
function ticksPerUsec(): number {
  if (tickPerUsec !== undefined) return tickPerUsec;
  tickPerUsec = 15.625;
  try {
    const [t2us, us2t, res] = readFileSync('/proc/net/psched', 'utf8').trim().split(/\s+/).map((h) => parseInt(h, 16));
    // tc's compatibility rule: a nanosecond clock advertises t2us 1000 meaning 1
    const t = res === 1e9 ? us2t! : t2us!;
    if (t > 0 && us2t! > 0 && res! > 0) tickPerUsec = (t / us2t!) * (res! / 1e6);
  } catch {
    // no /proc: what every current kernel advertises (PSCHED_SHIFT 6, 64 ns ticks)
  }
  return tickPerUsec;
}

/** Ticks to send `size` bytes at `rate` bytes/s (tc_calc_xmittime), a u32. */
export function xmitTime(rate: number, size: number): number {
  if (rate <= 0) return 0;
  // tc_core_time2tick takes whole microseconds: the time is truncated before scaling
  return Math.min(0xffffffff, Math.floor(Math.min(0xffffffff, Math.floor(1e6 * (size / rate))) * ticksPerUsec())) >>> 0;
}

/** Link layers as tc_calc_rtable adjusts sizes: ATM counts 53-byte cells of 48. */
export const LINKLAYERS = { ethernet: 1, atm: 2 } as const;

function adjustSize(sz: number, mpu: number, linklayer: number): number {
  if (sz < mpu) sz = mpu;
  return linklayer === LINKLAYERS.atm ? Math.ceil(sz / 48) * 53 : sz;
}

/**
 * The ratespec and its 1024-byte table for a rate (bytes/s), as tc_calc_rtable fills them:
 * cell_log from the MTU (2047 when 0) so that 256 cells cover it, cell_align -1.
 */
export function rateTable(rate: number, opts: { mtu?: number; mpu?: number; overhead?: number; linklayer?: number } = {}): { spec: TcRatespecStruct; table: Buffer } {
  const mtu = opts.mtu || 2047;
  const mpu = opts.mpu ?? 0;
  const linklayer = opts.linklayer ?? LINKLAYERS.ethernet;
  let cellLog = 0;
  while (mtu >>> cellLog > 255) cellLog++;
  const table = Buffer.alloc(1024);
  const r32 = Math.min(rate, 0xffffffff);
  // host order: the kernel reads the table as u32[256]
  const le = endianness() === 'LE';
  for (let i = 0; i < 256; i++) {
    const t = xmitTime(r32, adjustSize((i + 1) << cellLog, mpu, linklayer));
    if (le) table.writeUInt32LE(t, i * 4);
    else table.writeUInt32BE(t, i * 4);
  }
  return { spec: { cellLog, linklayer, overhead: opts.overhead ?? 0, cellAlign: -1, mpu, rate: r32 }, table };
}

/** Bytes sent in `ticks` at `rate` bytes/s (tc_calc_xmitsize): how tc prints a police burst. */
export function xmitSize(rate: number, ticks: number): number {
  return Math.floor((rate * Math.floor(ticks / ticksPerUsec())) / 1e6);
}
