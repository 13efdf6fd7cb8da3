// Loads the C addon. node-gyp-build finds a prebuilt binary or the local build.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';

/** The addon's functions; see native/nlkit.c for their contracts. */
export interface NativeBinding {
  /** optionMask / requiredMask: SOL_NETLINK boolean options to set, by bit (1 << option). */
  socket(protocol: number, netns?: string | number | null, optionMask?: number, requiredMask?: number): number;
  close(fd: number): void;
  bind(fd: number, pid: number, groups: number): void;
  getsockname(fd: number): [pid: number, groups: number];
  setsockopt(fd: number, level: number, name: number, value: number): void;
  getsockopt(fd: number, level: number, name: number): number;
  /** sendTimeoutMs: 0 non-blocking (EAGAIN), > 0 bounded wait for a full peer (ETIMEDOUT), < 0 forever. */
  send(fd: number, buf: Uint8Array, offset: number, length: number, pid: number, groups: number, sendTimeoutMs: number): number;
  recv(fd: number, buf: Uint8Array, meta: Int32Array, timeoutMs: number, max: number, cmsg: boolean): number;
  transact(fd: number, sbuf: Uint8Array, offset: number, length: number, pid: number, sendTimeoutMs: number,
    rbuf: Uint8Array, meta: Int32Array, recvTimeoutMs: number, max: number, cmsg: boolean): number;
  pollerCreate(fd: number, buf: Uint8Array, meta: Int32Array, onBatch: (count: number) => void, cmsg: boolean): object;
  pollerStart(poller: object): void;
  pollerStop(poller: object): void;
  pollerRef(poller: object, ref: boolean): void;
  pollerClose(poller: object): void;
  readonly META_INTS: number;
}

/** Slots of one datagram's entry in a receive batch's meta array. */
export const META_OFFSET = 0;
export const META_LENGTH = 1;
export const META_REAL_LENGTH = 2;
export const META_PID = 3;
export const META_GROUP = 4;
export const META_NSID = 5;
export const META_FLAGS = 6;
export const META_INTS = 7;
export const MF_TRUNC = 1;
export const MF_ERROR = 2;
export const MF_NSID = 4;

function packageRoot(): string {
  // dist/src/core/native.js or src/core/native.ts: walk up to package.json
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'binding.gyp'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('nlkit: cannot locate the package root to load the native addon');
    dir = up;
  }
  return dir;
}

const require = createRequire(import.meta.url);
const load = require('node-gyp-build') as (dir: string) => NativeBinding;

export const native: NativeBinding = load(packageRoot());
if (native.META_INTS !== META_INTS) throw new Error('nlkit: native addon does not match this version (rebuild it)');
