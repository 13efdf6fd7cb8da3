// tc actions: inside filters (`actions: [...]` on a filter spec) and standalone, shared by
// index (`tc actions add action police ... index 5`, then a filter's `{ kind: 'police', index: 5 }`).
// Specs are flat and discriminated by kind (action-kinds.ts has each kind's fields).
import { NLM_F_ROOT } from '../core/constants.js';
import { NetlinkArgumentError } from '../core/errors.js';
import { AF_UNSPEC } from '../core/rtnetlink.js';
import { opCall, opItem } from '../ynl/op-call.js';
import { description as tcFamily, type ActAttrsSet, type TcfTStruct, type TcGenStruct } from '../ynl/families/tc.js';
import { bindOps, type RouteContext, type Scope, type Step } from '../route/context.js';
import { checkSpec } from '../route/arg-check.js';
import { uint } from '../route/spec-values.js';
import { ACTION_KINDS, COMMON_KEYS, type PeditKey } from './action-kinds.js';
import { parseVerdict, verdictName, type Verdict } from './verdicts.js';
import { toStats, type TcStats } from './stats.js';
import { writeOps, type TcOps } from './tc-object.js';
import { struct } from '../ynl/unread.js';
import { quote } from '../core/options.js';

/** What every action spec may say. */
interface ActionCommon {
  /** A standalone action's index: inside a filter, an existing action to share (only `kind` and `index` given) or the index to make. */
  index?: number;
  /** What happens next (tc's control action): 'pipe', 'pass', 'drop', 'goto chain 1'... Each kind has tc's default. */
  verdict?: Verdict;
}

/** An action as a caller writes it, by kind: `{ kind: 'mirred', action: 'redirect', dev: 'veth0' }`. */
export type ActionSpec = ActionCommon & (
  | { kind: 'mirred'; action?: 'redirect' | 'mirror'; direction?: 'egress' | 'ingress'; dev?: string | number }
  | {
    kind: 'police'; rate?: number | string; burst?: number | string; mtu?: number | string; peakrate?: number | string; avrate?: number | string;
    overhead?: number; mpu?: number | string; linklayer?: 'ethernet' | 'atm'; exceed?: Verdict; conform?: Verdict;
    /** A packet policer instead of a byte one: packets per second, and the bucket in packets. */
    pktRate?: number; pktBurst?: number;
  }
  | { kind: 'gact'; random?: { type?: 'netrand' | 'determ'; value: number; verdict: Verdict } }
  | { kind: 'skbedit'; priority?: string | number; mark?: number | string; queueMapping?: number; ptype?: 'host' | 'otherhost' | 'broadcast' | 'multicast' }
  | { kind: 'vlan'; action?: 'push' | 'pop' | 'modify'; id?: number; protocol?: '802.1q' | '802.1ad' | number; priority?: number }
  | { kind: 'tunnel_key'; action?: 'set' | 'unset'; src?: string; dst?: string; id?: number; dstPort?: number; tos?: number; ttl?: number; csum?: boolean }
  | { kind: 'pedit'; keys?: PeditKey[] }
);

/**
 * struct tcf_t's times are clock_t ticks ago (USER_HZ, 100 a second: jiffies_to_clock_t in
 * act_api.c tcf_tm_dump), as ms; a time the kernel left 0 (never used, no expiry) is absent.
 */
function ageOf(tm: TcfTStruct): ActionAge {
  const ms = (v: bigint) => Number(v) * 10;
  const age: ActionAge = { installed: ms(tm.install), lastUsed: ms(tm.lastuse) };
  if (tm.firstuse) age.firstUsed = ms(tm.firstuse);
  if (tm.expires) age.expires = ms(tm.expires);
  return age;
}

/** How long ago an action was installed, last and first used (ms), as `tc -s` shows (in seconds). */
export interface ActionAge {
  installed: number;
  lastUsed: number;
  firstUsed?: number;
  expires?: number;
}

/** <linux/pkt_cls.h> TCA_ACT_FLAGS_NO_PERCPU_STATS, TCA_ACT_FLAGS_SKIP_HW, TCA_ACT_FLAGS_SKIP_SW. */
const ACT_FLAGS: readonly [number, 'noPercpu' | 'skipHw' | 'skipSw'][] = [[1, 'noPercpu'], [2, 'skipHw'], [4, 'skipSw']];

/** <linux/pkt_cls.h> TCA_ACT_HW_STATS_IMMEDIATE, TCA_ACT_HW_STATS_DELAYED. */
const HW_STATS: readonly [number, string][] = [[1, 'immediate'], [2, 'delayed']];

/** An action as the kernel shows it: the kind's fields by their spec names, plus counts. */
export interface Action {
  kind: string;
  index: number;
  verdict: Verdict;
  /** References (filters and the standalone table) and filters bound to it. */
  ref: number;
  bind: number;
  stats?: TcStats;
  age?: ActionAge;
  /** Standalone dumps: how many devices run it in hardware (0: none). Its hardware counters, once the kernel has reported them (a filter's actions too). */
  inHwCount?: number;
  usedHwStats?: string[];
  /** TCA_ACT_FLAGS, each where the kernel's selector names it: per-CPU counters off, kept out of hardware or software. */
  noPercpu?: boolean;
  skipHw?: boolean;
  skipSw?: boolean;
  [field: string]: unknown;
}

const MAX_INDEX = 0xffffffff;

/** The act-attrs for a spec; a spec of only kind and index refers to an existing action. */
export function actionAttrs(scope: Scope, spec: unknown, option = 'action'): ActAttrsSet {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) throw new NetlinkArgumentError(option, 'must be an action object ({ kind, ... })', 'ERR_INVALID_ARG_TYPE');
  const s = spec as Record<string, unknown>;
  const kind = s.kind;
  const k = typeof kind === 'string' ? ACTION_KINDS[kind] : undefined;
  if (!k) throw new NetlinkArgumentError(`${option}.kind`, `must be one of ${Object.keys(ACTION_KINDS).join(', ')}, got ${quote(kind)}`);
  checkSpec(s, option, k.allKeys ??= [...COMMON_KEYS, ...k.keys]);
  const index = s.index === undefined ? 0 : uint(s.index, `${option}.index`, MAX_INDEX, 1);
  if (index && Object.keys(s).length === 2) return { kind, options: k.ref({ index, capab: 0, action: 0, refcnt: 0, bindcnt: 0 }) } as ActAttrsSet;
  const verdict = parseVerdict(s.verdict ?? k.defaultVerdict(s), `${option}.verdict`);
  const gen: TcGenStruct = { index, capab: 0, action: verdict, refcnt: 0, bindcnt: 0 };
  return { kind, options: k.encode(s, gen, scope) } as ActAttrsSet;
}

/** A list of action specs to a filter's `act` indexed array. */
export function actionList(scope: Scope, v: unknown, option = 'actions'): ActAttrsSet[] {
  if (!Array.isArray(v)) throw new NetlinkArgumentError(option, 'must be a list of actions', 'ERR_INVALID_ARG_TYPE');
  if (v.length > 32) throw new NetlinkArgumentError(option, 'has more than 32 actions (TCA_ACT_MAX_PRIO)', 'ERR_OUT_OF_RANGE');
  return v.map((a, i) => actionAttrs(scope, a, `${option}[${i}]`));
}

/** A dumped action as an Action (a kind nlkit has no row for keeps its raw options). */
export function actionObject(a: ActAttrsSet, scope: Scope): Action {
  const k = a.kind === undefined ? undefined : ACTION_KINDS[a.kind];
  const decoded = k ? k.decode(a.options ?? {}, scope) : { fields: { options: a.options } };
  const gen = decoded.gen;
  const out: Action = Object.assign({
    kind: a.kind ?? '', index: gen?.index ?? a.index ?? 0, verdict: verdictName(gen?.action ?? 0), ref: gen?.refcnt ?? 0, bind: gen?.bindcnt ?? 0,
  }, decoded.fields);
  const tm = struct((a.options as { tm?: TcfTStruct | Buffer } | undefined)?.tm);
  if (tm) out.age = ageOf(tm);
  const stats = toStats(a.stats);
  if (stats) out.stats = stats;
  // where the kernel says: offloaded to how many devices (standalone dumps), which hardware counters
  if (a.inHwCount !== undefined) out.inHwCount = a.inHwCount;
  if (a.flags) for (const [bit, key] of ACT_FLAGS) if (a.flags.selector & bit) out[key] = (a.flags.value & bit) !== 0;
  if (a.usedHwStats !== undefined) {
    const names = HW_STATS.filter(([bit]) => a.usedHwStats!.value & bit).map(([, n]) => n);
    out.usedHwStats = names.length ? names : ['disabled'];
  }
  return out;
}

/** Which standalone actions: a kind (required, as `tc actions list action KIND`) and an index. */
export interface ActionRef {
  kind: string;
  index: number;
}

function kindOf(v: unknown, option = 'kind'): string {
  if (typeof v !== 'string' || !/^[a-z_0-9]{1,15}$/.test(v)) throw new NetlinkArgumentError(option, `must be an action kind such as 'mirred', got ${quote(v)}`, typeof v === 'string' ? 'ERR_INVALID_ARG_VALUE' : 'ERR_INVALID_ARG_TYPE');
  return v;
}

function refOf(v: unknown): { kind: string; index: number } {
  const r = checkSpec(v, 'action', ['kind', 'index']);
  return { kind: kindOf(r.kind), index: uint(r.index, 'index', MAX_INDEX, 1) };
}

/** TCA_ACT_FLAG_LARGE_DUMP_ON: many actions per dump message, as tc asks. */
const LARGE_DUMP = 1;


const OPS = {
  /** Standalone actions of a kind (`tc actions list action KIND`). */
  list: (scope: Scope, filter: { kind: string }): Step<Action[]> => {
    const { kind } = checkSpec(filter, 'filter', ['kind']);
    const k = kindOf(kind);
    return opCall(tcFamily, 'getaction', 'dump', { family: AF_UNSPEC, tab: [{ kind: k } as ActAttrsSet], flags: { value: LARGE_DUMP, selector: LARGE_DUMP } }, {
      result: (replies) => replies.flatMap((m) => (m.tab ?? []).map((a) => actionObject(a, scope))),
    });
  },
  /** One standalone action by kind and index (ENOENT when there is none). */
  get: (scope: Scope, ref: ActionRef): Step<Action> => {
    const r = refOf(ref);
    return opCall(tcFamily, 'getaction', 'do', { family: AF_UNSPEC, tab: [r as ActAttrsSet] }, {
      result: (replies) => {
        const a = replies[0]?.tab?.[0];
        if (!a) throw new NetlinkArgumentError('index', `no ${r.kind} action ${r.index} came back`);
        return actionObject(a, scope);
      },
    });
  },
  // `tc actions add` and `replace` (made or changed in place by index), one action or (an array)
  // many in one transaction; `delete action KIND index N` (EPERM while a filter holds it)
  ...writeOps(
    (scope, spec: ActionSpec, flags) => opItem(tcFamily, 'newaction', { family: AF_UNSPEC, tab: [actionAttrs(scope, spec)] }, { flags }),
    (_scope, r: ActionRef) => opItem(tcFamily, 'delaction', { family: AF_UNSPEC, tab: [refOf(r) as ActAttrsSet] }),
    ['add', 'replace'],
  ),
  /** `tc actions flush action KIND`: every unbound action of the kind. */
  flush: (_scope: Scope, filter: { kind: string }) => {
    const { kind } = checkSpec(filter, 'filter', ['kind']);
    return opCall(tcFamily, 'delaction', 'do', { family: AF_UNSPEC, tab: [{ kind: kindOf(kind) } as ActAttrsSet] }, {
      // tc flushes with NLM_F_ROOT on RTM_DELACTION (act_api.c tca_action_gd: n->nlmsg_flags & NLM_F_ROOT)
      flags: NLM_F_ROOT, result: () => undefined,
    });
  },
};


export type Actions = TcOps<typeof OPS, ActionSpec, ActionRef, 'add' | 'replace'>;

export function makeActions(ctx: RouteContext): Actions {
  return bindOps(ctx, OPS) as unknown as Actions;
}
