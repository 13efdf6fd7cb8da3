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
  /** slotBytes: room for each datagram after the first (>= 64 KiB, a multiple of 8; default 64 KiB). */
  /** Buffers may be given as whole ArrayBuffers (offsets then count from their start): cheaper to cross. */
  recv(fd: number, buf: Uint8Array | ArrayBuffer, meta: Int32Array | ArrayBuffer, timeoutMs: number, max: number, cmsg: boolean, slotBytes?: number): number;
  /** recv() with its scalars (fd, recv timeout, max, cmsg, slot bytes) in an io block: see IO_*. */
  recvIo(io: ArrayBuffer, rbuf: Uint8Array | ArrayBuffer, meta: Int32Array | ArrayBuffer): number;
  /** send() to a port id then recv(), in one call; every scalar in the io block (see IO_*). */
  transact(io: ArrayBuffer, sbuf: Uint8Array | ArrayBuffer, rbuf: Uint8Array | ArrayBuffer, meta: Int32Array | ArrayBuffer): number;
  /** onBatch gets the entry count, or POLLER_DETACHED (nothing read; create a new poller with fresh arrays). */
  pollerCreate(fd: number, buf: Uint8Array, meta: Int32Array, onBatch: (count: number) => void, cmsg: boolean, slotBytes?: number): object;
  pollerStart(poller: object): void;
  pollerStop(poller: object): void;
  pollerRef(poller: object, ref: boolean): void;
  pollerClose(poller: object): void;
  /** Pollers not yet freed (a closed one waits for libuv's close callback and the GC): for leak tests. */
  pollerCount(): number;
  /**
   * A namespace or tun/tap job (NS_OP_*), blocking, or from the libuv threadpool when
   * `async` (a Promise then). One that unshares or enters a namespace runs in a short-lived
   * thread of its own, so no other thread ever changes namespace. netns: a namespace path or
   * fd the job runs in, or null. See native/nsjobs.c for each op's arguments and result.
   */
  nsJob(op: number, async: boolean, netns: string | number | null, s0: string, s1: string, i0: number, i1: number, i2: number, i3: number): unknown;
  /**
   * A transaction's sends made in order from the libuv threadpool (native/sendbehind.c):
   * results[k] becomes 1 (sent) or -errno once send k returned; done() runs on this thread
   * when a job of the pool ends. push returns 1 when it started a job (a done() follows).
   */
  senderCreate(fd: number, pid: number, results: Int32Array, done: () => void): object;
  senderPush(sender: object, buf: Uint8Array | ArrayBuffer, offset: number, length: number, worstAnswerBytes: number): number;
  /** Starts a job for the queued sends if none runs (one that found no room ended): 1 if it did. */
  senderKick(sender: object): number;
  /** Makes the next queued send on this thread if none is being made: 1 if it did, + 2 if it then started a job. */
  senderSteal(sender: object): number;
  /** Drops the pushed sends not started yet (the last ones): how many. */
  senderCancel(sender: object): number;
  senderRelease(sender: object): void;
  /** bpf(BPF_OBJ_GET) on a pinned object's path: an fd (O_CLOEXEC; close() it). */
  bpfObjGet(path: string): number;
  /**
   * A read-ahead on a dup of fd (native/readahead.c): [handle, buf0, meta0, buf1, meta1], two
   * blocks of `max` datagrams as the addon's receive batches lay them out. onDone(block, count)
   * after each read; count -1 when readaheadJoin took it already.
   */
  readaheadCreate(fd: number, max: number, slotBytes: number, cmsg: boolean, onDone: (block: number, count: number) => void): [object, ArrayBuffer, ArrayBuffer, ArrayBuffer, ArrayBuffer];
  /** One non-blocking receive into a block on libuv's pool; EBUSY while one is in flight. */
  readaheadStart(handle: object, block: number): void;
  /** Waits for the read in flight and returns its count (-1: none, or taken already). */
  readaheadJoin(handle: object): number;
  readaheadClose(handle: object): void;
  readonly META_INTS: number;
  readonly IO_INTS: number;
}

/** Slots of one datagram's entry in a receive batch's meta array. */
export const META_OFFSET = 0;
export const META_LENGTH = 1;
export const META_REAL_LENGTH = 2;
export const META_PID = 3;
export const META_GROUP = 4;
export const META_NSID = 5;
export const META_FLAGS = 6;
/** The sender's credentials (SCM_CREDENTIALS, with SO_PASSCRED on), -1 when absent. */
export const META_CRED_PID = 7;
export const META_CRED_UID = 8;
export const META_CRED_GID = 9;
export const META_INTS = 10;
export const MF_TRUNC = 1;
export const MF_ERROR = 2;
export const MF_NSID = 4;
export const MF_CREDS = 8;
/**
 * Slots of the io block, an Int32Array's ArrayBuffer that carries the scalar arguments of
 * transact and recvIo: one cheap crossing instead of a conversion per number. Offset,
 * length and pid are read as u32, the rest as int32 (timeouts: 0 none, < 0 forever).
 */
export const IO_FD = 0;
export const IO_OFFSET = 1;
export const IO_LENGTH = 2;
export const IO_PID = 3;
export const IO_SEND_TIMEOUT = 4;
export const IO_RECV_TIMEOUT = 5;
export const IO_MAX = 6;
export const IO_FLAGS = 7;
export const IO_SLOT = 8;
export const IO_INTS = 9;
/** IO_FLAGS' bits: ancillary data wanted; poll before the first read (a reader that expects to wait). */
export const IO_CMSG = 1;
export const IO_POLL_FIRST = 2;
/** nsJob operations (native/nsjobs.c). */
export const NS_OP_NETNS_ADD = 1;
export const NS_OP_NETNS_DELETE = 2;
export const NS_OP_NETNS_CHECK = 3;
export const NS_OP_TUN_ADD = 4;
export const NS_OP_TUN_DELETE = 5;
export const NS_OP_TUN_OPEN = 6;
/** What a poller's callback gets instead of a count when its batch's memory was detached: hand it a new batch. */
export const POLLER_DETACHED = -1;

/** The addon could not be loaded: no prebuilt binary for this platform and no local build. */
export class NativeAddonError extends Error {
  readonly code = 'ERR_NLKIT_NATIVE_ADDON';
  constructor(detail: string, options?: { cause?: unknown }) {
    super(`nlkit: the native addon could not be loaded (${detail}). Sockets need it; the codec, generator and ` +
      'descriptions work without it. Reinstall with a C compiler and python3 available (npm rebuild nlkit) ' +
      'to build it from source.', options);
    this.name = 'NativeAddonError';
  }
}

function packageRoot(): string {
  // dist/src/core/native.js or src/core/native.ts: walk up to package.json
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'binding.gyp'))) {
    const up = dirname(dir);
    if (up === dir) throw new NativeAddonError('cannot locate the package root');
    dir = up;
  }
  return dir;
}

function loadBinding(): NativeBinding {
  const require = createRequire(import.meta.url);
  let binding: NativeBinding;
  try {
    const load = require('node-gyp-build') as (dir: string) => NativeBinding;
    binding = load(packageRoot());
  } catch (e) {
    if (e instanceof NativeAddonError) throw e;
    throw new NativeAddonError(`${process.platform}-${process.arch}: ${String((e as Error)?.message ?? e).split('\n')[0]}`, { cause: e });
  }
  if (binding.META_INTS !== META_INTS || binding.IO_INTS !== IO_INTS) throw new NativeAddonError('it does not match this version of nlkit: rebuild it');
  return binding;
}

/**
 * The addon, loaded on first use so that the pure parts (codec, generator, descriptions)
 * import on machines without it. Until then `native` is a stand-in whose functions load
 * the addon and forward; afterwards this live binding is the addon itself, so the hot
 * paths pay nothing for the laziness.
 */
export let native: NativeBinding = new Proxy({} as NativeBinding, {
  get: (_, key) => Reflect.get(loadNative(), key),
});

let loaded: NativeBinding | undefined;
export function loadNative(): NativeBinding {
  if (!loaded) native = loaded = loadBinding();
  return loaded;
}
