// Where this process's memory sits: V8's own figures (process.memoryUsage) next to the
// kernel's (/proc/self/status, /proc/self/smaps), so that growth can be told apart as V8's
// heap, malloc (the addon's, libuv's, glibc's arenas) or file mappings. Used by the soak
// benchmark (bench/soak.js) and test/sandbox-memory.test.ts. And the fit of a slope with its
// standard error, so a figure says how much of it is noise.
import { readFileSync } from 'node:fs';

/** MB each. */
export interface MemorySample {
  rss: number;
  /** /proc/self/status RssAnon, RssFile */
  rssAnon: number;
  rssFile: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** malloc's main arena ([heap]) */
  brk: number;
  /** glibc's other arenas (other threads' mallocs) */
  arenas: number;
  /** the rest of the anonymous memory: V8's heap pages and code, thread stacks, malloc's mmapped chunks */
  otherAnon: number;
}

/** The fields, in the order reports show them. */
export const MEMORY_FIELDS: readonly (keyof MemorySample)[] = ['rss', 'rssAnon', 'rssFile', 'heapTotal', 'heapUsed', 'external', 'arrayBuffers', 'brk', 'arenas', 'otherAnon'];

const MB = 2 ** 20;

function status(): { rssAnon: number; rssFile: number } {
  const kb = (key: string, text: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) / 1024;
  const text = readFileSync('/proc/self/status', 'utf8');
  return { rssAnon: kb('RssAnon', text), rssFile: kb('RssFile', text) };
}

// glibc makes each arena beyond the main one in a reservation of HEAP_MAX_SIZE (64 MiB on
// 64-bit) aligned to its size: a read-write part and, while not all of it is used, a PROT_NONE rest
const ARENA = 64 * MB;

interface Mapping { start: number; size: number; perm: string; inode: number; name: string; anon: number }

function anonymous(): { brk: number; arenas: number; otherAnon: number } {
  const maps: Mapping[] = [];
  let cur: Mapping | undefined;
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ (\d+)\s*(.*)$/.exec(line);
    if (m) {
      cur = { start: parseInt(m[1]!, 16), size: parseInt(m[2]!, 16) - parseInt(m[1]!, 16), perm: m[3]!, inode: Number(m[4]), name: m[5]!, anon: 0 };
      maps.push(cur);
    } else if (cur && line.startsWith('Anonymous:')) cur.anon = Number(line.split(/\s+/)[1]) / 1024;
  }
  const out = { brk: 0, arenas: 0, otherAnon: 0 };
  maps.forEach((m, i) => {
    const next = maps[i + 1];
    const arena = m.inode === 0 && !m.name.startsWith('[') && m.perm.startsWith('rw') && m.start % ARENA === 0 &&
      (m.size === ARENA || (next !== undefined && next.perm === '---p' && next.start === m.start + m.size && m.size + next.size === ARENA));
    if (m.name === '[heap]') out.brk += m.anon;
    else if (arena) out.arenas += m.anon;
    else out.otherAnon += m.anon;
  });
  return out;
}

/** One sample (after a full collection when gc is given or exposed). */
export function memorySample(gc: (() => void) | undefined = (globalThis as { gc?: () => void }).gc): MemorySample {
  gc?.();
  const m = process.memoryUsage();
  return {
    rss: m.rss / MB, heapTotal: m.heapTotal / MB, heapUsed: m.heapUsed / MB, external: m.external / MB, arrayBuffers: m.arrayBuffers / MB,
    ...status(), ...anonymous(),
  };
}

/** Least-squares slope of ys over xs and its standard error (NaN with fewer than two points, 0 error with two). */
export function fitSlope(xs: readonly number[], ys: readonly number[]): { slope: number; se: number } {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0, sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
  }
  const slope = sxy / sxx;
  let rss = 0;
  for (let i = 0; i < n; i++) rss += (ys[i]! - my - slope * (xs[i]! - mx)) ** 2;
  return { slope, se: n > 2 ? Math.sqrt(rss / (n - 2) / sxx) : 0 };
}
