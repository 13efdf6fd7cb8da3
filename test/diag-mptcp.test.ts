// MPTCP sockets (IPPROTO_MPTCP through INET_DIAG_REQ_PROTOCOL) against the real kernel and
// iproute2's ss: a python3 child holds an MPTCP listener and a connected pair in a throwaway
// namespace; nlkit lists them, decodes struct mptcp_info and each TCP subflow's ULP info, and
// agrees with `ss -M` / `ss -tM` / `ss -Mi`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { listSocketsSync, type InetSocket } from '../src/diag/index.js';
import { needRoot, run, withNetns } from './helpers/netns.js';
import { nlkit } from './helpers/cli-run.js';
import { hasPython } from './helpers/packet-sockets.js';
import { startPythonHolder } from './helpers/python-holder.js';

const MPTCP = `
import socket, sys
l = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 262)
l.bind(('127.0.0.1', 7100))
l.listen(8)
c = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 262)
c.connect(('127.0.0.1', 7100))
a, _ = l.accept()
c.sendall(b'x' * 1000)
a.recv(1000)
print('ready', c.getsockname()[1], flush=True)
sys.stdin.read()
`;

/** Why MPTCP cannot be tested here, or undefined. */
function mptcpMissing(): string | undefined {
  if (!hasPython()) return 'needs python3 to make MPTCP sockets';
  const r = spawnSync('sysctl', ['-n', 'net.mptcp.enabled'], { encoding: 'utf8' });
  if (r.status !== 0) return 'this kernel has no MPTCP (no net.mptcp.enabled sysctl)';
  if (r.stdout.trim() !== '1') return 'MPTCP is disabled (net.mptcp.enabled = 0)';
  return undefined;
}

const words = (text: string): string[] =>
  text.split('\n').filter((l) => l.trim() !== '').map((l) => l.trim().replace(/PortProcess$/, 'Port Process').split(/\s+/).join(' ')).sort();

test('diag: MPTCP sockets listed with struct mptcp_info and subflow ULP info, as ss -M shows them', async (t) => {
  if (!needRoot(t)) return;
  const missing = mptcpMissing();
  if (missing) return t.skip(missing);
  await withNetns(async (ns) => {
    const h = await startPythonHolder(ns, MPTCP);
    try {
      const clientPort = Number(h.ready[0]);
      const socks = listSocketsSync({ netns: ns, family: 'inet', protocol: 'mptcp', extensions: ['info'] });
      const seen = (xs: unknown[][]) => xs.map((x) => JSON.stringify(x)).sort();
      assert.deepEqual(seen(socks.map((s) => [s.protocol, s.state, s.local.port, s.remote.port])), seen([
        ['mptcp', 'established', 7100, clientPort], ['mptcp', 'established', clientPort, 7100], ['mptcp', 'listen', 7100, 0],
      ]));
      const client = socks.find((s) => s.local.port === clientPort)!;
      const server = socks.find((s) => s.local.port === 7100 && s.state === 'established')!;
      const ci = client.mptcpInfo!, si = server.mptcpInfo!;
      assert.ok(ci && si, 'struct mptcp_info decoded');
      assert.equal(client.tcpInfo, undefined, 'not read as tcp_info');
      assert.ok(Buffer.isBuffer(ci.tail));
      // one connection, seen from both ends: each end's write sequence is the other's receive one
      assert.equal(ci.writeSeq, si.rcvNxt);
      assert.equal(si.writeSeq, ci.rcvNxt);
      assert.equal(ci.sndUna, ci.writeSeq, 'everything sent was acknowledged');
      assert.ok(ci.bytesSent >= 1000n && si.bytesReceived >= 1000n, `1000 bytes sent (${ci.bytesSent}) and received (${si.bytesReceived})`);
      assert.ok(ci.subflowsTotal >= 1);
      // ss -Mi prints token, write_seq, snd_una, rcv_nxt (hex) and the limits
      const text = run('ss', ['-N', ns, '-Mni', 'sport', '=', `:${clientPort}`]);
      const hex = (k: string) => new RegExp(`${k}:([0-9a-f]+)`).exec(text)?.[1];
      assert.equal(hex('token'), ci.token.toString(16));
      assert.equal(hex('write_seq'), ci.writeSeq.toString(16));
      assert.equal(hex('snd_una'), ci.sndUna.toString(16));
      assert.equal(hex('rcv_nxt'), ci.rcvNxt.toString(16));
      assert.equal(/subflows_max:(\d+)/.exec(text)?.[1] ?? '0', String(ci.subflowsMax));
      assert.equal(/remote_key/.test(text), ci.flags.includes('remote-key-received'), 'MPTCP_INFO_FLAG_REMOTE_KEY_RECEIVED');

      // the TCP subflows carry the MPTCP ULP: tokens and ids as ss -ti prints them
      const tcp = listSocketsSync({ netns: ns, family: 'inet', protocol: 'tcp', extensions: ['info'], sport: clientPort }) as InetSocket[];
      assert.equal(tcp.length, 1);
      const sf = tcp[0].ulp?.mptcp;
      assert.equal(tcp[0].ulp?.name, 'mptcp');
      assert.ok(sf, 'INET_ULP_INFO_MPTCP decoded');
      assert.ok(sf.flags?.includes('mcap-loc') || sf.flags?.includes('mcap-rem'), `MP_CAPABLE subflow (${sf.flags})`);
      assert.equal(sf.tokenLoc, ci.token, "the subflow's local token is its connection's");
      const ti = run('ss', ['-N', ns, '-tni', 'sport', '=', `:${clientPort}`]);
      const tok = /token:([0-9a-f]+)\(id:(\d+)\)\/([0-9a-f]+)\(id:(\d+)\)/.exec(ti);
      assert.ok(tok, ti);
      assert.deepEqual([tok[1], Number(tok[2]), tok[3], Number(tok[4])], [sf.tokenRem!.toString(16).padStart(4, '0'), sf.idRem, sf.tokenLoc!.toString(16), sf.idLoc]);

      // nlkit ss -M and -tM list what ss lists; -i adds mptcp_info, and tcp-ulp-mptcp to the subflows
      const stable = (text: string) => text.split('\n').filter((l) => /token:/.test(l))
        .map((l) => l.trim().split(/\s+/).filter((w) => /^(subflows\w*|add_addr\w*|token|write_seq|snd_una|rcv_nxt|flags|seq|sfseq|ssnoff|maplen):|^(remote_key|fallback|tcp-ulp-mptcp)$/.test(w)).join(' ')).sort();
      for (const args of [['-Mni'], ['-tni']]) {
        const mine = nlkit('ss', '-N', ns, ...args);
        assert.equal(mine.stderr, '');
        const theirs = stable(run('ss', ['-N', ns, ...args]));
        assert.ok(theirs.length >= 2 && theirs.every((l) => l.includes('token:')), `ss ${args.join(' ')}: ${theirs}`);
        assert.deepEqual(stable(mine.stdout), theirs, `ss ${args.join(' ')}`);
      }
      for (const args of [['-Man'], ['-Mn'], ['-tMan'], ['-Mln']]) {
        const mine = nlkit('ss', '-N', ns, ...args);
        assert.equal(mine.stderr, '');
        assert.deepEqual(words(mine.stdout), words(run('ss', ['-N', ns, ...args])), `ss ${args.join(' ')}`);
      }
    } finally {
      await h.stop();
    }
  });
});
