// Every rtnetlink constant nlkit exports is checked against the installed uapi headers: a C
// program including them prints each name's value (the compiler evaluates enums and
// expressions like 1<<16, which a regex over the .h files would have to imitate).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { compilerAvailable } from './helpers/cc.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as rtnetlink from '../src/core/rtnetlink.js';
import * as core from '../src/core/index.js';
import * as root from '../src/index.js';

const HEADERS = ['sys/socket.h', 'linux/rtnetlink.h', 'linux/if.h'];


/** name -> value as the headers define it, for every name given. */
function headerValues(names: readonly string[]): Map<string, bigint> {
  const dir = mkdtempSync(join(tmpdir(), 'nlkit-uapi-'));
  try {
    const src = [
      ...HEADERS.map((h) => `#include <${h}>`),
      '#include <stdio.h>',
      'int main(void) {',
      ...names.map((n) => `  printf("%s %lld\\n", "${n}", (long long)(${n}));`),
      '  return 0;',
      '}',
    ].join('\n');
    writeFileSync(join(dir, 'values.c'), src);
    execFileSync('cc', ['-o', join(dir, 'values'), join(dir, 'values.c')], { stdio: ['ignore', 'ignore', 'pipe'] });
    const out = execFileSync(join(dir, 'values'), { encoding: 'utf8' });
    return new Map(out.trim().split('\n').map((line) => {
      const [name, value] = line.split(' ');
      return [name, BigInt(value)];
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('rtnetlink constants: every exported value is the uapi headers\' value', (t) => {
  if (!compilerAvailable()) return t.skip('needs a C compiler (cc) to evaluate the uapi headers');
  const names = Object.keys(rtnetlink);
  assert.ok(names.length > 150, `${names.length} names`);
  let values: Map<string, bigint>;
  try {
    values = headerValues(names);
  } catch (e) {
    // the compiler names the constant the installed headers lack
    throw new Error(`a constant is missing from ${HEADERS.join(', ')}: ${String((e as { stderr?: Buffer }).stderr ?? e)}`);
  }
  const wrong = names.filter((n) => values.get(n) !== BigInt((rtnetlink as Record<string, number>)[n]))
    .map((n) => `${n}: nlkit ${(rtnetlink as Record<string, number>)[n]}, header ${values.get(n)}`);
  assert.deepEqual(wrong, []);
});

test('rtnetlink constants: exported from nlkit/core and the package root', () => {
  for (const [name, value] of Object.entries(rtnetlink)) {
    assert.equal((core as Record<string, unknown>)[name], value, `nlkit/core ${name}`);
    assert.equal((root as Record<string, unknown>)[name], value, `nlkit ${name}`);
  }
  // the groups are numbers for events({ groups }), not RTMGRP_* masks
  assert.equal(core.RTNLGRP_IPV4_ROUTE, 7);
  assert.equal(core.AF_INET6, 10);
});
