// `nlkit conntrack -I expect`: an expectation created from the options conntrack-tools 1.4.7
// takes for it (-p, -s/-d and --sport/--dport of the master, --tuple-*, --mask-*, -t), with
// the tool's rules of which options a create needs and which it refuses, and its exit
// statuses: 2 for a command-line problem, 1 when the kernel refuses.
import { AF_INET6 } from '../core/rtnetlink.js';
import { NetlinkArgumentError } from '../core/errors.js';
import type { Conntrack } from '../netfilter/conntrack.js';
import type { CtExpectSpec } from '../netfilter/ct-expect.js';
import { hasPorts, protocolWord, type CtTuple } from '../netfilter/ct-entry.js';
import { parsePrefix, prefixMaskText } from '../route/inet.js';
import type { Context } from './command.js';

/** conntrack's PARAMETER_PROBLEM and OTHER_PROBLEM exit statuses. */
const PARAMETER_PROBLEM = 2;
const OTHER_PROBLEM = 1;

class ParameterProblem extends Error {}

/** Long names an option also has (conntrack's aliases), folded into the first. */
const ALIASES: Record<string, readonly string[]> = {
  src: ['orig-src'], dst: ['orig-dst'], sport: ['orig-port-src'], dport: ['orig-port-dst'],
};

// The tool's table for EXP_CREATE: 'need' must be given, 'may' may be; any other option is
// illegal with this command. -r, -q, -u and the reply ports are accepted as the tool accepts
// them but change nothing (the kernel finds the master by its original tuple).
const NEED = ['proto', 'src', 'dst', 'timeout', 'tuple-src', 'tuple-dst', 'mask-src', 'mask-dst'];
const MAY = ['reply-src', 'reply-dst', 'status', 'create', 'netns', 'json', 'output',
  // nlkit's: the kernel takes them (CTA_EXPECT_ZONE, CTA_EXPECT_HELP_NAME); the tool has no option
  'zone', 'helper'];
// with a protocol that has ports (the tool's tcp/udp/sctp/dccp/udplite extensions)
const PORT_NEED = ['sport', 'dport', 'tuple-port-src', 'tuple-port-dst', 'mask-port-src', 'mask-port-dst'];
const PORT_MAY = ['reply-port-src', 'reply-port-dst'];

/** --tuple-src ADDR/LEN also gives --mask-src (as the tool's man page says). */
const IMPLIED_MASK: Record<string, string> = { 'tuple-src': 'mask-src', 'tuple-dst': 'mask-dst' };

function portNumber(v: string, option: string): number {
  if (!/^\d+$/.test(v) || Number(v) > 0xffff) throw new ParameterProblem(`--${option} needs a port (0-65535), got "${v}"`);
  return Number(v);
}

/** An address option's value, and the mask its /LEN gives (if it has one). */
function address(v: string, option: string): { addr: string; mask?: string } {
  try {
    const p = parsePrefix(v, option);
    if (!v.includes('/')) return { addr: p.address };
    if (!(option in IMPLIED_MASK)) throw new ParameterProblem(`--${option} takes an address, got "${v}"`);
    return { addr: p.address, mask: prefixMaskText(p.len, p.family === AF_INET6) };
  } catch (e) {
    if (e instanceof NetlinkArgumentError) throw new ParameterProblem(`Invalid IP address \`${v}'.`);
    throw e;
  }
}

/** The spec the options describe; ParameterProblem for what the tool would refuse. */
export function expectSpec(given: Record<string, unknown>): CtExpectSpec {
  const o: Record<string, string> = {};
  for (const [k, v] of Object.entries(given)) {
    if (v === undefined || v === false) continue;
    const name = Object.keys(ALIASES).find((a) => ALIASES[a].includes(k)) ?? k;
    o[name] = String(v);
  }
  const proto = o.proto === undefined ? undefined : protocolWord(o.proto);
  const ports = proto !== undefined && hasPorts(proto);
  const need = [...NEED, ...(ports ? PORT_NEED : [])];
  const legal = new Set([...need, ...MAY, ...(ports ? PORT_MAY : [])]);
  for (const k of Object.keys(o)) if (!legal.has(k)) throw new ParameterProblem(`Illegal option \`--${k}' with this command`);
  const addrs: Record<string, string> = {};
  for (const k of ['src', 'dst', 'tuple-src', 'tuple-dst', 'mask-src', 'mask-dst', 'reply-src', 'reply-dst']) {
    if (o[k] === undefined) continue;
    const a = address(o[k], k);
    addrs[k] = a.addr;
    // an explicit --mask-* wins over the one a /LEN implies
    if (a.mask !== undefined && o[IMPLIED_MASK[k]] === undefined) addrs[IMPLIED_MASK[k]] = a.mask;
  }
  for (const k of need) if (o[k] === undefined && addrs[k] === undefined) throw new ParameterProblem(`You need to supply the \`--${k}' option for this command`);
  const port = (k: string) => (ports ? { [k.endsWith('src') || k === 'sport' ? 'sport' : 'dport']: portNumber(o[k], k) } : {});
  const tuple = (src: string, dst: string, sport: string, dport: string): CtTuple => ({ src: addrs[src], dst: addrs[dst], ...port(sport), ...port(dport) });
  if (!/^\d+$/.test(o.timeout)) throw new ParameterProblem(`--timeout needs a number of seconds, got "${o.timeout}"`);
  for (const k of ['reply-port-src', 'reply-port-dst']) if (o[k] !== undefined) portNumber(o[k], k);
  const spec: CtExpectSpec = {
    protocol: /^\d+$/.test(o.proto) ? Number(o.proto) : o.proto,
    master: tuple('src', 'dst', 'sport', 'dport'),
    tuple: tuple('tuple-src', 'tuple-dst', 'tuple-port-src', 'tuple-port-dst'),
    mask: tuple('mask-src', 'mask-dst', 'mask-port-src', 'mask-port-dst'),
    timeout: Number(o.timeout),
  };
  if (o.zone !== undefined) {
    if (!/^\d+$/.test(o.zone)) throw new ParameterProblem(`--zone needs a number, got "${o.zone}"`);
    spec.zone = Number(o.zone);
  }
  if (o.helper !== undefined) spec.helper = o.helper;
  return spec;
}

/** What the kernel's refusals mean for an expectation (the tool's words where it has some). */
const KERNEL_ERRORS: Record<string, string> = {
  ENOENT: 'master conntrack not found',
  EEXIST: 'an expectation for this tuple exists',
  EOPNOTSUPP: 'the master conntrack has no helper (or no such helper)',
  EBUSY: 'the tuple clashes with an expectation of another master',
  EINVAL: 'invalid parameters',
};

/** Prints a command-line problem as the tool does; its exit status. */
export function parameterProblem(ctx: Context, message: string): number {
  ctx.err(`nlkit: conntrack: ${message}\nTry \`nlkit conntrack help' for more information.\n`);
  return PARAMETER_PROBLEM;
}

/** Whether a command line is -I expect (answered with the tool's statuses even before it parses). */
export const isExpectCreate = (argv: readonly string[]): boolean => argv.includes('expect') && (argv.includes('-I') || argv.includes('--create'));

/** Runs -I expect; resolves to the tool's exit status (its message on stderr). */
export async function createExpectation(ct: Conntrack, options: Record<string, unknown>, ctx: Context): Promise<number> {
  let spec: CtExpectSpec;
  try {
    spec = expectSpec(options);
  } catch (e) {
    if (!(e instanceof ParameterProblem)) throw e;
    return parameterProblem(ctx, e.message);
  }
  try {
    await ct.expectations.create(spec);
  } catch (e) {
    if (e instanceof NetlinkArgumentError) return parameterProblem(ctx, e.message);
    const code = (e as { code?: string }).code;
    const why = (code && KERNEL_ERRORS[code]) ?? (e as Error).message;
    ctx.err(`nlkit: conntrack: Operation failed: ${why}${code && KERNEL_ERRORS[code] ? ` (${code})` : ''}\n`);
    return OTHER_PROBLEM;
  }
  // as the tool: a created expectation prints nothing
  return 0;
}
