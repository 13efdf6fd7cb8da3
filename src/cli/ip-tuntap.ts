// `nlkit tuntap` as `ip tuntap`: add, del and list persistent tun/tap devices, over
// nlkit/route's tuntap module.
import { type AccountFile, accountId } from './accounts.js';
import { makeTunTap, type TunMode, type TunTapSpec } from '../route/tuntap.js';
import { type Grammar, type IpEnv, type IpObject, type Parsed, IpUsageError, invalidArgument, keywordsOf, parseKeywords, type Words } from './ip-command.js';
import { printJson, strerror } from './ip-output.js';

/** ip's parse_args, in its order (so `m` is mode and `mu` multi_queue); any other word is the name. */
const ARGS: Grammar = {
  keywords: [
    { names: ['mode'], match: 'prefix', value: true },
    { names: ['user'], match: 'prefix', value: true },
    { names: ['group'], match: 'prefix', value: true },
    { names: ['pi'], match: 'prefix' },
    { names: ['one_queue'], match: 'prefix' },
    { names: ['vnet_hdr'], match: 'prefix' },
    { names: ['multi_queue'], match: 'prefix' },
    { names: ['dev'], match: 'prefix', value: true },
  ],
  positional: { key: 'name', keyword: 'name' },
};

/** A user or group by number or by name, as ip's getpwnam/getgrnam. */
function idOf(text: string, file: AccountFile, what: string): number {
  if (/^\d+$/.test(text)) return Number(text);
  const id = accountId(text, file);
  if (id !== undefined) return id;
  throw new IpUsageError(`invalid ${what} "${text}"`);
}

function modeOf(text: string): TunMode {
  if ('tun'.startsWith(text) && text) return 'tun';
  if ('tap'.startsWith(text) && text) return 'tap';
  throw new IpUsageError(`Unknown tunnel mode "${text}"`);
}

function specOf(p: Parsed): TunTapSpec {
  if (p.mode === undefined) throw new IpUsageError('You failed to specify a tunnel mode', 1);
  const spec: TunTapSpec = { mode: modeOf(p.mode as string) };
  const name = (p.name ?? p.dev) as string | undefined;
  if (name !== undefined) {
    if (!name || Buffer.byteLength(name) > 15 || /[/\s]/.test(name)) throw invalidArgument('"name" not a valid ifname', name);
    spec.name = name;
  }
  if (p.user !== undefined) spec.owner = idOf(p.user as string, '/etc/passwd', 'user');
  if (p.group !== undefined) spec.group = idOf(p.group as string, '/etc/group', 'group');
  if (p.pi) spec.pi = true;
  if (p.vnet_hdr) spec.vnetHdr = true;
  if (p.multi_queue) spec.multiQueue = true;
  return spec;
}

/** The device ioctl's failure as ip prints it: `ioctl(TUNSETIFF): Device or resource busy`. */
async function ioctl<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    const err = e as { code?: string; syscall?: string };
    if (err.syscall?.startsWith('ioctl')) throw new IpUsageError(`${err.syscall}: ${strerror(err.code === 'EEXIST' ? 'EBUSY' : err.code)}`, 1);
    throw e;
  }
}

async function add(words: Words, env: IpEnv): Promise<void> {
  const spec = specOf(parseKeywords(words, ARGS));
  await ioctl(() => makeTunTap(env.route).add(spec));
}

async function del(words: Words, env: IpEnv): Promise<void> {
  const p = parseKeywords(words, ARGS);
  const spec = specOf(p);
  if (spec.name === undefined) throw new IpUsageError('Not enough information: "name" argument is required.', 1);
  await ioctl(() => makeTunTap(env.route).delete(spec.name!));
}

async function list(words: Words, env: IpEnv): Promise<void> {
  const p = parseKeywords(words, ARGS);
  const mode = p.mode === undefined ? undefined : modeOf(p.mode as string);
  const name = (p.name ?? p.dev) as string | undefined;
  const all = (await makeTunTap(env.route).list()).filter((t) => (!mode || t.mode === mode) && (!name || t.ifname === name));
  const rows = all.map((t) => ({ ifname: t.ifname, flags: t.flags, ...(t.owner !== undefined ? { user: t.owner } : {}), ...(t.group !== undefined ? { group: t.group } : {}) }));
  if (env.json) {
    printJson(env, rows);
    return;
  }
  env.out(rows.map((r) => `${r.ifname}: ${r.flags.join(' ')}${r.user !== undefined ? ` user ${r.user}` : ''}${r.group !== undefined ? ` group ${r.group}` : ''}\n`).join(''));
}

const SYNOPSIS = '[ mode { tun | tap } ] [ user USER ] [ group GROUP ] [ one_queue ] [ pi ] [ vnet_hdr ] [ multi_queue ] [ name ] NAME';

export const tuntap: IpObject = {
  name: 'tuntap',
  default: 'show',
  commands: [
    { name: 'add', synopsis: `add ${SYNOPSIS}`, keywords: keywordsOf(ARGS), run: add },
    { name: 'delete', synopsis: `del ${SYNOPSIS}`, keywords: keywordsOf(ARGS), run: del },
    { name: 'show', aliases: ['lst', 'list'], synopsis: 'show [ mode { tun | tap } ] [ name ] NAME', keywords: keywordsOf(ARGS), run: list },
  ],
  where: 'USER  := { STRING | NUMBER }\nGROUP := { STRING | NUMBER }\n',
};
