// The generated families (src/ynl/families): up to date with the specs, faithful to them as
// data, and typed the way the codec decodes (the type checks below compile only if so).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSpec } from '../src/ynl/load.js';
import { GENERATED_PREFIX } from '../src/ynl/gen/emit.js';
import { generateAll, overlayFor } from '../src/ynl/gen/generate.js';
import { families, familyNames, type Registry } from '../src/ynl/families/index.js';
import type { FamilyTypes } from '../src/ynl/client.js';
import type { FamilyDescription } from '../src/ynl/schema.js';
import type * as RtRoute from '../src/ynl/families/rt-route.js';
import type * as RtLink from '../src/ynl/families/rt-link.js';
import type * as Tc from '../src/ynl/families/tc.js';
import type * as Nlctrl from '../src/ynl/families/nlctrl.js';
import type * as Netdev from '../src/ynl/families/netdev.js';
import type * as Ethtool from '../src/ynl/families/ethtool.js';
import type * as Nl80211 from '../src/ynl/families/nl80211.js';

// dist/test/ynl-gen.test.js -> the repository
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const SPECS = resolve(REPO, '..', 'shared', 'ynl-specs');
const FAMILIES = join(REPO, 'src', 'ynl', 'families');
const OVERLAYS = join(REPO, 'src', 'ynl', 'overlays');
const CORRECTIONS = join(REPO, 'src', 'ynl', 'corrections');
const OWN_SPECS = join(REPO, 'src', 'ynl', 'specs');
const NO_SPECS = `the YNL specs are not at ${SPECS}`;

function firstDifference(a: string, b: string): string {
  const x = a.split('\n'), y = b.split('\n');
  for (let i = 0; i < Math.max(x.length, y.length); i++)
    if (x[i] !== y[i]) return `line ${i + 1}: committed ${JSON.stringify(x[i])}, generated ${JSON.stringify(y[i])}`;
  return 'same lines';
}

test('src/ynl/families is what `npm run gen` makes of the specs', (t) => {
  if (!existsSync(SPECS)) return t.skip(NO_SPECS);
  const tmp = mkdtempSync(join(tmpdir(), 'nlkit-gen-'));
  try {
    const warnings: string[] = [];
    const written = generateAll(SPECS, tmp, { overlayDir: OVERLAYS, correctionDir: CORRECTIONS, ownSpecDir: OWN_SPECS, warn: (m) => warnings.push(m) });
    const fresh = readdirSync(tmp).sort();
    assert.deepEqual(written.map((p) => p.slice(tmp.length + 1)).sort(), fresh);
    const committed = readdirSync(FAMILIES)
      .filter((f) => f.endsWith('.ts') && readFileSync(join(FAMILIES, f), 'utf8').startsWith(GENERATED_PREFIX))
      .sort();
    assert.deepEqual(committed, fresh, 'the generated files differ from the specs: run `npm run gen`');
    for (const f of fresh) {
      const want = readFileSync(join(tmp, f), 'utf8');
      const have = readFileSync(join(FAMILIES, f), 'utf8');
      assert.ok(have === want, `src/ynl/families/${f} is out of date (${firstDifference(have, want)}): run \`npm run gen\``);
    }
    // the specs' own quirks, and nothing else
    assert.deepEqual(warnings, [
      "devlink.yaml and nlkit's corrections devlink.yaml: dl-dpipe-table: 'dpipe-table-name' is listed twice",
      "devlink.yaml and nlkit's corrections devlink.yaml: dl-dpipe-table: 'dpipe-table-size' is listed twice",
    ]);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('generation is deterministic and removes only generated files', (t) => {
  if (!existsSync(SPECS)) return t.skip(NO_SPECS);
  const tmp = mkdtempSync(join(tmpdir(), 'nlkit-gen-'));
  try {
    const first = generateAll(SPECS, tmp, { overlayDir: OVERLAYS, correctionDir: CORRECTIONS, ownSpecDir: OWN_SPECS }).map((p) => readFileSync(p, 'utf8'));
    const keep = join(tmp, 'mine.ts');
    const stale = join(tmp, 'gone.ts');
    writeFileSync(keep, '// written by hand\n');
    writeFileSync(stale, `${GENERATED_PREFIX}gone.yaml (Linux YNL spec, BSD-3-Clause). Do not edit.\n`);
    const second = generateAll(SPECS, tmp, { overlayDir: OVERLAYS, correctionDir: CORRECTIONS, ownSpecDir: OWN_SPECS }).map((p) => readFileSync(p, 'utf8'));
    assert.deepEqual(second, first);
    assert.ok(existsSync(keep));
    assert.ok(!existsSync(stale));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('each generated description is the normalized spec', async (t) => {
  if (!existsSync(SPECS)) return t.skip(NO_SPECS);
  // the kernel's specs and nlkit's own (src/ynl/specs)
  const byName = new Map<string, string>();
  for (const dir of [SPECS, OWN_SPECS])
    for (const f of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) byName.set(loadSpec(join(dir, f)).name, join(dir, f));
  assert.deepEqual([...familyNames].sort(), [...byName.keys()].sort());
  for (const name of familyNames) {
    const desc: FamilyDescription = await families[name]();
    const path = byName.get(name)!;
    assert.deepEqual(desc, loadSpec(path, overlayFor(OVERLAYS, path), overlayFor(CORRECTIONS, path)), name);
  }
});

// --- types: these compile only if the generated types follow the codec's conventions ----

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const same = <A, B>(ok: Equal<A, B>): Equal<A, B> => ok;

test('generated types', async () => {
  // every family's types fit what the typed client expects
  const fits = <T extends FamilyTypes>(x?: T) => x;
  fits<Registry[keyof Registry]>();
  const route: FamilyDescription<RtRoute.Types> = await families['rt-route']();
  assert.equal(route.name, 'rt-route');

  // fixed header fields merged with the attributes: all of them in replies, any in requests
  const rtmsg: RtRoute.RtmsgStruct = {
    rtmFamily: 2, rtmDstLen: 8, rtmSrcLen: 0, rtmTos: 0, rtmTable: 254, rtmProtocol: 4, rtmScope: 0, rtmType: 'unicast', rtmFlags: 0,
  };
  const reply: RtRoute.Types['ops']['getroute']['dump']['reply'] = { ...rtmsg, dst: '10.0.0.0', table: 254, metrics: { mtu: 1400 } };
  // @ts-expect-error a reply carries the whole rtmsg
  const partial: RtRoute.Types['ops']['getroute']['dump']['reply'] = { rtmFamily: 2, dst: '10.0.0.0', table: 254 };
  const request: RtRoute.Types['ops']['getroute']['dump']['request'] = { rtmFamily: 2 };
  // @ts-expect-error a route dump request lists only its filters (table, oif: corrections/rt-route.yaml)
  const extra: RtRoute.Types['ops']['getroute']['dump']['request'] = { gateway: '10.0.0.1' };
  const get: RtRoute.Types['ops']['getroute']['do']['request'] = { rtmFamily: 10, dst: Buffer.alloc(16), $unknown: [] };
  same<RtRoute.Types['ops']['newroute']['do']['reply'], undefined>(true);
  same<RtRoute.RouteAttrsSet['dst'], string | Buffer | undefined>(true);
  same<RtRoute.RouteAttrsSet['cacheinfo'], RtRoute.RtaCacheinfoStruct | Buffer | undefined>(true);
  same<RtRoute.RtmsgStruct['rtmType'], RtRoute.RtmTypeEnum | number>(true);
  same<RtRoute.Types['events']['rtnlgrp-ipv4-route'], { op: string; msg: Record<string, unknown> }>(true);
  void [reply, partial, request, extra, get];

  // sub-messages picked by a sibling: a union on the selector, with a fallback for other kinds
  const vlan: RtLink.LinkinfoAttrsSet = { kind: 'vlan', data: { id: 10, protocol: '8021q' } };
  // other kinds keep their bytes under $raw, never under data: kind alone narrows data
  const other: RtLink.LinkinfoAttrsSet = { kind: 'dummy', $raw: { data: Buffer.alloc(0) } };
  // @ts-expect-error vlan has no attribute 'vni'
  const wrong: RtLink.LinkinfoAttrsSet = { kind: 'vlan', data: { vni: 10 } };
  // @ts-expect-error bytes are not a format: they go under $raw
  const bytesAsData: RtLink.LinkinfoAttrsSet = { kind: 'dummy', data: Buffer.alloc(0) };
  const vlanId = (li: RtLink.LinkinfoAttrsSet): number | undefined => (li.kind === 'vlan' ? li.data?.id : undefined);
  assert.equal(vlanId(vlan), 10);
  assert.equal(vlanId(other), undefined);
  void [wrong, bytesAsData];
  same<RtLink.LinkinfoVlanAttrsSet['egressQos'], RtLink.IflaVlanQosSet | undefined>(true);
  same<RtLink.LinkinfoBondAttrsSet['arpIpTarget'], string[] | undefined>(true);
  same<RtLink.LinkinfoBondAttrsSet['nsIp6Target'], Array<string | Buffer> | undefined>(true);

  // tc: kind selects options and xstats in the message; stats2.app (selector outside) is any format
  const qdisc: Tc.Types['ops']['getqdisc']['dump']['reply'] = {
    family: 0, ifindex: 1, handle: 0, parent: 0xffffffff, info: 0, kind: 'fq_codel', options: { limit: 10240, ecn: 1 },
  };
  const fifo: Tc.Types['ops']['newqdisc']['do']['request'] = { ifindex: 1, kind: 'pfifo', options: { limit: 100 } };
  // @ts-expect-error pfifo's options are a struct with a limit
  const badFifo: Tc.Types['ops']['newqdisc']['do']['request'] = { ifindex: 1, kind: 'pfifo', options: { target: 100 } };
  const codel = {} as Tc.TcCodelXstatsStruct;
  const app: NonNullable<Tc.TcaStatsAttrsSet['app']> = codel;
  void [qdisc, fifo, badFifo, app];

  // nest-type-value, bitfield32 with flags, u64 flags, indexed arrays
  same<Nlctrl.CtrlAttrsSet['policy'], Array<{ policyId: number; attrId: number } & Nlctrl.PolicyAttrsSet> | undefined>(true);
  same<Netdev.DevSet['xdpFeatures'], Array<Netdev.XdpActEnum | number | bigint> | undefined>(true);
  same<Nl80211.Nl80211AttrsSet['supportedCommands'], Array<Nl80211.CommandsEnum | number> | undefined>(true);
  same<Nl80211.Nl80211AttrsSet['interfaceCombinations'], Nl80211.IfCombinationAttributesSet[] | undefined>(true);
  type Events = Netdev.Types['events']['mgmt'];
  same<Extract<Events, { op: 'dev-add-ntf' }>['msg'], Netdev.DevGetDoReply>(true);
  const bits: Ethtool.BitsetSet = { nomask: true, size: 2 };
  void bits;
});

test('modules generated into a user\'s project import nlkit by name and type-check, methods included', (t) => {
  const tsc = join(REPO, 'node_modules', '.bin', 'tsc');
  if (!existsSync(tsc)) return t.skip('the TypeScript compiler is not installed (npm ci)');
  const project = mkdtempSync(join(tmpdir(), 'nlkit-user-'));
  try {
    mkdirSync(join(project, 'node_modules'));
    symlinkSync(REPO, join(project, 'node_modules', 'nlkit'));
    writeFileSync(join(project, 'package.json'), '{ "type": "module" }\n');
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true,
        types: ['node'], typeRoots: [join(REPO, 'node_modules', '@types')],
      },
      include: ['src'],
    }));
    generateAll(join(REPO, 'examples', 'echo-family'), join(project, 'src', 'families'), { imports: 'package' });
    writeFileSync(join(project, 'src', 'use.ts'), [
      "import { openFamily } from 'nlkit/ynl';",
      "import { description, type Types } from './families/nlkit-echo.js';",
      'export async function use(): Promise<string | undefined> {',
      '  const echo = await openFamily<Types>(description);',
      "  const reply = await echo.echo({ message: 'hi' });",
      "  // @ts-expect-error echo has no attribute 'nosuch'",
      '  echo.echoSync({ nosuch: 1 });',
      '  for await (const item of echo.listDump()) void item.id;',
      '  echo.close();',
      '  return reply.message;',
      '}',
      '',
    ].join('\n'));
    const r = spawnSync(tsc, ['-p', project], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
});
