// The domain decoders the other fuzz tests leave out, fed damaged messages: routing objects
// (seeded with what this kernel dumps in a throwaway namespace) and traffic control objects
// (seeded with tc's captured requests). Each message decodes or fails with a
// NetlinkDecodeError, in bounded time; nothing else escapes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { Connection } from '../src/core/connection.js';
import { NETLINK_ROUTE } from '../src/core/constants.js';
import { NetlinkDecodeError } from '../src/core/errors.js';
import type { RawMessage } from '../src/core/message.js';
import { Scope } from '../src/route/context.js';
import { OBJECTS, OBJECT_KINDS, type ObjectKind } from '../src/route/objects.js';
import { actionObject } from '../src/tc/actions.js';
import { classView } from '../src/tc/classes.js';
import { filterObject } from '../src/tc/filters.js';
import { qdiscView } from '../src/tc/qdiscs.js';
import type { GetqdiscDumpReply, GettclassDoReply, GettfilterDoReply, GetactionDoReply } from '../src/ynl/families/tc.js';
import { ip, needRoot, withNetns } from './helpers/netns.js';
import { tcFamily } from './helpers/tc-captures.js';

const RUNS = Number(process.env.NLKIT_FUZZ_N ?? 3000);

/** A message as dispatch hands it over: header, then the payload. */
function raw(type: number, payload: Uint8Array): RawMessage {
  const buf = Buffer.alloc(16 + payload.length);
  buf.writeUInt32LE(buf.length, 0);
  buf.writeUInt16LE(type, 4);
  buf.set(payload, 16);
  return { type, flags: 0, seq: 0, portId: 0, sender: 0, group: 0, nsid: -1, buf, start: 16, end: buf.length };
}

/** A seed damaged: cut, grown, bytes set, and 16- or 32-bit fields set to edge values. */
function damaged(seeds: readonly Buffer[]): fc.Arbitrary<Buffer> {
  const edit = fc.oneof(
    fc.record({ cut: fc.nat() }),
    fc.record({ grow: fc.uint8Array({ maxLength: 48 }) }),
    fc.record({ at: fc.nat(), byte: fc.nat(255) }),
    fc.record({ at: fc.nat(), u16: fc.constantFrom(0, 1, 3, 4, 5, 0x7fff, 0x8000, 0xffff) }),
    fc.record({ at: fc.nat(), u32: fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, 0xffffffff) }),
  );
  return fc.tuple(fc.nat(seeds.length - 1), fc.array(edit, { minLength: 1, maxLength: 4 })).map(([i, edits]) => {
    let b = Buffer.from(seeds[i]);
    for (const e of edits) {
      if ('cut' in e) b = b.subarray(0, e.cut % (b.length + 1));
      else if ('grow' in e) b = Buffer.concat([b, e.grow]);
      else if (b.length >= 4) {
        const at = e.at % (b.length - 3);
        if ('byte' in e) b[at] = e.byte;
        else if ('u16' in e) b.writeUInt16LE(e.u16, at);
        else b.writeUInt32LE(e.u32, at);
      }
    }
    return b;
  });
}

/** decode(input) returns or throws NetlinkDecodeError, each call within 250 ms (a hang or a blow-up, not a slow machine). */
function decodesOrRefuses(name: string, inputs: fc.Arbitrary<Buffer>, decode: (b: Buffer) => unknown): void {
  fc.assert(fc.property(inputs, (b) => {
    const started = performance.now();
    try {
      decode(b);
    } catch (e) {
      if (!(e instanceof NetlinkDecodeError)) assert.fail(`${name}: ${String(e)} for ${b.toString('hex')}`);
    }
    const ms = performance.now() - started;
    assert.ok(ms < 250, `${name}: ${ms.toFixed(1)} ms for ${b.length} bytes`);
  }), { numRuns: RUNS });
}

/** Names nothing and asks the kernel nothing: the decoders' scope for bytes from nowhere. */
const noNames = { ifname: () => undefined, ifindex: () => 1, linkUp: () => true } as unknown as Scope;

describe('routing objects from damaged notifications', () => {
  test('every kind: what this kernel dumps, damaged, decodes or is a NetlinkDecodeError', async (t) => {
    if (!needRoot(t)) return;
    await withNetns(async (ns) => {
      for (const args of [
        ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1'], ['link', 'add', 'br0', 'type', 'bridge'],
        ['link', 'set', 'v0', 'master', 'br0'], ['link', 'set', 'v0', 'up'], ['link', 'set', 'v1', 'up'], ['link', 'set', 'br0', 'up'],
        ['address', 'add', '10.0.0.1/24', 'dev', 'v1'], ['address', 'add', '2001:db8::1/64', 'dev', 'v1', 'nodad'],
        ['route', 'add', '10.1.0.0/16', 'via', '10.0.0.2'], ['route', 'add', '10.2.0.0/16', 'nexthop', 'via', '10.0.0.3', 'weight', '2', 'nexthop', 'via', '10.0.0.4'],
        ['route', 'add', '2001:db8:1::/48', 'via', '2001:db8::2'], ['neigh', 'add', '10.0.0.9', 'lladdr', '02:00:00:00:00:09', 'dev', 'v1'],
        ['rule', 'add', 'from', '10.9.0.0/16', 'table', '100', 'pref', '100'],
        ['nexthop', 'add', 'id', '1', 'via', '10.0.0.7', 'dev', 'v1'], ['nexthop', 'add', 'id', '2', 'group', '1'],
      ]) ip(ns, ...args);
      // each kind's dump request: its header zeroed (every family)
      const dumps: Record<ObjectKind, [type: number, header: number]> = {
        link: [18, 16], address: [22, 8], route: [26, 12], neighbour: [30, 12], rule: [34, 12], nexthop: [106, 8], nsid: [90, 4],
      };
      const conn = new Connection(NETLINK_ROUTE, { netns: ns });
      try {
        for (const kind of OBJECT_KINDS) {
          const [type, header] = dumps[kind];
          const seeds = conn.dumpSync(type, Buffer.alloc(header)).map((m) => m.payload);
          if (seeds.length === 0) seeds.push(Buffer.alloc(header)); // e.g. no namespace ids: a bare header
          // a dump's reply type is the kind's new-type, which its notifications carry too
          const decode = (b: Buffer) => OBJECTS[kind].decode(raw(OBJECTS[kind].newType, b), noNames);
          decodesOrRefuses(kind, damaged(seeds), decode);
          decodesOrRefuses(`${kind} random`, fc.uint8Array({ maxLength: 96 }).map((u) => Buffer.from(u)), decode);
          t.diagnostic(`${kind}: ${seeds.length} seeds`);
        }
      } finally {
        conn.close();
      }
    });
  });
});

describe('traffic control objects from damaged messages', () => {
  const scope = new Scope(undefined as never, { ifindexOf: () => 3, nameOf: (i) => `if${i}` });
  const seeds: Record<'qdisc' | 'class' | 'filter' | 'action', Buffer[]> = { qdisc: [], class: [], filter: [], action: [] };
  for (const file of ['tc-captures.json', 'tc-captures-2.json', 'tc-captures-flower.json']) {
    const caps = JSON.parse(readFileSync(new URL(`../../test/fixtures/${file}`, import.meta.url), 'utf8')).captures as Record<string, { command: string; body: string }>;
    for (const c of Object.values(caps)) {
      const word = c.command.split(' ')[1];
      const kind = word === 'qdisc' || word === 'class' || word === 'filter' ? word : word.startsWith('action') ? 'action' : undefined;
      if (kind) seeds[kind].push(Buffer.from(c.body, 'hex'));
    }
  }
  const views = {
    qdisc: (b: Buffer) => qdiscView(scope, tcFamily.decode('getqdisc', b) as unknown as GetqdiscDumpReply),
    class: (b: Buffer) => classView(scope, tcFamily.decode('gettclass', b) as unknown as GettclassDoReply),
    filter: (b: Buffer) => filterObject(tcFamily.decode('gettfilter', b) as unknown as GettfilterDoReply, scope),
    action: (b: Buffer) => ((tcFamily.decode('getaction', b) as unknown as GetactionDoReply).tab ?? []).map((a) => actionObject(a, scope)),
  };
  for (const kind of ['qdisc', 'class', 'filter', 'action'] as const) {
    test(`${kind} objects: tc's captured requests, damaged, read back or are a NetlinkDecodeError`, () => {
      assert.ok(seeds[kind].length > 0, `no ${kind} captures`);
      decodesOrRefuses(kind, damaged(seeds[kind]), views[kind]);
    });
  }
});
