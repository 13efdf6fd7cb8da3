// `nlkit genl`: generic netlink families, as `genl ctrl list` / `genl ctrl get` print them.
import { NetlinkError } from '../core/errors.js';
import { GENL_ADMIN_PERM, GENL_CMD_CAP_DO, GENL_CMD_CAP_DUMP, GENL_CMD_CAP_HASPOL, GenericNetlink, type GenlFamily, opFlagNames } from '../genl/index.js';
import { matchKeyword, UsageError, Words } from './args.js';
import { type CommandGroup, CommandError, type Context, parseGroupArgs, printJson } from './command.js';

const USAGE = `Usage: nlkit genl list [--json] [--pretty] [--details]
       nlkit genl show [NAME] [--json] [--pretty] [--details]
       nlkit genl ctrl { list | show | get { name NAME | id ID } }
       nlkit genl help

  list             every generic netlink family: id, version, operations, multicast groups
  show NAME        one family (all of them without NAME)
  ctrl ...         the same, in iproute2's spelling (genl ctrl list, genl ctrl get name NAME)

  -j, --json       print JSON: an array of families (list) or one family (show NAME)
  -p, --pretty     indent the JSON
  -d, --details    print every operation's capabilities, whatever the family's version
                   (genl ctrl prints them only for families of version 2 or later)
`;

/** A family as `nlkit genl --json` prints it: flags by name. */
export interface FamilyJson {
  id: number;
  name: string;
  version: number;
  hdrsize: number;
  maxattr: number;
  ops: { id: number; flags: string[] }[];
  mcastGroups: { name: string; id: number }[];
}

export function familyJson(f: GenlFamily): FamilyJson {
  return {
    id: f.id,
    name: f.name,
    version: f.version,
    hdrsize: f.hdrsize,
    maxattr: f.maxattr,
    ops: f.ops.map((op) => ({ id: op.id, flags: opFlagNames(op.flags) })),
    mcastGroups: f.mcastGroups.map((g) => ({ name: g.name, id: g.id })),
  };
}

const hex = (n: number): string => `0x${n.toString(16)}`;

/** iproute2's print_ctrl_cmd_flags(). GENL_UNS_ADMIN_PERM has no text there. */
function capabilities(flags: number): string {
  let s = `\n\t\tCapabilities (${hex(flags)}):\n `;
  if (!flags) return s + '\n';
  s += '\t\t ';
  if (flags & GENL_ADMIN_PERM) s += ' requires admin permission;';
  if (flags & GENL_CMD_CAP_DO) s += ' can doit;';
  if (flags & GENL_CMD_CAP_DUMP) s += ' can dumpit;';
  if (flags & GENL_CMD_CAP_HASPOL) s += ' has policy';
  return s + '\n';
}

/**
 * One family, byte for byte as iproute2's `genl ctrl list` prints it (genl/ctrl.c,
 * print_ctrl()), odd whitespace included. Like genl, capabilities are shown only for
 * families of version 2 or later (genl compares the family's version, not the
 * controller's), unless `details` is set.
 */
export function formatFamily(f: GenlFamily, details = false): string {
  let s = `\nName: ${f.name}\n`;
  s += `\tID: ${hex(f.id)} `;
  s += ` Version: ${hex(f.version)} `;
  s += ` header size: ${f.hdrsize} `;
  s += ` max attribs: ${f.maxattr} `;
  s += '\n';
  if (f.ops.length) {
    s += '\tcommands supported: \n';
    f.ops.forEach((op, i) => {
      s += `\t\t#${i + 1}: `;
      s += ` ID-${hex(op.id)} `;
      if (details || f.version >= 2) s += capabilities(op.flags);
      s += '\n';
    });
    s += '\n';
  }
  if (f.mcastGroups.length) {
    s += '\tmulticast groups:\n';
    f.mcastGroups.forEach((g, i) => {
      s += `\t\t#${i + 1}: `;
      s += ` ID-${hex(g.id)} `;
      s += ` name: ${g.name} `;
      s += '\n';
    });
    s += '\n';
  }
  return s;
}

function withSocket<T>(fn: (g: GenericNetlink) => T): T {
  let g: GenericNetlink;
  try {
    g = GenericNetlink.open();
  } catch (e) {
    throw new CommandError(`cannot open a generic netlink socket: ${(e as Error).message}`, { cause: e });
  }
  try {
    return fn(g);
  } finally {
    g.close();
  }
}

function listFamilies(): GenlFamily[] {
  return withSocket((g) => {
    try {
      return [...g.listFamiliesSync()];
    } catch (e) {
      if (e instanceof NetlinkError) throw new CommandError(`listing families: ${e.message}`, { cause: e });
      throw e;
    }
  });
}

function checkFamilyName(name: string): void {
  // GENL_NAMSIZ is 16, NUL included.
  if (name.length === 0 || name.length > 15) throw new UsageError(`family name "${name}" must be 1 to 15 characters long`);
}

function getFamilyByName(name: string): GenlFamily {
  checkFamilyName(name);
  return withSocket((g) => {
    try {
      return g.getFamilySync(name);
    } catch (e) {
      if (e instanceof NetlinkError) throw new CommandError(`family ${JSON.stringify(name)}: ${e.message}`, { cause: e });
      throw e;
    }
  });
}

function getFamilyById(word: string): GenlFamily {
  // get_u16(..., 0) in iproute2: decimal, 0x hex or 0 octal.
  const id = /^0[0-7]+$/.test(word) ? parseInt(word, 8) : /^(0x[0-9a-f]+|\d+)$/i.test(word) ? Number(word) : NaN;
  if (!Number.isInteger(id) || id < 0 || id > 0xffff) throw new UsageError(`"${word}" is not a valid family id`);
  return withSocket((g) => {
    try {
      return g.getFamilyByIdSync(id);
    } catch (e) {
      if (e instanceof NetlinkError) throw new CommandError(`family id ${hex(id)}: ${e.message}`, { cause: e });
      throw e;
    }
  });
}

function printList(ctx: Context, families: GenlFamily[]): void {
  if (ctx.json) printJson(ctx, families.map(familyJson));
  else ctx.out(families.map((f) => formatFamily(f, ctx.details)).join(''));
}

function printOne(ctx: Context, f: GenlFamily): void {
  if (ctx.json) printJson(ctx, familyJson(f));
  else ctx.out(formatFamily(f, ctx.details));
}

const COMMANDS = [
  { name: 'list', aliases: ['ls', 'lst', 'dump'] },
  { name: 'show', aliases: ['get'] },
  { name: 'ctrl' },
  { name: 'help' },
];

const CTRL_COMMANDS = [
  { name: 'list', aliases: ['ls', 'lst', 'show', 'dump'] },
  { name: 'get' },
  { name: 'help' },
];

function unknown(word: string, what: string): UsageError {
  return new UsageError(`unknown ${what} "${word}"`);
}

/** `ctrl list`, `ctrl get name NAME`, `ctrl get id ID`. */
function runCtrl(words: Words, ctx: Context): void {
  const word = words.optional() ?? 'list';
  const cmd = matchKeyword(word, CTRL_COMMANDS);
  switch (cmd) {
    case 'list':
      words.end();
      printList(ctx, listFamilies());
      return;
    case 'get': {
      const key = words.next('"name NAME" or "id ID"');
      if (key === 'name') {
        const name = words.next('family name');
        words.end();
        printOne(ctx, getFamilyByName(name));
      } else if (key === 'id') {
        const id = words.next('family id');
        words.end();
        printOne(ctx, getFamilyById(id));
      } else {
        throw new UsageError(`expected "name NAME" or "id ID", got "${key}"`);
      }
      return;
    }
    case 'help':
      ctx.out(USAGE);
      return;
    default:
      throw unknown(word, 'ctrl command');
  }
}

export const genl: CommandGroup = {
  name: 'genl',
  usage: USAGE,
  run(argv, ctx) {
    const words = new Words(parseGroupArgs(argv, ctx).positionals);
    const word = words.optional() ?? 'list';
    const cmd = matchKeyword(word, COMMANDS);
    switch (cmd) {
      case 'list':
        words.end();
        printList(ctx, listFamilies());
        return;
      case 'show': {
        const name = words.optional();
        words.end();
        if (name === undefined) printList(ctx, listFamilies());
        else printOne(ctx, getFamilyByName(name));
        return;
      }
      case 'ctrl':
        runCtrl(words, ctx);
        return;
      case 'help':
        ctx.out(USAGE);
        return;
      default:
        throw unknown(word, 'genl command');
    }
  },
};

export default genl;
