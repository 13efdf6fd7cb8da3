// The spec-driven family clients (src/ynl) against the kernel's own families, each checked
// against an independent tool that shows the same object: `genl ctrl`, `ethtool`, `ip -j`,
// `ip tcp_metrics`, `ip mptcp`. Whatever changes state happens in a throwaway namespace;
// capabilities (families, link kinds, tools, driver ops) are probed, and a test whose
// subject is absent is skipped saying why.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test, type TestContext } from 'node:test';
import { NLM_F_CREATE, NLM_F_EXCL } from '../src/core/constants.js';
import { NetlinkError } from '../src/core/errors.js';
import { FamilyClient, type TypedFamilyClient } from '../src/ynl/client.js';
import { Family } from '../src/ynl/family.js';
import { description as ethtoolDesc, type BitsetSet, type Types as EthtoolTypes } from '../src/ynl/families/ethtool.js';
import { description as mptcpDesc, type AddressSet } from '../src/ynl/families/mptcp_pm.js';
import { description as netdevDesc } from '../src/ynl/families/netdev.js';
import { description as nlctrlDesc, type PolicyAttrsSet } from '../src/ynl/families/nlctrl.js';
import { description as rtLinkDesc, type Types as RtLinkTypes } from '../src/ynl/families/rt-link.js';
import { description as rtRouteDesc } from '../src/ynl/families/rt-route.js';
import { description as tcpMetricsDesc } from '../src/ynl/families/tcp_metrics.js';
import {
  hasTool, ipv4FromNumber, ipv4ToNumber, isNetlinkError, nsRun, nsTool, openOrSkip, waitForEvent,
} from './helpers/families.js';
import { addRoutes, ip, ipError, ipJson, needRoot, run, withNetns } from './helpers/netns.js';

const CREATE = NLM_F_CREATE | NLM_F_EXCL;

/** An async call's error (or a failure if it resolved). */
async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  assert.fail('expected the call to fail');
}

interface IpLink {
  ifindex: number;
  ifname: string;
  link?: string;
  linkinfo?: { info_kind?: string; info_data?: Record<string, unknown> };
}

function ifindexes(ns: string): Map<string, number> {
  return new Map(ipJson<IpLink[]>(ns, 'link', 'show').map((l) => [l.ifname, l.ifindex]));
}

/** `ip` (of iproute2) prints an error as "Error: <extack message>." */
function ipExtack(stderr: string): string {
  return stderr.replace(/^Error: /, '').replace(/\.\s*$/, '').trim();
}

// ---------------------------------------------------------------------------------------
// nlctrl, with `genl ctrl` as the oracle

interface GenlFamilyText {
  id: number;
  version: number;
  hdrsize: number;
  maxattr: number;
  ops: { id: number; caps?: number }[];
  groups: { id: number; name: string }[];
}

function parseGenlFamily(text: string): GenlFamilyText {
  const head = /ID: (0x[0-9a-f]+)\s+Version: (0x[0-9a-f]+)\s+header size: (\d+)\s+max attribs: (\d+)/.exec(text);
  assert.ok(head, `unexpected genl output:\n${text}`);
  const [cmds, groups = ''] = text.split('multicast groups:');
  // iproute2 prints an op's capabilities only for families of version 2 and later
  const ops = [...cmds.matchAll(/#\d+:\s+ID-(0x[0-9a-f]+)[ \t]*(?:\n\s*Capabilities \((0x[0-9a-f]+)\))?/g)]
    .map((m) => ({ id: Number(m[1]), ...(m[2] !== undefined ? { caps: Number(m[2]) } : {}) }));
  return {
    id: Number(head[1]), version: Number(head[2]), hdrsize: Number(head[3]), maxattr: Number(head[4]), ops,
    groups: [...groups.matchAll(/ID-(0x[0-9a-f]+)\s+name: (\S+)/g)].map((m) => ({ id: Number(m[1]), name: m[2] })),
  };
}

const OP_FLAG_BITS = new Map(
  nlctrlDesc.definitions.flatMap((d) => (d.type === 'flags' && d.name === 'op-flags' ? d.entries.map((e) => [e.name, e.value] as const) : [])),
);

function opFlagsMask(flags: readonly (string | number | bigint)[] = []): number {
  return flags.reduce<number>((m, f) => m | (typeof f === 'string' ? OP_FLAG_BITS.get(f)! : Number(f)), 0);
}

// NL_ATTR_TYPE_* as iproute2 6.x names them; it prints 'unknown' for the newer sint/uint
const GENL_TYPE_NAMES = new Set(['flag', 'u8', 'u16', 'u32', 'u64', 's8', 's16', 's32', 's64', 'binary', 'string', 'nul-string', 'nested', 'nested-array', 'bitfield32']);

/** A policy entry written the way `genl ctrl policy` prints it. */
function genlPolicyLine(p: { policyId: number; attrId: number } & PolicyAttrsSet): string {
  const type = typeof p.type === 'string' && GENL_TYPE_NAMES.has(p.type) ? p.type.toUpperCase().replace('-', '_') : 'unknown';
  let s = `policy[${p.policyId}]:attr[${p.attrId}]: type=${type}`;
  if (p.policyIdx !== undefined) s += ` policy:${p.policyIdx}`;
  if (p.policyMaxtype !== undefined) s += ` maxattr:${p.policyMaxtype}`;
  if (p.minValueS !== undefined && p.maxValueS !== undefined) s += ` range:[${p.minValueS},${p.maxValueS}]`;
  if (p.minValueU !== undefined && p.maxValueU !== undefined) s += ` range:[${p.minValueU},${p.maxValueU}]`;
  if (p.minLength !== undefined) s += ` min len:${p.minLength}`;
  if (p.maxLength !== undefined) s += ` max len:${p.maxLength}`;
  return s;
}

describe('ynl nlctrl against genl ctrl', () => {
  for (const name of ['nlctrl', 'ethtool']) {
    test(`getfamily do '${name}' matches genl ctrl get name ${name}`, async (t) => {
      if (!hasTool('genl', ['-V'])) return t.skip('the genl tool (iproute2) is not installed');
      const r = spawnSync('genl', ['ctrl', 'get', 'name', name], { encoding: 'utf8' });
      if (r.status !== 0) return t.skip(`genl has no family '${name}' here: ${r.stderr.trim()}`);
      const oracle = parseGenlFamily(r.stdout);
      const c = await FamilyClient.open(nlctrlDesc);
      try {
        const f = await c.do('getfamily', { familyName: name });
        assert.ok(f);
        assert.equal(f.familyName, name);
        assert.equal(f.familyId, oracle.id);
        assert.equal(f.version, oracle.version);
        assert.equal(f.hdrsize, oracle.hdrsize);
        assert.equal(f.maxattr, oracle.maxattr);
        assert.deepEqual(f.ops?.map((o) => o.id), oracle.ops.map((o) => o.id));
        let compared = 0;
        oracle.ops.forEach((o, i) => {
          if (o.caps === undefined) return;
          compared++;
          assert.equal(opFlagsMask(f.ops![i].flags), o.caps, `op ${o.id} capabilities`);
        });
        if (oracle.version >= 2) assert.ok(compared > 0, 'genl printed capabilities to compare');
        // every op flag decodes to a name of the spec's op-flags
        for (const o of f.ops ?? []) for (const fl of o.flags ?? []) assert.equal(typeof fl, 'string', `op ${o.id} flag ${fl}`);
        assert.deepEqual((f.mcastGroups ?? []).map((g) => ({ id: g.id, name: g.name })), oracle.groups);
        // the Sync twin and the per-op method give the same
        assert.deepEqual(c.getfamilySync({ familyName: name }), f);
        assert.deepEqual(await c.getfamily({ familyName: name }), f);
      } finally {
        c.close();
      }
    });
  }

  test('getfamily dump lists the families genl ctrl list shows', async (t) => {
    if (!hasTool('genl', ['-V'])) return t.skip('the genl tool (iproute2) is not installed');
    const text = run('genl', ['ctrl', 'list']);
    const oracle = new Map([...text.matchAll(/Name: (\S+)\s+ID: (0x[0-9a-f]+)/g)].map((m) => [m[1], Number(m[2])]));
    const c = await FamilyClient.open(nlctrlDesc);
    try {
      const all = await c.dump('getfamily').toArray();
      assert.deepEqual(all.map((f) => f.familyName).sort(), [...oracle.keys()].sort());
      for (const f of all) assert.equal(f.familyId, oracle.get(f.familyName!), f.familyName);
      assert.deepEqual(c.getfamilyDumpSync().map((f) => f.familyName), all.map((f) => f.familyName));
    } finally {
      c.close();
    }
  });

  for (const name of ['netdev', 'ethtool']) {
    test(`getpolicy dump of '${name}' matches genl ctrl policy, entries as {policyId, attrId, ...} and {opId, do, dump}`, async (t) => {
      if (!hasTool('genl', ['-V'])) return t.skip('the genl tool (iproute2) is not installed');
      const r = spawnSync('genl', ['ctrl', 'policy', 'name', name], { encoding: 'utf8' });
      if (r.status !== 0) return t.skip(`genl ctrl policy name ${name} failed here: ${r.stderr.trim()}`);
      const oracle = r.stdout.split('\n').map((l) => l.replace(/^\s*ID: 0x[0-9a-f]+\s+/, '').trim()).filter(Boolean);
      const c = await FamilyClient.open(nlctrlDesc);
      try {
        const fam = await c.do('getfamily', { familyName: name });
        const replies = await c.dump('getpolicy', { familyName: name }).toArray();
        const lines: string[] = [];
        const opPolicies: { opId: number; do?: number; dump?: number }[] = [];
        const policyIds = new Set<number>();
        for (const m of replies) {
          assert.equal(m.familyId, fam?.familyId);
          for (const op of m.opPolicy ?? []) {
            assert.equal(typeof op.opId, 'number');
            opPolicies.push(op);
            lines.push(`op ${op.opId} policies:${op.do !== undefined ? ` do=${op.do}` : ''}${op.dump !== undefined ? ` dump=${op.dump}` : ''}`);
          }
          for (const p of m.policy ?? []) {
            assert.equal(typeof p.policyId, 'number');
            assert.equal(typeof p.attrId, 'number');
            policyIds.add(p.policyId);
            lines.push(genlPolicyLine(p));
          }
        }
        assert.deepEqual(lines, oracle);
        // consistent with the family's ops: each op with a policy is one of them (the kernel
        // reports dump-only split ops as op 0), each policy dumped is referenced by an op or a
        // nest (a policy without attributes has no entries, so the converse does not hold)
        const ids = new Set((fam?.ops ?? []).map((o) => o.id));
        assert.ok(opPolicies.length > 0);
        for (const p of opPolicies) assert.ok(p.opId === 0 || ids.has(p.opId), `op ${p.opId} is an op of ${name}`);
        const referenced = new Set([
          ...opPolicies.flatMap((p) => [p.do, p.dump]),
          ...replies.flatMap((m) => (m.policy ?? []).map((p) => p.policyIdx)),
        ]);
        for (const id of policyIds) assert.ok(referenced.has(id), `policy ${id} is referenced`);

        // one op's policies only: a subset of the whole
        const first = opPolicies.find((p) => p.opId !== 0)!;
        const one = await c.dump('getpolicy', { familyName: name, op: first.opId }).toArray();
        const oneOps = one.flatMap((m) => m.opPolicy ?? []);
        assert.equal(oneOps.length, 1);
        assert.equal(oneOps[0].opId, first.opId);
        assert.equal(oneOps[0].do, first.do);
        // asked for one op, the kernel leaves out a dump policy without attributes
        if (oneOps[0].dump !== first.dump) assert.equal(oneOps[0].dump, undefined);
        const all = new Set(lines);
        for (const p of one.flatMap((m) => m.policy ?? [])) assert.ok(all.has(genlPolicyLine(p)), genlPolicyLine(p));
      } finally {
        c.close();
      }
    });
  }

  test('an unknown family is a NetlinkError ENOENT, from getfamily and from FamilyClient.open', async () => {
    const c = await FamilyClient.open(nlctrlDesc);
    try {
      const e = await failure(c.do('getfamily', { familyName: 'nlkt-nosuch' }));
      assert.ok(isNetlinkError(e, 'ENOENT'), String(e));
      assert.equal(e.errno, -2);
      assert.throws(() => c.getfamilySync({ familyName: 'nlkt-nosuch' }), (x: unknown) => isNetlinkError(x, 'ENOENT'));
    } finally {
      c.close();
    }
    const absent = { ...tcpMetricsDesc, name: 'nlkt-nosuch' };
    const e = await failure(FamilyClient.open(absent));
    assert.ok(isNetlinkError(e, 'ENOENT'), String(e));
    assert.throws(() => FamilyClient.openSync(absent), (x: unknown) => isNetlinkError(x, 'ENOENT'));
  });
});

// ---------------------------------------------------------------------------------------
// ethtool on a veth pair, with the ethtool tool as the oracle

/** The names of the set bits of a bitset in list form (nomask: all listed; else those with value). */
function bitNames(b: BitsetSet | undefined): Set<string> {
  const bits = b?.bits?.bit ?? [];
  return new Set(bits.filter((x) => b?.nomask || x.value).map((x) => x.name!));
}

/** Whether bit `index` is set, in either form (compact value buffer or bit list). */
function bitOn(b: BitsetSet | undefined, index: number, name: string): boolean {
  if (b?.value) return ((b.value[index >> 3] >> (index & 7)) & 1) === 1;
  return bitNames(b).has(name);
}

/** `ethtool DEV`'s "Key: value" lines. */
function parseColonLines(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/^\s*([^:\n]+):[ \t]*(.*)$/gm)) out.set(m[1].trim(), m[2].trim());
  return out;
}

/** `ethtool -k DEV`: feature name -> on/off and whether it is fixed. */
function parseFeatures(text: string): Map<string, { on: boolean; fixed: boolean }> {
  const out = new Map<string, { on: boolean; fixed: boolean }>();
  for (const m of text.matchAll(/^\s*([\w-]+): (on|off)( \[fixed\])?/gm)) out.set(m[1], { on: m[2] === 'on', fixed: !!m[3] });
  return out;
}

/** `ethtool -l DEV`: the maximums and the current counts (undefined for n/a). */
function parseChannels(text: string): { max: Record<string, number | undefined>; cur: Record<string, number | undefined> } {
  const [, maxText = '', curText = ''] = text.split(/Pre-set maximums:|Current hardware settings:/);
  const section = (s: string) => {
    const o: Record<string, number | undefined> = {};
    for (const m of s.matchAll(/^(RX|TX|Other|Combined):\s+(\S+)/gm)) o[m[1]] = m[2] === 'n/a' ? undefined : Number(m[2]);
    return o;
  };
  return { max: section(maxText), cur: section(curText) };
}

const ETH_SS_FEATURES = 4;
type EthtoolClient = TypedFamilyClient<EthtoolTypes>;

/** A namespace with veth0/veth1, ethtool's family opened in it, and the ethtool tool; or a skip. */
async function withEthtool(t: TestContext, fn: (c: EthtoolClient, ns: string) => unknown): Promise<void> {
  if (!needRoot(t)) return;
  if (!hasTool('ethtool')) return t.skip('the ethtool tool is not installed (apt-get install ethtool)');
  await withNetns(async (ns) => {
    ip(ns, 'link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'veth1');
    const c = await openOrSkip(t, ethtoolDesc, { netns: ns });
    if (!c) return;
    try {
      await fn(c, ns);
    } finally {
      c.close();
    }
  });
}

const PORTS: Record<number, string> = { 0: 'Twisted Pair', 1: 'AUI', 2: 'BNC', 3: 'MII', 4: 'FIBRE', 5: 'Direct Attach Copper', 0xef: 'None', 0xff: 'Other' };
const DUPLEX: Record<number, string> = { 0: 'Half', 1: 'Full' };
const TRANSCEIVER: Record<number, string> = { 0: 'internal', 1: 'external' };

/** ethtool's netlink error line: "netlink error: <message> (offset N)". */
function ethtoolNetlinkError(stderr: string): { message: string; offset?: number } | undefined {
  const m = /netlink error: (.*?)(?: \(offset (\d+)\))?$/m.exec(stderr);
  return m ? { message: m[1], ...(m[2] !== undefined ? { offset: Number(m[2]) } : {}) } : undefined;
}

describe('ynl ethtool against the ethtool tool, on a veth pair', () => {
  test('linkinfo-get, linkmodes-get and linkstate-get agree with `ethtool DEV`', async (t) => {
    await withEthtool(t, async (c, ns) => {
      const index = ifindexes(ns).get('veth0');
      const info = await c.do('linkinfo-get', { header: { devName: 'veth0' } });
      const modes = await c.do('linkmodes-get', { header: { devName: 'veth0' } });
      const state = await c.do('linkstate-get', { header: { devName: 'veth0' } });
      assert.deepEqual(info?.header, { devIndex: index, devName: 'veth0' });
      assert.deepEqual(modes?.header, info?.header);
      const o = parseColonLines(nsRun(ns, 'ethtool', 'veth0'));
      assert.equal(o.get('Speed'), `${modes?.speed}Mb/s`);
      assert.equal(o.get('Duplex'), DUPLEX[modes?.duplex ?? -1] ?? 'Unknown!');
      assert.equal(o.get('Auto-negotiation'), modes?.autoneg ? 'on' : 'off');
      assert.equal(o.get('Port'), PORTS[info?.port ?? -1]);
      assert.equal(o.get('PHYAD'), String(info?.phyaddr));
      assert.equal(o.get('Transceiver'), TRANSCEIVER[info?.transceiver ?? -1]);
      assert.equal(o.get('Link detected'), state?.link ? 'yes' : 'no');
      assert.equal(state?.link, 0);
      // by index instead of name; and the Sync twin
      assert.deepEqual(await c.do('linkinfo-get', { header: { devIndex: index } }), info);
      assert.deepEqual(c.linkinfoGetSync({ header: { devName: 'veth0' } }), info);
      // both ends up: the carrier comes on, for ethtool and for us
      ip(ns, 'link', 'set', 'veth1', 'up');
      ip(ns, 'link', 'set', 'veth0', 'up');
      const up = await c.do('linkstate-get', { header: { devName: 'veth0' } });
      assert.equal(up?.link, 1);
      assert.equal(parseColonLines(nsRun(ns, 'ethtool', 'veth0')).get('Link detected'), 'yes');
    });
  });

  test('features-get matches `ethtool -k` for every feature of the strset, in list and compact bitsets', async (t) => {
    await withEthtool(t, async (c, ns) => {
      const ss = await c.do('strset-get', { header: { devName: 'veth0' }, stringsets: { stringset: [{ id: ETH_SS_FEATURES }] } });
      const set = ss?.stringsets?.stringset?.find((s) => s.id === ETH_SS_FEATURES);
      assert.ok(set, 'the features string set');
      const strings = (set.strings ?? []).flatMap((s) => s.string ?? []);
      assert.equal(strings.length, set.count);
      const index = new Map(strings.map((s) => [s.value!, s.index!]));
      assert.ok(index.has('tx-checksum-ip-generic'));

      const f = await c.do('features-get', { header: { devName: 'veth0' } });
      assert.ok(f?.active?.bits && f.hw?.bits, 'bitsets in list form');
      const hw = bitNames(f.hw), active = bitNames(f.active), nochange = bitNames(f.nochange);
      for (const n of [...hw, ...active]) assert.ok(index.has(n), `${n} is a feature name`);
      for (const b of f.active.bits.bit ?? []) assert.equal(b.index, index.get(b.name!), `index of ${b.name}`);

      const oracle = parseFeatures(nsRun(ns, 'ethtool', '-k', 'veth0'));
      let compared = 0;
      for (const name of index.keys()) {
        const o = oracle.get(name);
        if (!o) continue; // ethtool folds a few features into legacy names
        compared++;
        assert.equal(active.has(name), o.on, `${name} on/off`);
        assert.equal(!hw.has(name) || nochange.has(name), o.fixed, `${name} fixed`);
      }
      assert.ok(compared >= index.size / 2, `compared ${compared} of ${index.size} features`);
      t.diagnostic(`compared ${compared} of ${index.size} features with ethtool -k`);

      // the same state as compact bitsets (header flag compact-bitsets)
      const compact = await c.do('features-get', { header: { devName: 'veth0', flags: ['compact-bitsets'] } });
      assert.ok(Buffer.isBuffer(compact?.active?.value), 'a compact bitset has a value buffer');
      assert.equal(compact.active.size, f.active.size);
      for (const [name, i] of index) assert.equal(bitOn(compact.active, i, name), active.has(name), `compact bit ${name}`);
    });
  });

  test('features-set toggles tx-checksum-ip-generic: `ethtool -k` sees it, the monitor group announces it', async (t) => {
    const FEATURE = 'tx-checksum-ip-generic';
    await withEthtool(t, async (c, ns) => {
      const before = parseFeatures(nsRun(ns, 'ethtool', '-k', 'veth0')).get(FEATURE);
      if (!before || before.fixed) return t.skip(`${FEATURE} is not changeable on veth here`);
      const f = await c.do('features-get', { header: { devName: 'veth0' } });
      const bit = f?.hw?.bits?.bit?.find((b) => b.name === FEATURE);
      assert.ok(bit?.index !== undefined);
      const events = c.subscribe('monitor');
      try {
        for (const on of [!before.on, before.on]) {
          const reply = await c.do('features-set', {
            header: { devName: 'veth0' },
            wanted: { bits: { bit: [{ name: FEATURE, ...(on ? { value: true } : {}) }] } },
          });
          assert.equal(reply?.header?.devName, 'veth0');
          assert.equal(parseFeatures(nsRun(ns, 'ethtool', '-k', 'veth0')).get(FEATURE)?.on, on, `ethtool -k: ${FEATURE} ${on ? 'on' : 'off'}`);
          const now = await c.do('features-get', { header: { devName: 'veth0' } });
          assert.equal(bitNames(now?.active).has(FEATURE), on);
          const ntf = await waitForEvent(
            events,
            (m) => m.op === 'features-ntf' && (m.msg.header as { devName?: string } | undefined)?.devName === 'veth0'
              && bitOn(m.msg.active as BitsetSet, bit.index!, FEATURE) === on,
            `a features-ntf for veth0 with ${FEATURE} ${on ? 'on' : 'off'}`,
          );
          assert.ok(ntf.msg.hw && ntf.msg.wanted && ntf.msg.nochange, 'the notification carries all four bitsets');
        }
      } finally {
        events.close();
      }
    });
  });

  test('an unknown feature name: the ext-ack ethtool prints, and a path into the bitset', async (t) => {
    await withEthtool(t, async (c, ns) => {
      const e = await failure(c.do('features-set', {
        header: { devName: 'veth0' },
        wanted: { bits: { bit: [{ name: 'nlkt-no-such-feature' }] } },
      }));
      assert.ok(e instanceof NetlinkError, String(e));
      const cli = ethtoolNetlinkError(nsTool(ns, 'ethtool', '-K', 'veth0', 'nlkt-no-such-feature', 'off').stderr);
      // ethtool checks names against the strset itself; the kernel's text is what we compare when it sends it
      if (cli && /not found/.test(cli.message)) assert.equal(e.extackMessage, cli.message);
      else t.diagnostic(`ethtool -K did not report the kernel's ext-ack: ${cli?.message}`);
      assert.equal(e.code, 'EOPNOTSUPP'); // what ethnl_parse_bit returns for an unknown name
      assert.equal(e.extackMessage, 'bit name not found');
      // a multi-attr element: encode errors number it (.bit[0]); the ext-ack path may not (yet)
      assert.match(e.attributePath ?? '', /^\.wanted\.bits\.bit(\[0\])?\.name$/);
      if (e.attributePath !== '.wanted.bits.bit[0].name') t.diagnostic(`ext-ack path without the element's position: ${e.attributePath}`);
    });
  });

  test('channels-get matches `ethtool -l`; channels-set changes it and is announced; over the maximum: EINVAL at .rxCount', async (t) => {
    await withEthtool(t, async (c, ns) => {
      let ch;
      try {
        ch = await c.do('channels-get', { header: { devName: 'veth0' } });
      } catch (e) {
        if (!isNetlinkError(e, 'EOPNOTSUPP')) throw e;
        assert.notEqual(nsTool(ns, 'ethtool', '-l', 'veth0').status, 0, 'ethtool -l fails too');
        return t.skip('veth has no channels here');
      }
      const o = parseChannels(nsRun(ns, 'ethtool', '-l', 'veth0'));
      assert.deepEqual(
        [ch?.rxMax, ch?.txMax, ch?.otherMax, ch?.combinedMax, ch?.rxCount, ch?.txCount, ch?.otherCount, ch?.combinedCount],
        [o.max.RX, o.max.TX, o.max.Other, o.max.Combined, o.cur.RX, o.cur.TX, o.cur.Other, o.cur.Combined],
      );
      if (!ch?.rxMax || ch.rxMax < 2 || !ch.txMax) return t.skip(`veth allows ${ch?.rxMax} rx channels here: nothing to change`);
      const events = c.subscribe('monitor');
      try {
        await c.do('channels-set', { header: { devName: 'veth0' }, rxCount: ch.rxMax, txCount: ch.txMax });
        const after = parseChannels(nsRun(ns, 'ethtool', '-l', 'veth0'));
        assert.equal(after.cur.RX, ch.rxMax);
        assert.equal(after.cur.TX, ch.txMax);
        const ntf = await waitForEvent(events, (m) => m.op === 'channels-ntf' && m.msg.rxCount === ch.rxMax, 'a channels-ntf with the new rx count');
        assert.equal((ntf.msg.header as { devName?: string }).devName, 'veth0');
        assert.equal(ntf.msg.txCount, ch.txMax);
      } finally {
        events.close();
      }
      const e = await failure(c.do('channels-set', { header: { devName: 'veth0' }, rxCount: ch.rxMax + 1 }));
      assert.ok(isNetlinkError(e, 'EINVAL'), String(e));
      assert.equal(e.attributePath, '.rxCount');
      const cli = ethtoolNetlinkError(nsTool(ns, 'ethtool', '-L', 'veth0', 'rx', String(ch.rxMax + 1)).stderr);
      assert.ok(cli, 'ethtool reports a netlink error');
      assert.equal(e.extackMessage, cli.message);
      // the same request layout (header with the name, then the count): the same offset
      if (cli.offset !== undefined) assert.equal(e.offset, cli.offset);
    });
  });

  test('rings, coalesce, pause, eee, tsinfo: supported exactly where ethtool says so; tsinfo matches `ethtool -T`', async (t) => {
    await withEthtool(t, async (c, ns) => {
      const probes = [
        ['rings-get', '-g'], ['coalesce-get', '-c'], ['pause-get', '-a'], ['eee-get', '--show-eee'], ['tsinfo-get', '-T'],
      ] as const;
      const unsupported: string[] = [];
      for (const [op, flag] of probes) {
        let ok = true;
        try {
          await c.do(op, { header: { devName: 'veth0' } });
        } catch (e) {
          if (!isNetlinkError(e, 'EOPNOTSUPP')) throw e;
          ok = false;
          unsupported.push(op);
        }
        const cli = nsTool(ns, 'ethtool', flag, 'veth0');
        assert.equal(cli.status === 0, ok, `${op} ${ok ? 'works' : 'is EOPNOTSUPP'}; ethtool ${flag}: ${cli.stderr.trim() || 'ok'}`);
      }
      if (unsupported.length) t.diagnostic(`veth does not support: ${unsupported.join(', ')}`);
      if (unsupported.includes('tsinfo-get')) return;
      const ts = await c.do('tsinfo-get', { header: { devName: 'veth0' } });
      const text = nsRun(ns, 'ethtool', '-T', 'veth0');
      const caps = /Capabilities:\n((?:\t.*\n)*)/.exec(text)?.[1].split('\n').map((s) => s.trim()).filter(Boolean) ?? [];
      assert.deepEqual([...bitNames(ts?.timestamping)], caps);
    });
  });

  test('dumps: features-get covers every link of `ip -j link`; linkinfo-get the links whose do answers', async (t) => {
    await withEthtool(t, async (c, ns) => {
      const links = ifindexes(ns);
      const feats = await c.dump('features-get').toArray();
      assert.deepEqual(
        feats.map((f) => [f.header?.devName, f.header?.devIndex]).sort(),
        [...links].sort(),
      );
      const answered: string[] = [];
      for (const name of links.keys()) {
        try {
          await c.do('linkinfo-get', { header: { devName: name } });
          answered.push(name);
        } catch (e) {
          if (!isNetlinkError(e, 'EOPNOTSUPP')) throw e;
        }
      }
      const infos = await c.dump('linkinfo-get').toArray();
      assert.deepEqual(infos.map((i) => i.header?.devName).sort(), answered.sort());
      assert.ok(answered.includes('veth0') && answered.includes('veth1'));
      assert.deepEqual(c.linkinfoGetDumpSync().map((i) => i.header?.devName).sort(), answered.sort());
    });
  });

  test('a bad device name: ENODEV, ext-ack at .header.devName, the message and offset ethtool prints', async (t) => {
    await withEthtool(t, async (c, ns) => {
      const e = await failure(c.do('linkinfo-get', { header: { devName: 'nlkt-nosuch0' } }));
      assert.ok(isNetlinkError(e, 'ENODEV'), String(e));
      assert.equal(e.errno, -19);
      assert.equal(e.attributePath, '.header.devName');
      const cli = ethtoolNetlinkError(nsTool(ns, 'ethtool', 'nlkt-nosuch0').stderr);
      assert.ok(cli, 'ethtool reports a netlink error');
      assert.equal(e.extackMessage, cli.message);
      assert.equal(e.offset, cli.offset);
      assert.throws(() => c.linkinfoGetSync({ header: { devName: 'nlkt-nosuch0' } }), (x: unknown) => isNetlinkError(x, 'ENODEV') && x.attributePath === '.header.devName');
    });
  });
});

// ---------------------------------------------------------------------------------------
// netdev, with `ip -j link` as the oracle

const XDP_ACT = new Set(netdevDesc.definitions.flatMap((d) => (d.type === 'flags' && d.name === 'xdp-act' ? d.entries.map((e) => e.name) : [])));

describe('ynl netdev', () => {
  test('dev-get dump and do cover the ifindexes of `ip -j link`; xdp-features decode as names', async (t) => {
    if (!needRoot(t)) return;
    await withNetns(async (ns) => {
      ip(ns, 'link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'veth1');
      const c = await openOrSkip(t, netdevDesc, { netns: ns });
      if (!c) return;
      try {
        const links = ifindexes(ns);
        const all = await c.dump('dev-get').toArray();
        assert.deepEqual(all.map((d) => d.ifindex).sort(), [...links.values()].sort());
        for (const d of all) {
          assert.deepEqual(await c.do('dev-get', { ifindex: d.ifindex }), d);
          for (const fl of d.xdpFeatures ?? []) assert.ok(typeof fl === 'string' && XDP_ACT.has(fl), `xdp feature ${String(fl)}`);
        }
        const veth = all.find((d) => d.ifindex === links.get('veth0'));
        if (veth?.xdpFeatures === undefined) t.diagnostic('this kernel reports no xdp-features');
        else assert.ok(veth.xdpFeatures.includes('basic'), `veth does basic XDP: ${veth.xdpFeatures.join(', ')}`);
        assert.ok(Array.isArray(all.find((d) => d.ifindex === links.get('lo'))?.xdpFeatures ?? []));
        // the spec's check (ifindex >= 1) is enforced before sending; an absent device is the kernel's error
        assert.throws(() => c.devGetSync({ ifindex: 0 }), (e: unknown) => e instanceof TypeError && (e as { path?: string }).path === '.ifindex');
        const gone = Math.max(...links.values()) + 1000;
        const e = await failure(c.do('dev-get', { ifindex: gone }));
        assert.ok(e instanceof NetlinkError && ['ENODEV', 'ENOENT'].includes(e.code), String(e));
      } finally {
        c.close();
      }
    });
  });

  test('subscribing to mgmt: a veth created in the namespace is announced by dev-add-ntf, deleted by dev-del-ntf', async (t) => {
    if (!needRoot(t)) return;
    await withNetns(async (ns) => {
      const c = await openOrSkip(t, netdevDesc, { netns: ns });
      if (!c) return;
      const events = c.subscribe('mgmt');
      try {
        ip(ns, 'link', 'add', 'nlktv0', 'type', 'veth', 'peer', 'name', 'nlktv1');
        const index = ifindexes(ns).get('nlktv0');
        const add = await waitForEvent(events, (m) => m.op === 'dev-add-ntf' && m.msg.ifindex === index, `a dev-add-ntf for ifindex ${index}`);
        // (its xdp features may still change after registration: compare the device, not them)
        assert.equal((await c.do('dev-get', { ifindex: index }))?.ifindex, add.msg.ifindex);
        for (const fl of add.msg.xdpFeatures ?? []) assert.ok(typeof fl === 'string' && XDP_ACT.has(fl), `xdp feature ${String(fl)}`);
        ip(ns, 'link', 'del', 'nlktv0');
        await waitForEvent(events, (m) => m.op === 'dev-del-ntf' && m.msg.ifindex === index, `a dev-del-ntf for ifindex ${index}`);
      } finally {
        events.close();
        c.close();
      }
    });
  });
});

// ---------------------------------------------------------------------------------------
// tcp_metrics, with `ip tcp_metrics` as the oracle

/** One TCP connection to a listener on `host` inside the namespace: 64 KiB sent, then closed. */
const TRAFFIC = `
const net = require('node:net');
const host = process.argv[1];
const fail = (e) => { console.error(String(e && e.message || e)); process.exit(1); };
const timer = setTimeout(() => fail('timeout'), 8000);
const srv = net.createServer((s) => { s.on('data', () => {}); s.on('end', () => s.end()); s.on('error', fail); });
srv.on('error', fail);
srv.listen(0, host, () => {
  const c = net.connect(srv.address().port, host, () => c.end(Buffer.alloc(65536)));
  c.on('data', () => {});
  c.on('error', fail);
  c.on('close', () => { srv.close(); clearTimeout(timer); });
});`;

function tcpTraffic(ns: string, host: string): { ok: boolean; why: string } {
  const r = spawnSync('ip', ['netns', 'exec', ns, process.execPath, '-e', TRAFFIC, host], { encoding: 'utf8', timeout: 15000 });
  return { ok: r.status === 0, why: (r.stderr || r.error?.message || '').trim() };
}

interface IpTcpMetric {
  dst: string;
  source?: string;
  age?: number;
  cwnd?: number;
  rtt?: number;
  rttvar?: number;
}

describe('ynl tcp_metrics against ip tcp_metrics', () => {
  test('after loopback traffic: get dump matches `ip -j tcp_metrics`; get do by address; del removes one; del without address flushes', async (t) => {
    if (!needRoot(t)) return;
    await withNetns(async (ns) => {
      const c = await openOrSkip(t, tcpMetricsDesc, { netns: ns });
      if (!c) return;
      try {
        const hosts: string[] = [];
        for (const host of ['127.0.0.1', '::1']) {
          const r = tcpTraffic(ns, host);
          if (r.ok) hosts.push(host);
          else t.diagnostic(`no TCP traffic over ${host}: ${r.why}`);
        }
        assert.ok(hosts.includes('127.0.0.1'), 'TCP over 127.0.0.1 in a namespace works');
        const oracle = ipJson<IpTcpMetric[]>(ns, 'tcp_metrics', 'show');
        const dump = await c.dump('get').toArray();
        if (oracle.length === 0) {
          // The kernel saves no metrics when net.ipv4.tcp_no_metrics_save is set (a
          // namespace inherits it from init_net): then both views must be empty.
          assert.deepEqual(dump, []);
          return t.skip('the kernel saved no TCP metrics (net.ipv4.tcp_no_metrics_save?): both views are empty');
        }
        const dst = (m: (typeof dump)[number]) => m.addrIpv4 ?? (typeof m.addrIpv6 === 'string' ? m.addrIpv6 : undefined);
        const src = (m: (typeof dump)[number]) => m.saddrIpv4 ?? (typeof m.saddrIpv6 === 'string' ? m.saddrIpv6 : undefined);
        assert.deepEqual(dump.map((m) => `${dst(m)} from ${src(m)}`).sort(), oracle.map((o) => `${o.dst} from ${o.source}`).sort());
        for (const o of oracle) {
          const m = dump.find((x) => dst(x) === o.dst && src(x) === o.source)!;
          const v = m.vals ?? {};
          assert.equal(v.cwnd, o.cwnd, `${o.dst} cwnd`);
          // ip prints microseconds from rtt-us >> 3 (rtt: ms << 3 when there is no rtt-us), in seconds in JSON
          const rttUs = v.rttUs !== undefined ? v.rttUs >> 3 : v.rtt !== undefined ? (v.rtt * 1000) >> 3 : undefined;
          const rttvarUs = v.rttvarUs !== undefined ? v.rttvarUs >> 2 : v.rttvar !== undefined ? (v.rttvar * 1000) >> 2 : undefined;
          if (o.rtt !== undefined) assert.equal(rttUs, Math.round(o.rtt * 1e6), `${o.dst} rtt`);
          if (o.rttvar !== undefined) assert.equal(rttvarUs, Math.round(o.rttvar * 1e6), `${o.dst} rttvar`);
          assert.equal(typeof m.age, 'bigint');
          if (o.age !== undefined) assert.ok(Math.abs(Number(m.age) / 1000 - o.age) < 5, `${o.dst} age ${m.age} ms vs ${o.age} s`);
        }

        const v4 = dump.find((m) => m.addrIpv4 === '127.0.0.1')!;
        const one = await c.do('get', { addrIpv4: '127.0.0.1', saddrIpv4: '127.0.0.1' });
        assert.deepEqual({ ...one, age: undefined }, { ...v4, age: undefined });

        await c.do('del', { addrIpv4: '127.0.0.1' });
        assert.ok(!ipJson<IpTcpMetric[]>(ns, 'tcp_metrics', 'show').some((o) => o.dst === '127.0.0.1'), 'ip no longer shows 127.0.0.1');
        assert.ok(!(await c.dump('get').toArray()).some((m) => m.addrIpv4 === '127.0.0.1'));
        const e = await failure(c.do('get', { addrIpv4: '127.0.0.1' }));
        assert.ok(e instanceof NetlinkError, String(e));
        t.diagnostic(`get of a deleted entry: ${e.code}`);

        await c.do('del', {}); // no address: flush all
        assert.deepEqual(ipJson(ns, 'tcp_metrics', 'show'), []);
        assert.equal(ip(ns, 'tcp_metrics', 'show').trim(), '');
        assert.deepEqual(await c.dump('get').toArray(), []);
      } finally {
        c.close();
      }
    });
  });
});

// ---------------------------------------------------------------------------------------
// mptcp_pm, with `ip mptcp` as the oracle

const MPTCP_FLAGS = { signal: 1, subflow: 2, backup: 4, fullmesh: 8, implicit: 16 } as const;

interface IpEndpoint {
  address: string;
  id: number;
  dev?: string;
  port?: number;
  signal?: boolean;
  subflow?: boolean;
  backup?: boolean;
  fullmesh?: boolean;
  implicit?: boolean;
}

function ipv6Text(b: Buffer): string {
  const groups = Array.from({ length: 8 }, (_, i) => b.readUInt16BE(i * 2).toString(16));
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

/** `ip mptcp limits` text (iproute2 6.1 prints no JSON for it): add_addr_accepted and subflows. */
function ipLimits(ns: string): { addAddrAccepted: number; subflows: number } {
  const text = ip(ns, 'mptcp', 'limits', 'show');
  const a = /add_addr_accepted (\d+)/.exec(text), s = /subflows (\d+)/.exec(text);
  assert.ok(a && s, `unexpected ip mptcp limits output: ${text}`);
  return { addAddrAccepted: Number(a[1]), subflows: Number(s[1]) };
}

describe('ynl mptcp_pm against ip mptcp', () => {
  test('endpoints: add-addr, get-addr dump and do as `ip -j mptcp endpoint show`, del-addr, flush-addrs; errors as ip prints them', async (t) => {
    if (!needRoot(t)) return;
    await withNetns(async (ns) => {
      ip(ns, 'link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'veth1');
      const c = await openOrSkip(t, mptcpDesc, { netns: ns });
      if (!c) return;
      try {
        const veth0 = ifindexes(ns).get('veth0')!;
        const v6 = Buffer.from('20010db8000000000000000000000007', 'hex');
        await c.do('add-addr', { addr: { family: 2, id: 5, addr4: ipv4ToNumber('192.0.2.10'), flags: MPTCP_FLAGS.signal } });
        await c.do('add-addr', { addr: { family: 2, id: 6, addr4: ipv4ToNumber('192.0.2.11'), flags: MPTCP_FLAGS.subflow | MPTCP_FLAGS.backup, ifIdx: veth0 } });
        await c.do('add-addr', { addr: { family: 10, id: 7, addr6: v6, flags: MPTCP_FLAGS.signal } });

        const names = new Map([...ifindexes(ns)].map(([n, i]) => [i, n]));
        const asIp = (a: AddressSet | undefined): IpEndpoint => {
          const out: IpEndpoint = { address: a?.family === 2 ? ipv4FromNumber(a.addr4!) : ipv6Text(a!.addr6!), id: a!.id! };
          if (a?.port) out.port = a.port;
          for (const [k, bit] of Object.entries(MPTCP_FLAGS)) if ((a!.flags ?? 0) & bit) out[k as keyof typeof MPTCP_FLAGS] = true;
          if (a?.ifIdx) out.dev = names.get(a.ifIdx);
          return out;
        };
        const oracle = () => ipJson<IpEndpoint[]>(ns, 'mptcp', 'endpoint', 'show').sort((x, y) => x.id - y.id);
        const dump = async () => (await c.dump('get-addr').toArray()).map((m) => asIp(m.addr)).sort((x, y) => x.id - y.id);
        assert.deepEqual(await dump(), oracle());
        assert.deepEqual(oracle().map((o) => o.address), ['192.0.2.10', '192.0.2.11', '2001:db8::7']);
        for (const o of oracle()) {
          const one: { addr?: AddressSet } | undefined = await c.do('get-addr', { addr: { id: o.id } });
          assert.deepEqual(asIp(one?.addr), o);
        }

        // a duplicate id: the kernel's ext-ack, as ip prints it for the same request
        const dup = await failure(c.do('add-addr', { addr: { family: 2, id: 5, addr4: ipv4ToNumber('192.0.2.12'), flags: MPTCP_FLAGS.signal } }));
        assert.ok(dup instanceof NetlinkError, String(dup));
        assert.ok(['EEXIST', 'EBUSY', 'EINVAL'].includes(dup.code), dup.code);
        assert.equal(dup.extackMessage, ipExtack(ipError(ns, 'mptcp', 'endpoint', 'add', '192.0.2.12', 'id', '5', 'signal')));
        t.diagnostic(`duplicate id: ${dup.message}`);

        await c.do('del-addr', { addr: { id: 5 } });
        assert.deepEqual(oracle().map((o) => o.id), [6, 7]);
        assert.deepEqual(await dump(), oracle());
        const missing = await failure(c.do('get-addr', { addr: { id: 5 } }));
        assert.ok(missing instanceof NetlinkError, String(missing));
        assert.equal(missing.attributePath, '.addr');
        const ipText = ipExtack(ipError(ns, 'mptcp', 'endpoint', 'show', 'id', '5'));
        assert.equal(missing.extackMessage, ipText);

        await c.do('flush-addrs', {});
        assert.deepEqual(oracle(), []);
        assert.deepEqual(await c.dump('get-addr').toArray(), []);
      } finally {
        c.close();
      }
    });
  });

  test('limits: set-limits and get-limits as `ip mptcp limits`; over the maximum: the ext-ack ip prints, at .rcvAddAddrs', async (t) => {
    if (!needRoot(t)) return;
    await withNetns(async (ns) => {
      const c = await openOrSkip(t, mptcpDesc, { netns: ns });
      if (!c) return;
      try {
        const initial = await c.do('get-limits');
        const o = ipLimits(ns);
        assert.deepEqual([initial?.rcvAddAddrs, initial?.subflows], [o.addAddrAccepted, o.subflows]);
        await c.do('set-limits', { rcvAddAddrs: 3, subflows: 4 });
        assert.deepEqual(ipLimits(ns), { addAddrAccepted: 3, subflows: 4 });
        assert.deepEqual(await c.do('get-limits'), { rcvAddAddrs: 3, subflows: 4 });
        ip(ns, 'mptcp', 'limits', 'set', 'add_addr_accepted', '1', 'subflows', '2');
        assert.deepEqual(c.getLimitsSync(), { rcvAddAddrs: 1, subflows: 2 });

        const e = await failure(c.do('set-limits', { rcvAddAddrs: 300 }));
        assert.ok(isNetlinkError(e, 'EINVAL'), String(e));
        assert.equal(e.attributePath, '.rcvAddAddrs');
        assert.equal(e.extackMessage, ipExtack(ipError(ns, 'mptcp', 'limits', 'set', 'add_addr_accepted', '300')));
      } finally {
        c.close();
      }
    });
  });
});

// ---------------------------------------------------------------------------------------
// rt-route and rt-link (raw netlink families), with `ip -j` as the oracle

interface IpRoute {
  type?: string;
  dst: string;
  dev?: string;
  table?: string;
}

const TABLES: Record<string, number> = { main: 254, local: 255, default: 253 };

function linkFormats(): Set<string> {
  return new Set(Family.from(rtLinkDesc).subMessages.get('linkinfo-data-msg')?.formats.keys() ?? []);
}

/** Creates a link through rt-link, or skips when the kernel lacks the kind; true when made. */
async function newlinkOrSkip(t: TestContext, c: TypedFamilyClient<RtLinkTypes>, req: Parameters<typeof c.newlink>[0]): Promise<boolean> {
  try {
    await c.do('newlink', req, { flags: CREATE });
    return true;
  } catch (e) {
    if (isNetlinkError(e, 'EOPNOTSUPP') && /Unknown device type/i.test(e.extackMessage ?? '')) {
      t.skip(`this kernel has no '${(req?.linkinfo as { kind?: string } | undefined)?.kind}' links`);
      return false;
    }
    throw e;
  }
}

describe('ynl rt-route and rt-link against ip -j', () => {
  test('getroute dump (all families) equals `ip -j route show table all`; getroute do as `ip -j route get`', async (t) => {
    if (!needRoot(t)) return;
    await withNetns(async (ns) => {
      ip(ns, 'link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'veth1');
      ip(ns, 'link', 'set', 'veth0', 'up');
      ip(ns, 'addr', 'add', '192.0.2.1/24', 'dev', 'veth0');
      ip(ns, 'addr', 'add', '2001:db8::1/64', 'dev', 'veth0', 'nodad');
      addRoutes(ns, 20);
      ip(ns, 'route', 'add', '10.200.0.0/16', 'dev', 'veth0', 'table', '100');
      ip(ns, 'route', 'add', 'blackhole', '198.51.100.0/24');
      ip(ns, 'route', 'add', '2001:db8:5::/48', 'dev', 'veth0', 'table', '100');
      const c = await FamilyClient.open(rtRouteDesc, { netns: ns });
      try {
        const names = new Map([...ifindexes(ns)].map(([n, i]) => [i, n]));
        const ours = (await c.dump('getroute', { rtmFamily: 0 }).toArray())
          .filter((r) => r.rtmFamily === 2 || r.rtmFamily === 10)
          .map((r) => {
            const dst = r.dst ?? (r.rtmFamily === 2 ? '0.0.0.0' : '::');
            assert.equal(typeof dst, 'string');
            return `${dst}/${r.rtmDstLen} dev ${r.oif !== undefined ? names.get(r.oif) : '-'} table ${r.table ?? r.rtmTable} ${r.rtmType}`;
          })
          .sort();
        const oracle = ipJson<IpRoute[]>(ns, 'route', 'show', 'table', 'all')
          .map((r) => {
            assert.notEqual(r.dst, 'default', 'no default route in the namespace');
            const dst = r.dst.includes('/') ? r.dst : `${r.dst}/${r.dst.includes(':') ? 128 : 32}`;
            const table = r.table === undefined ? 254 : TABLES[r.table] ?? Number(r.table);
            return `${dst} dev ${r.dev ?? '-'} table ${table} ${r.type ?? 'unicast'}`;
          })
          .sort();
        assert.deepEqual(ours, oracle);
        assert.ok(ours.includes('198.51.100.0/24 dev - table 254 blackhole'));
        assert.ok(ours.includes('2001:db8:5::/48 dev veth0 table 100 unicast'));

        const got = await c.do('getroute', { rtmFamily: 2, rtmDstLen: 32, dst: '10.100.0.7' });
        const [cli] = ipJson<{ dst: string; dev: string }[]>(ns, 'route', 'get', '10.100.0.7');
        assert.equal(got?.dst, cli.dst);
        assert.equal(names.get(got?.oif ?? -1), cli.dev);
        assert.equal(got?.table, 254);
      } finally {
        c.close();
      }
    });
  });

  test('newlink of a veth pair (peer in linkinfo data); getlink and its dump as `ip -j -d link`; EEXIST; dellink', async (t) => {
    if (!needRoot(t)) return;
    if (!linkFormats().has('veth')) return t.skip('the rt-link description has no veth linkinfo format');
    await withNetns(async (ns) => {
      const c = await FamilyClient.open(rtLinkDesc, { netns: ns });
      try {
        await c.do('newlink', { ifname: 'nlktp0', linkinfo: { kind: 'veth', data: { peer: { ifname: 'nlktp1', mtu: 1400 } } } }, { flags: CREATE });
        const cli = ipJson<(IpLink & { mtu: number })[]>(ns, '-d', 'link', 'show');
        const byName = new Map(cli.map((l) => [l.ifname, l]));
        assert.equal(byName.get('nlktp0')?.linkinfo?.info_kind, 'veth');
        assert.equal(byName.get('nlktp1')?.linkinfo?.info_kind, 'veth');
        assert.equal(byName.get('nlktp1')?.mtu, 1400);
        const p0 = await c.do('getlink', { ifname: 'nlktp0' });
        assert.equal(p0?.ifiIndex, byName.get('nlktp0')?.ifindex);
        assert.equal((p0?.linkinfo as { kind?: string } | undefined)?.kind, 'veth');
        assert.equal(p0?.link, byName.get('nlktp1')?.ifindex, 'the peer is the link of a veth');
        const all = await c.dump('getlink').toArray();
        assert.deepEqual(all.map((l) => [l.ifname, l.ifiIndex, l.mtu]).sort(), cli.map((l) => [l.ifname, l.ifindex, l.mtu]).sort());

        const again = await failure(c.do('newlink', { ifname: 'nlktp0', linkinfo: { kind: 'veth' } }, { flags: CREATE }));
        assert.ok(isNetlinkError(again, 'EEXIST'), String(again));
        await c.do('dellink', { ifname: 'nlktp0' });
        assert.deepEqual(ipJson<IpLink[]>(ns, 'link', 'show').map((l) => l.ifname), ['lo']);
      } finally {
        c.close();
      }
    });
  });

  test('newlink of a bridge with sub-message data: getlink decodes it as `ip -j -d link` shows it; rtnlgrp-link announces it; a bad attribute: .linkinfo.data(bridge).groupAddr', async (t) => {
    if (!needRoot(t)) return;
    await withNetns(async (ns) => {
      const c = await FamilyClient.open(rtLinkDesc, { netns: ns });
      const events = c.subscribe('rtnlgrp-link');
      try {
        const data = { forwardDelay: 800, priority: 4096, ageingTime: 20000, groupAddr: '01:80:c2:00:00:0e' };
        if (!(await newlinkOrSkip(t, c, { ifname: 'nlktbr0', linkinfo: { kind: 'bridge', data } }))) return;
        const link = await c.do('getlink', { ifname: 'nlktbr0' });
        const info = link?.linkinfo as { kind?: string; data?: Record<string, unknown> } | undefined;
        assert.equal(info?.kind, 'bridge');
        for (const [k, v] of Object.entries(data)) assert.equal(info?.data?.[k], v, k);
        const [cli] = ipJson<IpLink[]>(ns, '-d', 'link', 'show', 'nlktbr0');
        assert.equal(cli.linkinfo?.info_kind, 'bridge');
        let compared = 0;
        for (const [k, v] of Object.entries(cli.linkinfo?.info_data ?? {})) {
          const ours: unknown = info?.data?.[k.replace(/_([a-z0-9])/g, (_, x: string) => x.toUpperCase())];
          if ((typeof v === 'number' && typeof ours === 'number') || (typeof v === 'string' && typeof ours === 'string')) {
            assert.equal(ours, v, k);
            compared++;
          }
        }
        assert.ok(compared >= 8, `compared ${compared} bridge attributes with ip`);
        t.diagnostic(`compared ${compared} bridge attributes with ip -d`);
        const ntf = await waitForEvent(events, (m) => m.op === 'newlink-ntf' && m.msg.ifname === 'nlktbr0', 'a newlink-ntf for nlktbr0');
        assert.equal((ntf.msg.linkinfo as { kind?: string }).kind, 'bridge');

        const e = await failure(c.do('newlink', { ifname: 'nlktbr1', linkinfo: { kind: 'bridge', data: { groupAddr: Buffer.alloc(8) as unknown as string } } }, { flags: CREATE }));
        assert.ok(e instanceof NetlinkError, String(e));
        assert.equal(e.code, 'ERANGE');
        assert.equal(e.attributePath, '.linkinfo.data(bridge).groupAddr');
        assert.ok(e.policy, 'the kernel sends the violated policy');
      } finally {
        events.close();
        c.close();
      }
    });
  });

  test('newlink of a vxlan with sub-message data (id, port, ttl) as `ip -j -d link` shows it; a bad id: .linkinfo.data(vxlan).id', async (t) => {
    if (!needRoot(t)) return;
    if (!linkFormats().has('vxlan')) return t.skip('the rt-link description has no vxlan linkinfo format');
    await withNetns(async (ns) => {
      const c = await FamilyClient.open(rtLinkDesc, { netns: ns });
      try {
        if (!(await newlinkOrSkip(t, c, { ifname: 'nlktvx0', linkinfo: { kind: 'vxlan', data: { id: 42, port: 4789, ttl: 64, learning: 0 } } }))) return;
        const [cli] = ipJson<IpLink[]>(ns, '-d', 'link', 'show', 'nlktvx0');
        assert.equal(cli.linkinfo?.info_kind, 'vxlan');
        const d = cli.linkinfo?.info_data ?? {};
        assert.deepEqual([d.id, d.port, d.ttl, d.learning], [42, 4789, 64, false]);
        const link = await c.do('getlink', { ifname: 'nlktvx0' });
        const data = (link?.linkinfo as { data?: Record<string, unknown> } | undefined)?.data;
        assert.deepEqual([data?.id, data?.port, data?.ttl, data?.learning], [42, 4789, 64, 0]);

        const e = await failure(c.do('newlink', { ifname: 'nlktvx1', linkinfo: { kind: 'vxlan', data: { id: 1 << 24, port: 4790 } } }, { flags: CREATE }));
        assert.ok(isNetlinkError(e, 'ERANGE'), String(e));
        assert.match(e.extackMessage ?? '', /VXLAN ID must be lower than 16777216/);
        assert.equal(e.attributePath, '.linkinfo.data(vxlan).id');

        const r = await failure(c.do('newlink', { ifname: 'nlktvx1', linkinfo: { kind: 'vxlan', data: { id: 43, portRange: { low: 2000, high: 1000 } } } }, { flags: CREATE }));
        assert.ok(r instanceof NetlinkError, String(r));
        t.diagnostic(`inverted port range: ${r.message}`);
        assert.equal(r.attributePath, '.linkinfo.data(vxlan).portRange');
      } finally {
        c.close();
      }
    });
  });
});
