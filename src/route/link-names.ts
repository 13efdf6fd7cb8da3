// Link names by index and back, kept by whoever sees the link events (the monitor, a
// LinkCache): a rename drops the old name, a deletion both directions.
import { AttrIterator } from '../core/attributes.js';
import type { Call } from '../core/call.js';
import type { Connection } from '../core/connection.js';
import { NetlinkDecodeError } from '../core/errors.js';
import type { RawMessage } from '../core/message.js';
import { readName } from '../core/names.js';
import { Family } from '../ynl/family.js';
import { opCall } from '../ynl/op-call.js';
import { description as rtLink, type GetlinkDoRequest, type GetlinkDumpRequest } from '../ynl/families/rt-link.js';
import type { LinkNames } from './context.js';

export class NameMap implements LinkNames {
  private readonly byIndex = new Map<number, string>();
  private readonly byName = new Map<string, number>();

  ifindexOf(name: string): number | undefined {
    return this.byName.get(name);
  }

  nameOf(index: number): string | undefined {
    return this.byIndex.get(index);
  }

  get size(): number {
    return this.byIndex.size;
  }

  set(index: number, name: string | undefined): void {
    const old = this.byIndex.get(index);
    if (old === name) return;
    if (old !== undefined && this.byName.get(old) === index) this.byName.delete(old);
    if (name === undefined) {
      this.byIndex.delete(index);
      return;
    }
    this.byIndex.set(index, name);
    // two links never share a name: an index still holding it is stale (its rename is yet to come)
    const holder = this.byName.get(name);
    if (holder !== undefined && holder !== index) this.byIndex.delete(holder);
    this.byName.set(name, index);
  }

  delete(index: number): void {
    this.set(index, undefined);
  }

  clear(): void {
    this.byIndex.clear();
    this.byName.clear();
  }

  /** Replaces every entry (after a dump). */
  replace(entries: Iterable<[number, string | undefined]>): void {
    this.clear();
    for (const [i, n] of entries) this.set(i, n);
  }
}

/**
 * A link message's index and name, and nothing else: what name lookups need. Decoding
 * whole link messages (stats, link info, per-family nests) for that cost milliseconds in a
 * fresh process, before each bulk call or route list that names a device. Positions come
 * from rt-link's description.
 */
export interface LinkName { index: number; name: string | undefined }
let linkNameReader: ((m: RawMessage) => LinkName) | undefined;
function linkNameOf(m: RawMessage): LinkName {
  if (!linkNameReader) {
    const op = Family.from(rtLink).op('getlink');
    const header = op.header!, ifname = op.attrs!.byKey.get('ifname')!.value;
    const indexField = header.byKey.get('ifiIndex')!;
    const attrsAt = (header.size + 3) & ~3;
    linkNameReader = (msg) => {
      if (msg.end - msg.start < header.size) throw new NetlinkDecodeError(`getlink: ${msg.end - msg.start} bytes are shorter than its ${header.size}-byte header`, msg.start);
      const index = msg.buf.readInt32LE(msg.start + indexField.offset);
      let name: string | undefined;
      const it = new AttrIterator(msg.buf, Math.min(msg.end, msg.start + attrsAt), msg.end);
      while (it.next()) if (it.type === ifname) name = readName(msg.buf, it.dataStart, it.dataEnd);
      return { index, name };
    };
  }
  return linkNameReader(m);
}

/** A getlink call whose replies are only read for index and name. */
export function linkNamesCall(mode: 'do' | 'dump', request: GetlinkDoRequest & GetlinkDumpRequest): Call<LinkName, LinkName[]> {
  const { decode: _d, result: _r, ...call } = mode === 'do' ? opCall(rtLink, 'getlink', 'do', request) : opCall(rtLink, 'getlink', 'dump', request);
  return { ...call, decode: linkNameOf };
}

/** Every link's name in the connection's namespace, from one dump decoding only names (for a listing's devices). */
export function dumpLinkNames(conn: Connection): NameMap {
  const map = new NameMap();
  for (const l of conn.runSync(linkNamesCall('dump', { extMask: ['skip-stats'] }))) if (l.name !== undefined) map.set(l.index, l.name);
  return map;
}
