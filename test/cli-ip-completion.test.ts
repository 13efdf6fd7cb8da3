// `nlkit completion bash|zsh`: scripts generated from the command tables, exercised in bash.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { address } from '../src/cli/ip-address.js';
import { nlkit, ok } from './helpers/cli-run.js';

/** What the bash function offers for a command line (the last word is being completed). */
function complete(script: string, words: string[]): string[] {
  const quoted = words.map((w) => `'${w}'`).join(' ');
  const r = spawnSync('bash', ['-c', `${script}\nCOMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _nlkit; printf '%s\\n' "\${COMPREPLY[@]}"`], { encoding: 'utf8' });
  assert.equal(r.stderr, '');
  return r.stdout.split('\n').filter(Boolean);
}

describe('nlkit completion', () => {
  test('bash: objects, options, commands and keywords from the tables, abbreviations resolved', (t) => {
    if (spawnSync('bash', ['--version']).error) return t.skip('bash is not installed');
    const script = ok(nlkit('completion', 'bash'));
    assert.equal(spawnSync('bash', ['-n'], { input: script }).status, 0, 'the script parses');
    assert.deepEqual(complete(script, ['nlkit', 'ad']), ['address', 'addrlabel']);
    assert.ok(complete(script, ['nlkit', '-']).includes('-netns'));
    assert.deepEqual(complete(script, ['nlkit', '-j', 'a', '']), [...address.commands.map((c) => c.name), 'help']);
    const kw = complete(script, ['nlkit', '-n', 'x', 'n', 'add', '10.0.0.1', '']);
    for (const w of ['lladdr', 'nud', 'dev', 'proxy', 'router']) assert.ok(kw.includes(w), w);
    assert.deepEqual(complete(script, ['nlkit', 'a', 'add', '10.0.0.1/24', 'val']), ['valid_lft']);
    assert.ok(complete(script, ['nlkit', 'a', 's', 'dev', '']).includes('lo'));
    assert.deepEqual(complete(script, ['nlkit', 'completion', '']), ['bash', 'zsh']);
    // the GNU-style groups: words from their usage texts
    assert.deepEqual(complete(script, ['nlkit', 'genl', '']).slice(0, 3), ['list', 'show', 'ctrl']);
    assert.ok(complete(script, ['nlkit', 'ynl', '--sp']).includes('--spec-names'));
    assert.ok(!complete(script, ['nlkit', 'ynl', '--']).some((w) => w.endsWith('-')));
  });

  test('zsh: the same function through bashcompinit; usage errors', () => {
    const zsh = ok(nlkit('completion', 'zsh'));
    assert.match(zsh, /^#compdef nlkit\n/);
    assert.match(zsh, /bashcompinit/);
    assert.ok(zsh.includes(ok(nlkit('completion', 'bash'))));
    const r = nlkit('completion', 'fish');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /unknown shell "fish": bash or zsh/);
  });
});
