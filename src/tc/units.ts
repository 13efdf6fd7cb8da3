// tc's units, with iproute2's tables (tc/tc_util.c get_rate/get_size/get_time): rates are
// bytes per second, sizes bytes, times microseconds. Strings are case-insensitive as in tc.
import { NetlinkArgumentError } from '../core/errors.js';
import { quote } from '../core/options.js';

/** Bits per unit: a bare number is bit/s; 'bps' is bytes/s, as tc has it. */
const RATE_BITS: Record<string, number> = {
  bit: 1, kibit: 1024, kbit: 1e3, mibit: 1024 ** 2, mbit: 1e6, gibit: 1024 ** 3, gbit: 1e9, tibit: 1024 ** 4, tbit: 1e12,
  bps: 8, kibps: 8 * 1024, kbps: 8e3, mibps: 8 * 1024 ** 2, mbps: 8e6, gibps: 8 * 1024 ** 3, gbps: 8e9, tibps: 8 * 1024 ** 4, tbps: 8e12,
};
const SIZE_BYTES: Record<string, number> = {
  b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3,
  kbit: 1024 / 8, mbit: 1024 ** 2 / 8, gbit: 1024 ** 3 / 8,
};
const TIME_USEC: Record<string, number> = {
  s: 1e6, sec: 1e6, secs: 1e6, ms: 1e3, msec: 1e3, msecs: 1e3, us: 1, usec: 1, usecs: 1,
};

const NUMBER = /^(\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?([a-z]*)$/i;

function parseUnit(v: unknown, option: string, table: Record<string, number>, bare: number, what: string, max: number): number {
  if (typeof v === 'number' || typeof v === 'bigint') {
    const n = Number(v);
    if (Number.isFinite(n) && n >= 0 && n <= max) return Math.floor(n);
    throw new NetlinkArgumentError(option, `must be ${what} 0..${max}, got ${v}`, 'ERR_OUT_OF_RANGE');
  }
  if (typeof v !== 'string') throw new NetlinkArgumentError(option, `must be ${what} (a number or a string such as ${examples(table)}), got ${typeof v}`, 'ERR_INVALID_ARG_TYPE');
  const m = NUMBER.exec(v.trim());
  const scale = m ? (m[2] === '' ? bare : table[m[2]!.toLowerCase()]) : undefined;
  if (!m || scale === undefined)
    throw new NetlinkArgumentError(option, `must be ${what} such as ${examples(table)}, got ${quote(v)}`);
  const n = Math.floor(parseFloat(v) * scale);
  if (!(n <= max)) throw new NetlinkArgumentError(option, `must be at most ${max}, got ${quote(v)}`, 'ERR_OUT_OF_RANGE');
  return n;
}

function examples(table: Record<string, number>): string {
  return table === RATE_BITS ? "'10mbit', '1gbit', '500kbps'" : table === SIZE_BYTES ? "'1500', '32kb', '1mb'" : "'10ms', '1s', '500us'";
}

/** A rate in bytes/s: a number is bytes/s; a string is tc's ('10mbit' = 1,250,000). */
export function parseRate(v: unknown, option = 'rate'): number {
  if (typeof v === 'string') return Math.floor(parseUnit(v, option, RATE_BITS, 1, 'a rate', 8 * Number.MAX_SAFE_INTEGER) / 8);
  return parseUnit(v, option, RATE_BITS, 1, 'a rate in bytes/s', Number.MAX_SAFE_INTEGER);
}

/** A size in bytes: a number, or tc's '32kb' (1024-based), '1500b'. */
export function parseSize(v: unknown, option = 'size'): number {
  return parseUnit(v, option, SIZE_BYTES, 1, 'a size', 0xffffffff);
}

/** A time in microseconds: a number is µs; a string is tc's '10ms', '1s', '500us' (bare = µs). */
export function parseTime(v: unknown, option = 'time'): number {
  return parseUnit(v, option, TIME_USEC, 1, 'a time', 0xffffffff);
}

/** As tc prints a rate (print_rate, SI steps, integer division): 1250000 -> '10Mbit'. */
export function formatRate(bytesPerSecond: number | bigint): string {
  let bits = BigInt(bytesPerSecond) * 8n;
  const units = ['', 'K', 'M', 'G', 'T'];
  let i = 0;
  for (; i < units.length - 1; i++) {
    if (bits < 1000n || (bits % 1000n !== 0n && bits < 1000000n)) break;
    bits /= 1000n;
  }
  return `${bits}${units[i]}bit`;
}

/** As tc prints a size (print_size): 1024-based 'Mb'/'Kb' when close to a whole unit, else 'b'. */
export function formatSize(bytes: number): string {
  const mb = Math.round(bytes / (1024 * 1024));
  if (bytes >= 1024 * 1024 && Math.abs(mb * 1024 * 1024 - bytes) < 1024) return `${mb}Mb`;
  const kb = Math.round(bytes / 1024);
  if (bytes >= 1024 && Math.abs(kb * 1024 - bytes) < 16) return `${kb}Kb`;
  return `${bytes}b`;
}

/** C's printf("%.3g"): three significant digits, trailing zeros dropped, an exponent from 1e3 up or below 1e-4. */
function g3(x: number): string {
  if (x === 0) return '0';
  const [mantissa, exp] = x.toExponential(2).split('e') as [string, string];
  const e = Number(exp);
  const trim = (t: string) => (t.includes('.') ? t.replace(/\.?0+$/, '') : t);
  if (e < -4 || e >= 3) return `${trim(mantissa)}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  return trim(x.toFixed(2 - e));
}

/**
 * As tc prints a time (tc_util.c print_time, iproute2 5.x/6.x): %.3g seconds or
 * milliseconds, whole microseconds below one ms: '50ms', '1.86ms', '1.5s', '1.23e+03s', '992us'.
 */
export function formatTime(usec: number): string {
  if (usec >= 1e6) return `${g3(usec / 1e6)}s`;
  if (usec >= 1e3) return `${g3(usec / 1e3)}ms`;
  return `${Math.trunc(usec)}us`;
}
