// `nlkit audit`: the kernel audit status (as `auditctl -s`), rules (as `auditctl -l`, -a, -d),
// user messages, and records as they are logged.
import {
  Audit, formatRule, parseRule, type AuditEvent, type AuditRecord, type AuditStatus, type AuditStatusChange,
} from '../audit/index.js';
import { Definitions } from '../core/definitions.js';
import { description } from '../ynl/families/audit.js';
import { UsageError, Words } from './args.js';
import { type CommandGroup, type Context, parseGroupArgs, printJson } from './command.js';
import { STREAM_OPTIONS, STREAM_USAGE, streamItems, streamLimits } from './stream.js';

const USAGE = `Usage: nlkit audit status [--json]
       nlkit audit set { enabled 0|1|2 | failure 0|1|2 | rate-limit N | backlog-limit N | backlog-wait-time N }...
       nlkit audit rules [--json]
       nlkit audit rules add RULE...
       nlkit audit rules delete RULE...
       nlkit audit user TEXT
       nlkit audit watch [--auditd] [--records] [--count N] [--duration SECS] [--json]

  status           the kernel's audit status, as auditctl -s prints it
  set              change status fields (auditctl -e, -f, -r, -b, --backlog_wait_time)
  rules            the rules, as auditctl -l prints them; add / delete take auditctl's
                   syntax, one rule per argument: '-a always,exit -F arch=b64 -S openat -k x',
                   '-w /etc/passwd -p wa -k identity'
  user TEXT        log a user message (AUDIT_USER; dropped while audit is disabled)
  watch            records as they are logged (the read-log group, beside any auditd),
                   grouped into events by serial; --records: each record alone;
                   --auditd: register as the audit daemon instead (every record,
                   reliably; refused while auditd runs), unregistered on exit
${STREAM_USAGE}`;

const OPTIONS = [{ name: 'records', type: 'boolean' }, { name: 'auditd', type: 'boolean' }, ...STREAM_OPTIONS] as const;
const defs = new Definitions(description);
const num = (enumName: string, v: string | number): number => (typeof v === 'number' ? v : defs.enum(enumName).byName.get(v) ?? -1);

/** `auditctl -s`'s lines. */
export function statusText(s: AuditStatus): string {
  return [
    `enabled ${num('enabled', s.enabled)}`, `failure ${num('failure', s.failure)}`, `pid ${s.pid}`, `rate_limit ${s.rateLimit}`,
    `backlog_limit ${s.backlogLimit}`, `lost ${s.lost}`, `backlog ${s.backlog}`, `backlog_wait_time ${s.backlogWaitTime}`,
    `backlog_wait_time_actual ${s.backlogWaitTimeActual}`,
  ].join('\n') + '\n';
}

/** A record as audit.log has it. */
export function recordText(r: AuditRecord): string {
  const type = typeof r.recordType === 'string' ? r.recordType.toUpperCase().replace(/-/g, '_') : `UNKNOWN[${r.recordType}]`;
  return `type=${type} msg=audit(${r.time.toFixed(3)}:${r.serial}): ${r.text}\n`;
}

const SETTERS: Record<string, (v: number) => AuditStatusChange> = {
  enabled: (v) => ({ enabled: v === 2 ? 'locked' : v === 1 }),
  failure: (v) => ({ failure: (['silent', 'printk', 'panic'] as const)[v] }),
  'rate-limit': (v) => ({ rateLimit: v }),
  'backlog-limit': (v) => ({ backlogLimit: v }),
  'backlog-wait-time': (v) => ({ backlogWaitTime: v }),
};

function setRequest(words: Words): AuditStatusChange {
  const change: AuditStatusChange = {};
  while (!words.done) {
    const key = words.next('field');
    const setter = SETTERS[key];
    if (!setter) throw new UsageError(`unknown status field "${key}"; fields: ${Object.keys(SETTERS).join(', ')}`);
    const raw = words.next(key);
    const v = Number(raw);
    if (!/^\d+$/.test(raw) || v > 0xffffffff || ((key === 'enabled' || key === 'failure') && v > 2)) throw new UsageError(`${key} needs ${key === 'enabled' || key === 'failure' ? '0, 1 or 2' : 'a non-negative integer'}, got "${raw}"`);
    Object.assign(change, setter(v));
  }
  if (!Object.keys(change).length) throw new UsageError('set needs a field and a value');
  return change;
}

/**
 * Rules given after `rules add|delete`, raw (they start with '-'): one per argument, or one
 * rule spread over several words; a new rule starts at each -a, -A, -d or -w.
 */
export function splitRules(words: readonly string[]): string[] {
  const out: string[] = [];
  for (const w of words.join(' ').split(/\s+/).filter((x) => x)) {
    if (!out.length || /^-[aAdw]$/.test(w)) out.push(w);
    else out[out.length - 1] += ` ${w}`;
  }
  return out;
}

async function rules(a: Audit, words: Words, raw: readonly string[], ctx: Context): Promise<void> {
  const action = words.done ? 'list' : words.next('action');
  if (action === 'list') {
    const list = await a.listRules();
    if (ctx.json) printJson(ctx, list);
    else ctx.out(list.length ? list.map((r) => formatRule(r) + '\n').join('') : 'No rules\n');
    return;
  }
  if (action !== 'add' && action !== 'delete') throw new UsageError(`rules takes list, add or delete, got "${action}"`);
  const texts = splitRules(raw);
  if (!texts.length) throw new UsageError(`rules ${action} needs a rule in auditctl's syntax`);
  const parsed = texts.map((t) => parseRule(t)); // all checked before any is sent
  for (const r of parsed) await (action === 'add' ? a.addRule(r) : a.deleteRule(r));
}

export const audit: CommandGroup = {
  name: 'audit',
  usage: USAGE,
  async run(argv, ctx) {
    // rules after `rules add|delete` are auditctl's words, options included: not ours to parse
    const at = argv.findIndex((w, i) => (w === 'add' || w === 'delete') && argv[i - 1] === 'rules');
    const raw = at < 0 ? [] : argv.slice(at + 1);
    const { options, positionals } = parseGroupArgs(at < 0 ? argv : argv.slice(0, at + 1), ctx, OPTIONS);
    const words = new Words(positionals);
    const cmd = words.done ? 'status' : words.next('command');
    const limits = streamLimits(options);
    const change = cmd === 'set' ? setRequest(words) : undefined;
    if (cmd === 'user' && positionals.length !== 2) throw new UsageError('user takes one TEXT argument (quote it)');
    if (!['status', 'set', 'rules', 'user', 'watch'].includes(cmd)) throw new UsageError(`unknown command "${cmd}"`);
    const a = Audit.open();
    try {
      switch (cmd) {
        case 'status': {
          const s = await a.status();
          if (ctx.json) printJson(ctx, s);
          else ctx.out(statusText(s));
          return;
        }
        case 'set': return void (await a.setStatus(change!));
        case 'rules': return await rules(a, words, raw, ctx);
        case 'user': return void (await a.user(words.next('text')));
        case 'watch': {
          const mode = options.auditd ? 'auditd' : 'readlog';
          if (options.records) return await streamItems(ctx, 'audit', a.watch({ mode, group: false }), limits, recordText);
          return await streamItems(ctx, 'audit', a.watch({ mode }), limits, (ev: AuditEvent) => ev.records.map(recordText).join('') + '----\n');
        }
      }
    } finally {
      a.close();
    }
  },
};
