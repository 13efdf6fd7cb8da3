// Kernel uevents are not netlink messages and not TLV: a datagram of NUL-separated text,
// "ACTION@DEVPATH\0KEY=VALUE\0...", on the kernel's group; udev re-broadcasts processed
// events on its own group behind a binary header ("libudev", magic, where the properties
// are). This module reads both: the header as a struct described as data, the text by a
// table of the keys with a type of their own.
import { Definitions } from '../core/definitions.js';
import { NetlinkDecodeError } from '../core/errors.js';
import { Writer } from '../core/writer.js';

/** struct monitor_netlink_header, as systemd's sd-device writes it. */
const udevDefs = new Definitions({
  name: 'udev',
  definitions: [{
    type: 'struct', name: 'monitor-netlink-header', size: 40, members: [
      { name: 'prefix', type: 'string', len: 8 },
      // network order: the kernel's socket filters compare it as is
      { name: 'magic', type: 'u32', byteOrder: 'big-endian' },
      { name: 'header-size', type: 'u32' },
      { name: 'properties-off', type: 'u32' },
      { name: 'properties-len', type: 'u32' },
      { name: 'filter-subsystem-hash', type: 'u32', byteOrder: 'big-endian' },
      { name: 'filter-devtype-hash', type: 'u32', byteOrder: 'big-endian' },
      { name: 'filter-tag-bloom-hi', type: 'u32', byteOrder: 'big-endian' },
      { name: 'filter-tag-bloom-lo', type: 'u32', byteOrder: 'big-endian' },
    ],
  }],
});
const udevHeader = udevDefs.struct('monitor-netlink-header');
interface UdevHeader {
  prefix: string; magic: number; headerSize: number; propertiesOff: number; propertiesLen: number;
  filterSubsystemHash: number; filterDevtypeHash: number; filterTagBloomHi: number; filterTagBloomLo: number;
}
export const UDEV_PREFIX = 'libudev';
export const UDEV_MAGIC = 0xfeedcafe;

export type UeventSource = 'kernel' | 'udev';

/** One device event: the common keys typed, and every key as the kernel (or udev) sent it in `env`. */
export interface Uevent {
  type: 'uevent';
  source: UeventSource;
  action: string;
  devpath: string;
  subsystem?: string;
  devtype?: string;
  /** The kernel's event counter (u64). */
  seqnum?: bigint;
  devname?: string;
  driver?: string;
  major?: number;
  minor?: number;
  /** Network devices. */
  ifindex?: number;
  interface?: string;
  /** Every KEY=VALUE, in order. */
  env: Record<string, string>;
}

type Typed = Exclude<keyof Uevent, 'type' | 'source' | 'env'>;
/** Keys read into typed fields, and how. */
const KEYS: { key: string; field: Typed; kind: 'string' | 'int' | 'u64' }[] = [
  { key: 'ACTION', field: 'action', kind: 'string' },
  { key: 'DEVPATH', field: 'devpath', kind: 'string' },
  { key: 'SUBSYSTEM', field: 'subsystem', kind: 'string' },
  { key: 'DEVTYPE', field: 'devtype', kind: 'string' },
  { key: 'SEQNUM', field: 'seqnum', kind: 'u64' },
  { key: 'DEVNAME', field: 'devname', kind: 'string' },
  { key: 'DRIVER', field: 'driver', kind: 'string' },
  { key: 'MAJOR', field: 'major', kind: 'int' },
  { key: 'MINOR', field: 'minor', kind: 'int' },
  { key: 'IFINDEX', field: 'ifindex', kind: 'int' },
  { key: 'INTERFACE', field: 'interface', kind: 'string' },
];
const byKey = new Map(KEYS.map((k) => [k.key, k]));

function typedValue(kind: 'string' | 'int' | 'u64', key: string, v: string, at: number): string | number | bigint {
  if (kind === 'string') return v;
  if (!/^\d{1,20}$/.test(v)) throw new NetlinkDecodeError(`uevent ${key}=${JSON.stringify(v.slice(0, 40))} is not a number`, at);
  const n = BigInt(v);
  if (kind === 'u64') {
    if (n > 0xffffffffffffffffn) throw new NetlinkDecodeError(`uevent ${key} ${v} exceeds u64`, at);
    return n;
  }
  if (n > 0xffffffffn) throw new NetlinkDecodeError(`uevent ${key} ${v} exceeds u32`, at);
  return Number(n);
}

/** KEY=VALUE strings from buf[start, end) into the event. */
function readProperties(ev: Uevent, buf: Buffer, start: number, end: number): void {
  let at = start;
  while (at < end) {
    let stop = buf.indexOf(0, at);
    if (stop < 0 || stop > end) stop = end;
    if (stop > at) {
      const s = buf.toString('utf8', at, stop);
      const eq = s.indexOf('=');
      if (eq <= 0) throw new NetlinkDecodeError(`uevent property ${JSON.stringify(s.slice(0, 40))} is not KEY=VALUE`, at);
      const key = s.slice(0, eq), v = s.slice(eq + 1);
      ev.env[key] = v;
      const k = byKey.get(key);
      if (k) (ev as unknown as Record<string, unknown>)[k.field] = typedValue(k.kind, key, v, at);
    }
    at = stop + 1;
  }
}

function finish(ev: Uevent, at: number): Uevent {
  if (!ev.action) throw new NetlinkDecodeError('uevent without an action', at);
  if (!ev.devpath) throw new NetlinkDecodeError('uevent without a devpath', at);
  return ev;
}

/** A kernel uevent: "ACTION@DEVPATH\0" then properties. */
export function decodeKernelUevent(buf: Buffer, start: number, end: number): Uevent {
  let stop = buf.indexOf(0, start);
  if (stop < 0 || stop > end) stop = end;
  const head = buf.toString('utf8', start, stop);
  const sep = head.indexOf('@');
  if (sep <= 0) throw new NetlinkDecodeError(`uevent header ${JSON.stringify(head.slice(0, 40))} is not ACTION@DEVPATH`, start);
  const ev: Uevent = { type: 'uevent', source: 'kernel', action: head.slice(0, sep), devpath: head.slice(sep + 1), env: {} };
  readProperties(ev, buf, stop + 1, end);
  return finish(ev, start);
}

/** A udev event: the libudev header, then the properties where it says. */
export function decodeUdevEvent(buf: Buffer, start: number, end: number): Uevent {
  const h = udevHeader.decode(buf, start, end) as unknown as UdevHeader;
  if (h.prefix !== UDEV_PREFIX) throw new NetlinkDecodeError(`udev message without the "${UDEV_PREFIX}" prefix`, start);
  if (h.magic !== UDEV_MAGIC) throw new NetlinkDecodeError(`udev message magic 0x${h.magic.toString(16)}, expected 0x${UDEV_MAGIC.toString(16)}`, start + 8);
  const len = end - start;
  if (h.propertiesOff < udevHeader.size || h.propertiesOff > len || h.propertiesLen > len - h.propertiesOff)
    throw new NetlinkDecodeError(`udev properties at ${h.propertiesOff}+${h.propertiesLen} do not fit the ${len}-byte message`, start);
  const ev: Uevent = { type: 'uevent', source: 'udev', action: '', devpath: '', env: {} };
  readProperties(ev, buf, start + h.propertiesOff, start + h.propertiesOff + h.propertiesLen);
  return finish(ev, start);
}

/** Either kind, told apart by the prefix (as libudev does). */
export function decodeUevent(buf: Buffer, start = 0, end = buf.length): Uevent {
  const isUdev = end - start >= 8 && buf.toString('latin1', start, start + 8) === `${UDEV_PREFIX}\0`;
  return isUdev ? decodeUdevEvent(buf, start, end) : decodeKernelUevent(buf, start, end);
}

function properties(env: Record<string, string>): Buffer {
  return Buffer.from(Object.entries(env).map(([k, v]) => `${k}=${v}\0`).join(''));
}

/** A kernel uevent's bytes (tests, replays). */
export function encodeKernelUevent(action: string, devpath: string, env: Record<string, string>): Buffer {
  return Buffer.concat([Buffer.from(`${action}@${devpath}\0`), properties(env)]);
}

/** A udev event's bytes, as udevd broadcasts them (the bloom filter and hashes left 0: they only steer socket filters). */
export function encodeUdevEvent(env: Record<string, string>): Buffer {
  const props = properties(env);
  const w = new Writer(udevHeader.size + props.length);
  udevHeader.encode(w, { prefix: UDEV_PREFIX, magic: UDEV_MAGIC, headerSize: udevHeader.size, propertiesOff: udevHeader.size, propertiesLen: props.length }, '');
  w.bytes(props);
  return w.toBuffer();
}
