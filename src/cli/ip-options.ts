// ip's global options, with ip's spellings: one dash (two work too), any prefix of the name,
// the first option in ip's order that the word is a prefix of winning (`-n` is -netns, `-s`
// -stats, `-b` -batch, `-br` -brief, `-f` -family, `-fo` -force), as iproute2's ip/ip.c reads
// them. They come before the object: `nlkit -j -n blue address show`.
import { type IpFlags, IpUsageError, isPrefix } from './ip-command.js';

export type { IpFlags };

interface IpOption {
  /** Without the dash; any prefix matches unless `exact`. */
  name: string;
  exact?: boolean;
  /** Takes the next word. */
  value?: boolean;
  /** For help texts and completion; undefined: accepted for ip's sake but not listed. */
  help?: string;
  apply(f: IpFlags, v: string): void;
}

/** ip -family's words and -4/-6/-0/-M/-B's. */
export const FAMILIES = ['inet', 'inet6', 'link', 'bridge', 'mpls', 'help'] as const;

const setFamily = (f: IpFlags, v: string) => {
  if (v === 'help' || !FAMILIES.includes(v as (typeof FAMILIES)[number]))
    throw new IpUsageError(v === 'help' ? 'Usage: nlkit -family { inet | inet6 | link | bridge | mpls }' : `Error: argument "${v}" is wrong: invalid protocol family`);
  f.family = v;
};
const ignored = () => {};

/** In ip's order (ip/ip.c main): the order decides what a prefix means. */
export const IP_OPTIONS: readonly IpOption[] = [
  { name: 'loops', value: true, apply: ignored },
  { name: 'family', value: true, help: '-f, -family FAMILY   inet, inet6, link, bridge or mpls', apply: setFamily },
  { name: '4', exact: true, help: '-4                   IPv4 only (-family inet)', apply: (f) => void (f.family = 'inet') },
  { name: '6', exact: true, help: '-6                   IPv6 only (-family inet6)', apply: (f) => void (f.family = 'inet6') },
  { name: '0', exact: true, apply: (f) => void (f.family = 'link') },
  { name: 'M', exact: true, apply: (f) => void (f.family = 'mpls') },
  { name: 'B', exact: true, apply: (f) => void (f.family = 'bridge') },
  { name: 'human', apply: ignored },
  { name: 'human-readable', apply: ignored },
  { name: 'iec', apply: ignored },
  { name: 'stats', help: '-s, -stats           statistics (twice: more)', apply: (f) => void f.stats++ },
  { name: 'statistics', apply: (f) => void f.stats++ },
  { name: 'details', help: '-d, -details         details', apply: (f) => void f.details++ },
  { name: 'resolve', apply: ignored },
  { name: 'oneline', help: '-o, -oneline         one line per record', apply: (f) => void (f.oneline = true) },
  { name: 'timestamp', apply: ignored },
  { name: 'tshort', apply: ignored },
  { name: 'Version', help: '-V, -Version         print the version', apply: (f) => void (f.version = true) },
  { name: 'force', help: '-force               -batch: go on after a failed line', apply: (f) => void (f.force = true) },
  { name: 'batch', value: true, help: '-b, -batch FILE      commands from FILE, one a line (- : stdin)', apply: (f, v) => void (f.batch = v) },
  { name: 'brief', help: '-br, -brief          one line per object, few fields', apply: (f) => void (f.brief = true) },
  { name: 'json', help: '-j, -json            JSON output, as ip -j', apply: (f) => void (f.json = true) },
  { name: 'pretty', help: '-p, -pretty          indented JSON', apply: (f) => void (f.pretty = true) },
  { name: 'rcvbuf', value: true, apply: ignored },
  { name: 'color', apply: ignored },
  { name: 'help', help: '-help                this text', apply: (f) => void (f.help = true) },
  { name: 'netns', value: true, help: '-n, -netns NETNS     work in network namespace NETNS', apply: (f, v) => void (f.netns = v) },
  { name: 'Numeric', apply: ignored },
  { name: 'all', apply: ignored },
  { name: 'echo', exact: true, apply: ignored },
  // nlkit's own GNU spellings, kept for scripts written against earlier versions
  { name: 'version', exact: true, apply: (f) => void (f.version = true) },
];

export function emptyFlags(): IpFlags {
  return { json: false, pretty: false, details: 0, stats: 0, oneline: false, brief: false, force: false, help: false, version: false };
}

/** `-color=auto` and the like: ip's options with an `=value` glued on. */
const GLUED = /^(color|colour)=/;

/**
 * Reads options up to the first word that is not one (the object); returns the rest.
 * Unknown options: ip's message and status (255).
 */
export function parseIpOptions(argv: readonly string[], flags: IpFlags = emptyFlags()): { flags: IpFlags; rest: string[] } {
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      i++;
      break;
    }
    if (arg.length < 2 || arg[0] !== '-') break;
    const word = arg.startsWith('--') ? arg.slice(2) : arg.slice(1);
    if (GLUED.test(word)) continue;
    const opt = IP_OPTIONS.find((o) => (o.exact ? word === o.name : isPrefix(word, o.name)));
    if (!opt) throw new IpUsageError(`Option "${arg}" is unknown, try "nlkit -help".`);
    let value = '';
    if (opt.value) {
      if (i + 1 >= argv.length) throw new IpUsageError('Command line is not complete. Try option "help"');
      value = argv[++i];
    }
    opt.apply(flags, value);
  }
  return { flags, rest: argv.slice(i) };
}

/** The options part of `nlkit -help`. */
export function optionsHelp(): string {
  return IP_OPTIONS.filter((o) => o.help).map((o) => `  ${o.help}`).join('\n');
}

/** Every option spelling its help line shows (`-n`, `-netns`...), for completion. */
export function optionWords(): string[] {
  return IP_OPTIONS.flatMap((o) => (o.help ? o.help.split(/\s{2,}/)[0].split(/[\s,]+/).filter((w) => w.startsWith('-')) : []));
}
