import type { MessageLayout } from '../core/attrset.js';
import { Connection, type ConnectionOptions } from '../core/connection.js';
import { NETLINK_GENERIC } from '../core/constants.js';
import { NetlinkArgumentError, NetlinkSystemError } from '../core/errors.js';
import { constants } from 'node:os';
import type { EventStream, EventStreamOptions } from '../core/events.js';
import type { DumpIterable } from '../core/dump.js';
import type { DumpOptions, DumpResult, Message, Payload, RequestOptions } from '../core/message.js';
import { checkPayload, show } from '../core/options.js';
import { Writer } from '../core/writer.js';
import * as G from './constants.js';
import { ctrlLayout, decodeFamily, type GenlFamily } from './ctrl.js';

/** genlmsghdr's cmd and version are one byte each: anything else is refused before sending. */
export function checkByte(argument: string, v: unknown): asserts v is number {
  if (typeof v !== 'number') throw new NetlinkArgumentError(argument, `must be an integer 0..255, got ${typeof v}`, 'ERR_INVALID_ARG_TYPE');
  if (!Number.isInteger(v) || v < 0 || v > 255) throw new NetlinkArgumentError(argument, `must be an integer 0..255, got ${v}`, 'ERR_OUT_OF_RANGE');
}

/** Writes genlmsghdr (cmd, version, reserved) and then the payload. */
export function genlPayload(cmd: number, version: number, payload: Payload): (w: Writer) => void {
  checkByte('cmd', cmd);
  checkByte('version', version);
  // wrapped in a writer function, the payload would pass the connection's own check
  checkPayload(payload);
  return (w) => {
    w.u8(cmd);
    w.u8(version);
    w.u16(0);
    if (typeof payload === 'function') payload(w);
    else if (payload) w.bytes(payload);
  };
}

function familyById(id: number): Buffer {
  const w = new Writer(32);
  w.u8(G.CTRL_CMD_GETFAMILY);
  w.u8(2);
  w.u16(0);
  w.attrU16(G.CTRL_ATTR_FAMILY_ID, id);
  return w.toBuffer();
}

function checkId(id: unknown): asserts id is number {
  if (!Number.isInteger(id) || (id as number) < 0 || (id as number) > 0xffff)
    throw new NetlinkArgumentError('id', `must be a generic netlink family id, an integer 0..65535, got ${String(id)}`, 'ERR_OUT_OF_RANGE');
}

/** GETFAMILY payloads by name, built once: lookups repeat the same few names. */
const familyRequests = new Map<string, Buffer>();
function familyByName(name: string): Buffer {
  let b = familyRequests.get(name);
  if (!b) {
    const w = new Writer(64);
    w.u8(G.CTRL_CMD_GETFAMILY);
    w.u8(2);
    w.u16(0);
    w.attrString(G.CTRL_ATTR_FAMILY_NAME, name);
    b = w.toBuffer();
    if (familyRequests.size < 256) familyRequests.set(name, b);
  }
  return b;
}
const GET_FAMILY: RequestOptions<GenlFamily> = { ack: false, layout: ctrlLayout, decode: decodeFamily };
const familyOptions = (opts?: RequestOptions<GenlFamily>) => (opts ? { ...GET_FAMILY, ...opts, decode: decodeFamily } : GET_FAMILY);
const first = (r: GenlFamily[]) => r[0];
const allFamilies = genlPayload(G.CTRL_CMD_GETFAMILY, 2, null);

function checkName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0 || name.length >= 16)
    throw new NetlinkArgumentError('family', `must be a generic netlink family name, a string of 1..15 characters, got ${show(name)}`);
}

/** What a request to a family by name needs, checked before the family is looked up. */
function checkCall(family: unknown, cmd: unknown, version: unknown): void {
  checkName(family);
  checkByte('cmd', cmd);
  if (version !== undefined) checkByte('version', version);
}

export interface GenlRequestOptions<T> extends RequestOptions<T> {
  /** genlmsghdr version. Default: the family's version. */
  version?: number;
}
export interface GenlDumpOptions<T> extends DumpOptions<T> {
  version?: number;
}

/**
 * A generic netlink socket: the controller (families, operations, groups) and requests
 * to any family by name.
 */
export class GenericNetlink {
  readonly conn: Connection;
  private readonly cache = new Map<string, GenlFamily>();
  private watcher: EventStream<{ cmd: number; family: GenlFamily }> | undefined;

  constructor(opts: ConnectionOptions = {}) {
    this.conn = new Connection(NETLINK_GENERIC, opts);
  }

  static open(opts?: ConnectionOptions): GenericNetlink {
    return new GenericNetlink(opts);
  }

  /** Asks the controller for one family (never cached). ENOENT when there is none. */
  getFamily(name: string, opts?: RequestOptions<GenlFamily>): Promise<GenlFamily> {
    checkName(name);
    return this.lookup(familyByName(name), opts);
  }

  getFamilySync(name: string, opts?: RequestOptions<GenlFamily>): GenlFamily {
    checkName(name);
    return this.lookupSync(familyByName(name), opts);
  }

  /** Asks the controller for a family by its id. ENOENT when there is none. */
  getFamilyById(id: number, opts?: RequestOptions<GenlFamily>): Promise<GenlFamily> {
    checkId(id);
    return this.lookup(familyById(id), opts);
  }

  getFamilyByIdSync(id: number, opts?: RequestOptions<GenlFamily>): GenlFamily {
    checkId(id);
    return this.lookupSync(familyById(id), opts);
  }

  private lookup(request: Buffer, opts?: RequestOptions<GenlFamily>): Promise<GenlFamily> {
    return this.conn.request(G.GENL_ID_CTRL, request, familyOptions(opts)).then(first);
  }

  private lookupSync(request: Buffer, opts?: RequestOptions<GenlFamily>): GenlFamily {
    return this.conn.requestSync(G.GENL_ID_CTRL, request, familyOptions(opts))[0];
  }

  /** Every registered family. */
  listFamilies(opts: DumpOptions<GenlFamily> = {}): Promise<DumpResult<GenlFamily>> {
    return this.conn.dump(G.GENL_ID_CTRL, allFamilies, { layout: ctrlLayout, ...opts, decode: decodeFamily }).toArray();
  }

  listFamiliesSync(opts: DumpOptions<GenlFamily> = {}): DumpResult<GenlFamily> {
    return this.conn.dumpSync(G.GENL_ID_CTRL, allFamilies, { layout: ctrlLayout, ...opts, decode: decodeFamily });
  }

  /**
   * A family by name, cached. The cache entry is dropped when the controller announces
   * that the family went away (CTRL_CMD_DELFAMILY), so a reloaded module's new id is
   * picked up.
   */
  async resolve(name: string): Promise<GenlFamily> {
    const hit = this.cache.get(name);
    if (hit) return hit;
    this.watch();
    const f = await this.getFamily(name);
    this.cache.set(name, f);
    return f;
  }

  resolveSync(name: string): GenlFamily {
    const hit = this.cache.get(name);
    if (hit) return hit;
    this.watch();
    const f = this.getFamilySync(name);
    this.cache.set(name, f);
    return f;
  }

  /** Drops one cached family, or all. */
  forget(name?: string): void {
    if (name === undefined) this.cache.clear();
    else this.cache.delete(name);
  }

  private watch(): void {
    if (this.watcher) return;
    // unref'd: watching the controller never keeps a process alive
    this.watcher = this.conn.events({
      groups: [G.GENL_CTRL_NOTIFY_GROUP],
      ref: false,
      decode: (m) => ({ cmd: m.buf[m.start], family: decodeFamily(m) }),
    });
    this.watcher.on('message', (ev: { cmd: number; family: GenlFamily }) => {
      if (ev.cmd === G.CTRL_CMD_DELFAMILY || ev.cmd === G.CTRL_CMD_NEWFAMILY) this.cache.delete(ev.family.name);
    });
    this.watcher.on('overrun', () => this.cache.clear());
  }

  /** The id of a family's multicast group; ENOENT-coded error if it has none of that name. */
  async groupId(family: string, group: string): Promise<number> {
    checkGroupName(group);
    return findGroup(await this.resolve(family), group);
  }

  /** Joins a family's multicast group by name; returns its number. */
  async joinGroup(family: string, group: string): Promise<number> {
    const id = await this.groupId(family, group);
    this.conn.joinGroup(id);
    return id;
  }

  /** Notifications of a family's multicast groups, by group name. */
  async subscribe<T = Message>(family: string, groups: string[], opts: Omit<EventStreamOptions<T>, 'groups'> = {}): Promise<EventStream<T>> {
    if (!Array.isArray(groups)) throw new NetlinkArgumentError('groups', `must be an array of group names, got ${show(groups)}`, 'ERR_INVALID_ARG_TYPE');
    groups.forEach(checkGroupName);
    const f = await this.resolve(family);
    return this.conn.events({ ...opts, groups: groups.map((g) => findGroup(f, g)) });
  }

  /** A do-request to a family by name: genlmsghdr {cmd, version} + payload. */
  async request<T = Message>(family: string, cmd: number, payload?: Payload, opts: GenlRequestOptions<T> = {}): Promise<T[]> {
    checkCall(family, cmd, opts.version);
    const f = await this.resolve(family);
    return this.conn.request(f.id, genlPayload(cmd, opts.version ?? f.version, payload), opts);
  }

  requestSync<T = Message>(family: string, cmd: number, payload?: Payload, opts: GenlRequestOptions<T> = {}): T[] {
    checkCall(family, cmd, opts.version);
    const f = this.resolveSync(family);
    return this.conn.requestSync(f.id, genlPayload(cmd, opts.version ?? f.version, payload), opts);
  }

  /** A dump from a family by name, as an async iterable. */
  async dump<T = Message>(family: string, cmd: number, payload?: Payload, opts: GenlDumpOptions<T> = {}): Promise<DumpIterable<T>> {
    checkCall(family, cmd, opts.version);
    const f = await this.resolve(family);
    return this.conn.dump(f.id, genlPayload(cmd, opts.version ?? f.version, payload), opts);
  }

  dumpSync<T = Message>(family: string, cmd: number, payload?: Payload, opts: GenlDumpOptions<T> = {}): DumpResult<T> {
    checkCall(family, cmd, opts.version);
    const f = this.resolveSync(family);
    return this.conn.dumpSync(f.id, genlPayload(cmd, opts.version ?? f.version, payload), opts);
  }

  close(): void {
    this.watcher?.close();
    this.conn.close();
  }
}

function checkGroupName(group: unknown): asserts group is string {
  if (typeof group !== 'string' || group === '')
    throw new NetlinkArgumentError('groups', `must name a multicast group (a non-empty string), got ${show(group)}`, 'ERR_INVALID_ARG_TYPE');
}

function findGroup(f: GenlFamily, group: string): number {
  const g = f.mcastGroups.find((x) => x.name === group);
  if (!g) {
    const names = f.mcastGroups.map((x) => x.name).join(', ') || 'none';
    throw new NetlinkSystemError(constants.errno.ENOENT, 'resolve', `family ${f.name} has no multicast group '${group}' (it has: ${names})`);
  }
  return g.id;
}

export type { MessageLayout };
