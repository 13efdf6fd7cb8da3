// nlkit's own sock_diag specs checked against the uapi headers: a C program prints each
// struct's size and each member's offset and size, and the members' values read from a struct
// filled with a byte pattern; the spec's structs must lay out and decode the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { compilerAvailable } from './helpers/cc.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StructType, type Member } from '../src/core/struct.js';
import { Family } from '../src/ynl/family.js';
import type { FamilyDescription } from '../src/ynl/schema.js';
import { description as inetDiag } from '../src/ynl/families/sock_diag_inet.js';
import { description as unixDiag } from '../src/ynl/families/sock_diag_unix.js';
import { description as netlinkDiag } from '../src/ynl/families/sock_diag_netlink.js';
import { description as packetDiag } from '../src/ynl/families/sock_diag_packet.js';
import { compileFilter } from '../src/diag/bytecode.js';

const HEADERS = ['stddef.h', 'stdio.h', 'string.h', 'arpa/inet.h', 'linux/inet_diag.h', 'linux/unix_diag.h', 'linux/netlink_diag.h', 'linux/packet_diag.h', 'linux/sock_diag.h', 'linux/tcp.h', 'linux/filter.h'];

interface Layout {
  desc: FamilyDescription;
  spec: string;
  c: string;
  /** Spec member -> C member (default: dashes to underscores); null: a bitfield byte, at `bitfieldAt`. */
  names?: Record<string, string | null>;
  bitfieldAt?: Record<string, string>;
}

const SOCKID = { sport: 'idiag_sport', dport: 'idiag_dport', src: 'idiag_src', dst: 'idiag_dst', if: 'idiag_if', cookie: 'idiag_cookie' };
const LAYOUTS: Layout[] = [
  { desc: inetDiag, spec: 'inet-diag-sockid', c: 'struct inet_diag_sockid', names: SOCKID },
  { desc: inetDiag, spec: 'inet-diag-req-v2', c: 'struct inet_diag_req_v2', names: { 'raw-protocol': 'pad' } },
  { desc: inetDiag, spec: 'inet-diag-msg', c: 'struct inet_diag_msg' },
  { desc: inetDiag, spec: 'inet-diag-bc-op', c: 'struct inet_diag_bc_op' },
  { desc: inetDiag, spec: 'inet-diag-hostcond', c: 'struct inet_diag_hostcond' },
  { desc: inetDiag, spec: 'inet-diag-markcond', c: 'struct inet_diag_markcond' },
  { desc: inetDiag, spec: 'inet-diag-meminfo', c: 'struct inet_diag_meminfo' },
  { desc: inetDiag, spec: 'tcpvegas-info', c: 'struct tcpvegas_info' },
  { desc: inetDiag, spec: 'tcp-dctcp-info', c: 'struct tcp_dctcp_info' },
  { desc: inetDiag, spec: 'tcp-bbr-info', c: 'struct tcp_bbr_info' },
  {
    desc: inetDiag, spec: 'tcp-info', c: 'struct tcp_info', names: { 'tcpi-wscale': null, 'tcpi-rate-flags': null, 'tail': null },
    bitfieldAt: { 'tcpi-wscale': 'offsetof(struct tcp_info, tcpi_options) + 1', 'tcpi-rate-flags': 'offsetof(struct tcp_info, tcpi_options) + 2', 'tail': 'sizeof(struct tcp_info)' },
  },
  {
    desc: inetDiag, spec: 'inet-diag-sockopt', c: 'struct inet_diag_sockopt', names: { flags: null, flags2: null },
    bitfieldAt: { flags: '0', flags2: '1' },
  },
  { desc: unixDiag, spec: 'unix-diag-req', c: 'struct unix_diag_req' },
  { desc: unixDiag, spec: 'unix-diag-msg', c: 'struct unix_diag_msg' },
  { desc: unixDiag, spec: 'unix-diag-vfs', c: 'struct unix_diag_vfs' },
  { desc: unixDiag, spec: 'unix-diag-rqlen', c: 'struct unix_diag_rqlen' },
  { desc: netlinkDiag, spec: 'netlink-diag-req', c: 'struct netlink_diag_req' },
  { desc: netlinkDiag, spec: 'netlink-diag-msg', c: 'struct netlink_diag_msg' },
  { desc: netlinkDiag, spec: 'netlink-diag-ring', c: 'struct netlink_diag_ring' },
  { desc: packetDiag, spec: 'packet-diag-req', c: 'struct packet_diag_req' },
  { desc: packetDiag, spec: 'packet-diag-msg', c: 'struct packet_diag_msg' },
  { desc: packetDiag, spec: 'packet-diag-info', c: 'struct packet_diag_info' },
  { desc: packetDiag, spec: 'packet-diag-mclist', c: 'struct packet_diag_mclist' },
  { desc: packetDiag, spec: 'packet-diag-ring', c: 'struct packet_diag_ring' },
  { desc: packetDiag, spec: 'sock-filter', c: 'struct sock_filter' },
];

const cName = (l: Layout, m: Member): string | null => (l.names && m.name in l.names ? l.names[m.name] : m.name.replace(/-/g, '_'));

/** A C expression for a member's value in `s`, as nlkit shows it (network order turned, two-u32 cookies joined). */
function cValue(m: Member, c: string): string | undefined {
  if (m.array || m.type === 'binary' || m.type === 'string' || m.type === 'pad') return undefined;
  if (m.type === 'u64' && m.key === 'cookie' || /cookie$/.test(c)) return `((unsigned long long)s.${c}[1] << 32 | s.${c}[0])`;
  if (m.bigEndian) return m.type === 'u16' ? `(unsigned long long)ntohs(s.${c})` : `(unsigned long long)ntohl(s.${c})`;
  // signed members come out as the two's complement's unsigned value, and are compared so
  return `(unsigned long long)s.${c}`;
}


function cProgram(): string {
  const lines = [...HEADERS.map((h) => `#include <${h}>`), 'int main(void) {', '  unsigned char b[512];'];
  for (const l of LAYOUTS) {
    const st = Family.from(l.desc).struct(l.spec);
    lines.push(`  printf("S ${l.spec} %zu\\n", sizeof(${l.c}));`);
    lines.push('  { ' + `${l.c} s; for (int i = 0; i < (int)sizeof(s); i++) b[i] = (unsigned char)(i * 7 + 1); memcpy(&s, b, sizeof(s));`);
    lines.push(`    printf("B ${l.spec} "); for (int i = 0; i < (int)sizeof(s); i++) printf("%02x", b[i]); printf("\\n");`);
    for (const m of st.members) {
      if (m.type === 'pad') continue;
      const c = cName(l, m);
      if (c === null) {
        lines.push(`    printf("M ${l.spec} ${m.name} %zu 1\\n", (size_t)(${l.bitfieldAt![m.name]}));`);
        continue;
      }
      const size = m.array ? `sizeof(s.${c}[0])` : `sizeof(s.${c})`;
      lines.push(`    printf("M ${l.spec} ${m.name} %zu %zu\\n", offsetof(${l.c}, ${c}), ${size});`);
      const v = cValue(m, c);
      if (v) lines.push(`    printf("V ${l.spec} ${m.name} %llu %d\\n", ${v}, (int)sizeof(s.${c}));`);
    }
    lines.push('  }');
  }
  lines.push('  return 0;', '}');
  return lines.join('\n');
}

function runC(): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'nlkit-diag-'));
  try {
    writeFileSync(join(dir, 'layout.c'), cProgram());
    execFileSync('cc', ['-o', join(dir, 'layout'), join(dir, 'layout.c')], { stdio: ['ignore', 'ignore', 'pipe'] });
    return execFileSync(join(dir, 'layout'), { encoding: 'utf8' }).trim().split('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('sock_diag specs: every struct has the uapi size, offsets, member sizes and decodes the same values', (t) => {
  if (!compilerAvailable()) return t.skip('needs a C compiler (cc) to lay out the uapi structs');
  const out = runC();
  let checked = 0;
  for (const l of LAYOUTS) {
    const family = Family.from(l.desc);
    const st = family.struct(l.spec);
    const size = Number(out.find((x) => x.startsWith(`S ${l.spec} `))!.split(' ')[2]);
    assert.equal(st.size, size, `sizeof ${l.c}`);
    const bytes = Buffer.from(out.find((x) => x.startsWith(`B ${l.spec} `))!.split(' ')[2], 'hex');
    // the values as numbers: enums and flags are left out of this struct
    const def = l.desc.definitions.find((d) => d.name === l.spec);
    assert.ok(def?.type === 'struct');
    const plain = new StructType(l.spec, def.members.map((m) => ({ ...m, enum: undefined, enumAsFlags: undefined })), family);
    const decoded = plain.decode(bytes, 0, bytes.length);
    for (const m of st.members) {
      if (m.type === 'pad') continue;
      const [, , , off, msize] = out.find((x) => x.startsWith(`M ${l.spec} ${m.name} `))!.split(' ');
      assert.equal(m.offset, Number(off), `offsetof ${l.c}.${m.name}`);
      if (cName(l, m) !== null) assert.equal(m.array ? m.elem : m.size, Number(msize), `sizeof ${l.c}.${m.name}`);
      const v = out.find((x) => x.startsWith(`V ${l.spec} ${m.name} `));
      if (v) {
        const [, , , value, width] = v.split(' ');
        const mine = BigInt.asUintN(Math.min(64, Number(width) * 8), BigInt(decoded[m.key] as number | bigint));
        assert.equal(mine, BigInt.asUintN(Math.min(64, Number(width) * 8), BigInt(value)), `${l.c}.${m.name} read from the same bytes`);
      }
      checked++;
    }
  }
  assert.ok(checked > 120, `${checked} members`);
});

test('sock_diag specs: the bytecode filter is what the uapi structs make of it', () => {
  // sport >= 1024 and dst 10.0.0.0/8: S_GE(8 bytes) then D_COND (4 + 8 + 4 bytes)
  const bc = compileFilter({ sport: { ge: 1024 }, dst: '10.0.0.0/8' });
  assert.equal(bc.toString('hex'), [
    '02' + '08' + '1c00', // INET_DIAG_BC_S_GE, yes 8, no 28: 4 past the program's end (false)
    '00' + '00' + '0004', // the port, in the second op's `no`
    '08' + '10' + '1400', // INET_DIAG_BC_D_COND, yes 16, no 20
    '02' + '08' + '0000' + 'ffffffff', // hostcond: AF_INET, /8, port -1
    '0a000000', // 10.0.0.0
  ].join(''));
  // or: the first test's failure lands on the second; its success jumps over it
  const or = compileFilter({ or: [{ sport: 22 }, { dport: 22 }] });
  assert.equal(or.toString('hex'), ['0b080c00', '00001600', '01040c00', '0c080c00', '00001600'].join(''));
  const not = compileFilter({ not: { sport: 22 } });
  assert.equal(not.toString('hex'), ['0b080c00', '00001600', '01040800'].join(''));
});
