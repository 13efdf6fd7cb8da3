// nlkit/diag and `nlkit ss` against the real kernel and iproute2's ss, on the same sockets: a
// child process holds TCP, UDP and unix sockets in a throwaway namespace; every listing and
// filter is compared with what `ss -N NS` prints for it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { listSockets, listSocketsSync, destroySocketSync, openSocketDiag, type SocketFilter, type InetSocket, type UnixSocket, type NetlinkSocketInfo, type PacketSocket } from '../src/diag/index.js';
import { NetlinkArgumentError } from '../src/core/errors.js';
import { needRoot, run, withNetns } from './helpers/netns.js';
import { startSocketFixture, type SocketFixture } from './helpers/sockets.js';
import { nlkit } from './helpers/cli-run.js';
import { hasPython, startPacketSockets } from './helpers/packet-sockets.js';

/** Lines of output as sorted lists of words: column widths aside, what ss shows. */
function rows(text: string): string[] {
  // ss glues the last header word to 'Process' when its columns are tight: the same words
  // ss glues the last header word to 'Process' when its columns are tight: the same words.
  // ss -N remounts /sys in a mount namespace of its own and loses the cgroup2 mount there
  // (cgroup:unreachable:ID): cgroup paths are compared apart.
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => l.trim().replace(/PortProcess$/, 'Port Process').split(/\s+/).filter((w) => !w.startsWith('cgroup:')).join(' ')).sort();
}

function ss(ns: string, ...args: string[]): string {
  return run('ss', ['-N', ns, ...args]);
}

function mine(ns: string, ...args: string[]): string {
  const r = nlkit('ss', '-N', ns, ...args);
  assert.equal(r.stderr, '', `nlkit ss ${args.join(' ')}`);
  assert.equal(r.status, 0);
  return r.stdout;
}

function same(ns: string, args: string[], label = args.join(' ')): void {
  assert.deepEqual(rows(mine(ns, ...args)), rows(ss(ns, ...args)), `ss ${label}`);
}

async function withSockets(t: { skip(m: string): void }, fn: (ns: string, f: SocketFixture) => void | Promise<void>): Promise<void> {
  await withNetns(async (ns) => {
    const f = await startSocketFixture(ns, randomBytes(4).toString('hex'));
    try {
      await fn(ns, f);
    } finally {
      await f.stop();
    }
  });
}

test('diag: TCP sockets of a namespace, as domain objects, agree with ss -e', async (t) => {
  if (!needRoot(t)) return;
  await withSockets(t, async (ns) => {
    const socks = (await listSockets({ netns: ns, protocol: 'tcp', extensions: 'all' })) as InetSocket[];
    const listener = socks.find((s) => s.state === 'listen' && s.local.port === 7001)!;
    assert.ok(listener, 'the 127.0.0.1:7001 listener');
    assert.deepEqual([listener.family, listener.protocol, listener.local, listener.remote], ['inet', 'tcp', { address: '127.0.0.1', port: 7001 }, { address: '0.0.0.0', port: 0 }]);
    assert.equal(listener.wqueue, 17, 'the backlog (Send-Q of a listener)');
    assert.equal(typeof listener.cookie, 'bigint');
    assert.equal(listener.tcpInfo?.state, 'listen');
    assert.ok(listener.congestion, 'congestion control name');
    assert.ok(listener.skmeminfo && listener.skmeminfo.rcvbuf! > 0);
    const v6 = socks.find((s) => s.family === 'inet6' && s.state === 'listen')!;
    assert.deepEqual([v6.local, v6.v6only], [{ address: '::1', port: 7002 }, true]);
    const client = socks.find((s) => s.local.port === 40001)!;
    assert.deepEqual([client.state, client.remote], ['established', { address: '127.0.0.1', port: 7001 }]);
    assert.ok(client.tcpInfo!.sndMss > 0 && client.tcpInfo!.rto > 0, 'tcp_info of a connection');
    assert.ok(Buffer.isBuffer(client.tcpInfo!.tail));
    // inode and cookie as ss -e shows them (ino:N sk:HEX)
    const e = ss(ns, '-tanHe', 'sport', '=', ':40001');
    assert.match(e, new RegExp(`ino:${client.inode} sk:${client.cookie.toString(16)} `));
    assert.equal(socks.filter((s) => s.state === 'established').length, 6);
    // the Sync twin sees the same sockets
    const sync = listSocketsSync({ netns: ns, protocol: 'tcp' }) as InetSocket[];
    assert.deepEqual(sync.map((s) => s.cookie).sort(), socks.map((s) => s.cookie).sort());
  });
});

test('diag: nlkit ss prints what ss prints, for each family and filter', async (t) => {
  if (!needRoot(t)) return;
  await withSockets(t, (ns) => {
    const cases: string[][] = [
      ['-tan'], ['-tanH'], ['-ta'], ['-tn'], ['-tln'], ['-uan'], ['-un'], ['-tuan'], ['-ua'], ['-t4an'], ['-t6an'], ['-tan4'],
      ['-xa'], ['-xan'], ['-x'], ['-xl'], ['-xae'], ['-xam'],
      ['-tan', 'state', 'listening'], ['-tan', 'state', 'established'], ['-tan', 'state', 'connected'],
      ['-ta', 'state', 'all', 'exclude', 'listening'], ['-uan', 'state', 'closed'],
      ['-tan', 'sport', '=', ':7001'], ['-tan', 'dport', '=', ':7001'], ['-tan', 'sport', 'ge', ':7002'], ['-tan', 'sport', '<=', ':7001'],
      ['-tan', 'sport', '!=', ':7001'], ['-tan', 'sport', '>', ':7001'], ['-tan', 'dport', '<', ':7002'],
      ['-tan', 'src', '127.0.0.1'], ['-tan', 'dst', '127.0.0.0/8'], ['-tan', 'src', '[::1]'], ['-tan', 'dst', '[::1]:7002'], ['-tan', 'src', '127.0.0.1:7001'],
      ['-tan', '( sport = :7001 or dport = :7001 )'], ['-tan', 'not', 'sport', '=', ':7001'],
      ['-tan', 'state', 'established', '(', 'dport', '=', ':7002', 'or', 'sport', '=', ':7002', ')'],
      ['-uan', 'dport', '=', ':7004'], ['-n'], ['-a', '-f', 'inet'], ['-0'], ['-t', 'exclude', 'listening'], ['-ta', 'exclude', 'listening'], ['-tuxn', 'state', 'listening'],
    ];
    for (const c of cases) same(ns, c);
  });
});

test('diag: -p names the processes, -e -m -o details match ss', async (t) => {
  if (!needRoot(t)) return;
  await withSockets(t, (ns, f) => {
    same(ns, ['-tanp']);
    same(ns, ['-xap']);
    assert.match(mine(ns, '-tlnp', 'sport', '=', ':7001'), new RegExp(`users:\\(\\("node",pid=${f.pid},fd=\\d+\\)\\)`));
    same(ns, ['-tane']);
    // -o: the keepalive timer of the 40001 client; the time left moves between two runs
    const timers = (text: string) => rows(text).map((l) => l.replace(/timer:\((\w+),[^,]+,(\d+)\)/, 'timer:($1,T,$2)'));
    for (const args of [['-tno'], ['-tnoep']]) assert.deepEqual(timers(mine(ns, ...args)), timers(ss(ns, ...args)), `ss ${args.join(' ')}`);
    assert.match(mine(ns, '-tno', 'sport', '=', ':40001'), /timer:\(keepalive,(59|60)min,0\)/);
    same(ns, ['-uane']);
    same(ns, ['-tlnm']);
    same(ns, ['-ulnm']);
    // tcp_info: timings move between two runs; the fields that do not are compared
    const stable = (text: string) => rows(text).map((l) => l.split(' ').filter((w) => /^(bbr|cubic|reno|ts|sack|ecn|wscale:|mss:|pmtu:|rcvmss:|advmss:|cwnd:|rcv_space:)/.test(w) || /^(LISTEN|ESTAB)$/.test(w)).join(' '));
    for (const args of [['-tlni'], ['-tnio', 'sport', '=', ':40001'], ['-tnio', 'sport', '=', ':7001']])
      assert.deepEqual(stable(mine(ns, ...args)), stable(ss(ns, ...args)), `ss ${args.join(' ')}`);
  });
});

test('diag: unix and netlink sockets, with names, peers and pending connections', async (t) => {
  if (!needRoot(t)) return;
  await withSockets(t, async (ns, f) => {
    const unix = (await listSockets({ netns: ns, family: 'unix' })) as UnixSocket[];
    const server = unix.find((s) => s.path === f.unixPath && s.state === 'listen')!;
    assert.ok(server, 'the path listener');
    assert.deepEqual([server.type, server.state], ['stream', 'listen']);
    // node binds abstract names at full length: the name's NUL padding is part of it
    assert.ok(unix.find((s) => s.path?.replace(/\0+$/, '') === `@${f.abstractName.slice(1)}`), 'the abstract listener');
    const conn = unix.filter((s) => s.state === 'established');
    assert.equal(conn.length, 2, 'the connected pair');
    assert.equal(conn[0].peer, conn[1].inode);
    assert.ok(server.vfs && server.vfs.inode > 0, 'the path\'s inode');
    const nl = (await listSockets({ netns: ns, family: 'netlink' })) as NetlinkSocketInfo[];
    assert.ok(nl.some((s) => s.protocol === 'rtnl' && s.portid === 0), 'the kernel\'s rtnetlink socket');
    // ss's own sock_diag socket and nlkit's differ: the rest must agree
    const noDiag = (text: string) => rows(text).filter((l) => !/^(nl )?\S+ \d+ \d+ (tcpdiag|rtnl):(?!kernel)/.test(l));
    for (const extra of [[], ['-e'], ['-m']]) assert.deepEqual(noDiag(mine(ns, '-a', '-f', 'netlink', ...extra)), noDiag(ss(ns, '-a', '-f', 'netlink', ...extra)));
  });
});

test('diag: the query filters (ports, addresses, states, or/not) agree with ss', async (t) => {
  if (!needRoot(t)) return;
  await withSockets(t, async (ns) => {
    const ports = (q: Parameters<typeof listSocketsSync>[0]) => (listSocketsSync({ netns: ns, ...q }) as InetSocket[]).map((s) => `${s.local.port}>${s.remote.port}`).sort();
    const ssPorts = (...args: string[]) => rows(ss(ns, '-tanH', ...args)).map((l) => {
      // the last two columns (ss drops the State column when one state is asked for)
      const [local, peer] = l.split(' ').slice(-2);
      return `${local.slice(local.lastIndexOf(':') + 1)}>${peer.slice(peer.lastIndexOf(':') + 1).replace('*', '0')}`;
    }).sort();
    assert.deepEqual(ports({ sport: 7001 }), ssPorts('sport', '=', ':7001'));
    assert.deepEqual(ports({ dport: { ge: 7002 } }), ssPorts('dport', '>=', ':7002'));
    assert.deepEqual(ports({ sport: { ge: 7001, le: 7002 } }), ssPorts('sport', '>=', ':7001', 'and', 'sport', '<=', ':7002'));
    assert.deepEqual(ports({ sport: { ne: 7001 } }), ssPorts('sport', '!=', ':7001'));
    assert.deepEqual(ports({ src: '::1/128' }), ssPorts('src', '[::1]'));
    assert.deepEqual(ports({ dst: '127.0.0.0/8', states: 'established' }), ssPorts('state', 'established', 'dst', '127.0.0.0/8'));
    assert.deepEqual(ports({ filter: { or: [{ sport: 7003 }, { dport: 7002 }] } }), ssPorts('(', 'sport', '=', ':7003', 'or', 'dport', '=', ':7002', ')'));
    assert.deepEqual(ports({ filter: { not: { src: '127.0.0.1' } } }), ssPorts('not', 'src', '127.0.0.1'));
    assert.deepEqual(ports({ states: ['listen'] }), ssPorts('state', 'listening'));
    assert.deepEqual(ports({ states: 'connected', family: 'inet6' }), ssPorts('-6', 'state', 'connected'));
    const udp = (listSocketsSync({ netns: ns, protocol: 'udp', states: ['close'] }) as InetSocket[]).map((s) => s.local.port).sort();
    assert.deepEqual(udp, [7004, 7006]);
  });
});

test('diag: the cgroup filter matches the sockets of the cgroup they were made in', async (t) => {
  if (!needRoot(t)) return;
  await withSockets(t, (ns) => {
    const all = listSocketsSync({ netns: ns, extensions: [] }) as InetSocket[];
    const raw = listSocketsSync({ netns: ns, protocol: 'tcp' }) as InetSocket[];
    const id = raw[0].raw.cgroupId;
    if (id === undefined) return t.skip('this kernel reports no cgroup id (CONFIG_SOCK_CGROUP_DATA)');
    assert.equal(listSocketsSync({ netns: ns, cgroup: id }).length, all.length);
    assert.equal(listSocketsSync({ netns: ns, cgroup: id + 12345n }).length, 0);
  });
});

test('diag: destroySocket closes an inet socket (SOCK_DESTROY), and nlkit ss -K does too', async (t) => {
  if (!needRoot(t)) return;
  await withSockets(t, (ns) => {
    const client = (listSocketsSync({ netns: ns, sport: 40001 }) as InetSocket[])[0];
    try {
      destroySocketSync(client, { netns: ns });
    } catch (e) {
      if ((e as { code?: string }).code === 'EOPNOTSUPP') return t.skip('this kernel has no SOCK_DESTROY (CONFIG_INET_DIAG_DESTROY)');
      throw e;
    }
    assert.equal(rows(ss(ns, '-tanH', 'sport', '=', ':40001')).length, 0, 'gone');
    const killed = mine(ns, '-tanK', 'sport', '=', ':40002');
    assert.equal(rows(killed).length, 2, 'header and the socket closed');
    assert.equal(rows(ss(ns, '-tanH', 'sport', '=', ':40002')).length, 0);
  });
});

test('diag: nlkit ss -j prints the domain objects', async (t) => {
  if (!needRoot(t)) return;
  await withSockets(t, (ns) => {
    const out = JSON.parse(mine(ns, '-tlnj')) as { local: { port: number }; cookie: string; state: string }[];
    assert.deepEqual(out.map((s) => s.local.port).sort(), [7001, 7002, 7003]);
    assert.ok(out.every((s) => /^\d+$/.test(s.cookie) && s.state === 'listen'));
  });
});

// compile-time: a query's family picks the socket type returned (never called)
export async function typedBySocketFamily(): Promise<void> {
  const inet: InetSocket[] = await listSockets({ protocol: 'udp' });
  const unix: UnixSocket[] = listSocketsSync({ family: 'unix' });
  const mixed: (InetSocket | NetlinkSocketInfo)[] = listSocketsSync({ family: ['inet6', 'netlink'] });
  const packet: PacketSocket[] = openSocketDiag().listSocketsSync({ family: 'packet' });
  // @ts-expect-error unix sockets have no ports
  const wrong: InetSocket[] = listSocketsSync({ family: 'unix' });
  void [inet, unix, mixed, packet, wrong];
}

test('diag: bad queries are typed errors naming the option, before anything is sent', async () => {
  const bad: [unknown, string][] = [
    [{ family: 'ipx' }, 'family'], [{ protocol: 'sctp' }, 'protocol'], [{ states: ['listening', 'nope'] }, 'states'],
    [{ sport: 70000 }, 'query.sport'], [{ sport: { gt: 1 } }, 'query.sport'], [{ src: '10.0.0.0/33' }, 'query.src'],
    [{ family: 'unix', sport: 22 }, 'query'], [{ extensions: ['bogus'] }, 'extensions'], [{ colour: 'red' }, 'query'],
    [{ filter: { and: [] } }, 'filter.and'], [{ filter: { sport: 1, what: 2 } }, 'filter'], [{ cgroup: -1 }, 'query.cgroup'], ['tcp', 'query'],
  ];
  for (const [q, option] of bad) {
    assert.throws(() => listSocketsSync(q as never), (e: unknown) => e instanceof NetlinkArgumentError && e.argument === option, JSON.stringify(q));
    await assert.rejects(listSockets(q as never), NetlinkArgumentError);
  }
  assert.throws(() => destroySocketSync({ family: 'unix' } as never), (e: unknown) => e instanceof NetlinkArgumentError && e.argument === 'socket.family');
  const d = openSocketDiag();
  try {
    assert.throws(() => d.listSocketsSync({}, { bogus: 1 } as never), (e: unknown) => e instanceof NetlinkArgumentError && e.argument === 'options');
  } finally {
    d.close();
  }
  const r = nlkit('ss', '-tan', 'sport', '=', ':nosuchservice');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /not a port/);
  const gone = nlkit('ss', '-t', '-N', `nlkt-none-${randomBytes(4).toString('hex')}`);
  assert.equal(gone.status, 2);
  assert.match(gone.stderr, /ENOENT: network namespace 'nlkt-none-[0-9a-f]+' not found/);
});

test('diag: packet sockets (membership, fanout, filter), unix datagram and pending sockets, a device-bound socket agree with ss', async (t) => {
  if (!needRoot(t)) return;
  if (!hasPython()) return t.skip('needs python3 to make packet sockets');
  await withNetns(async (ns) => {
    const path = `/tmp/nlkt-dg-${randomBytes(4).toString('hex')}.sock`;
    const holder = await startPacketSockets(ns, path);
    try {
      const pk = (await listSockets({ netns: ns, family: 'packet' })) as PacketSocket[];
      const raw = pk.find((s) => s.type === 'raw')!;
      assert.deepEqual([raw.protocol, raw.interface, raw.fanout?.id], [3, 'lo', 42]);
      assert.deepEqual(raw.filter, [{ code: 6, jt: 0, jf: 0, k: 0xffff }]);
      assert.equal(raw.mclist?.[0].pdmcType, 1, 'PACKET_MR_PROMISC');
      const dgram = pk.find((s) => s.type === 'dgram')!;
      assert.equal(dgram.protocol, 0x0800);
      same(ns, ['-0']);
      same(ns, ['-0', '-e']);
      same(ns, ['-0', '-m']);
      same(ns, ['-0', '-e', '-m']);
      same(ns, ['-xa']);
      same(ns, ['-x']);
      const unix = (await listSockets({ netns: ns, family: 'unix' })) as UnixSocket[];
      assert.deepEqual(unix.find((s) => s.type === 'dgram')?.path, path);
      // the connection waiting in the listener's queue, named by its client's inode
      const listener = unix.find((s) => s.state === 'listen')!;
      assert.equal(listener.rqueue, 1, 'one pending connection');
      assert.equal(listener.pending?.length, 1);
      const client = unix.find((s) => s.inode === listener.pending![0])!;
      assert.equal(client.state, 'established');
      // its peer is the socket the listener has not accepted yet: not a file, no inode
      assert.equal(client.peer, 0);
      same(ns, ['-xae']);
      // a socket bound to a device names it (ss: ADDRESS%DEVICE)
      const bound = (listSocketsSync({ netns: ns, protocol: 'udp', sport: 7010 }) as InetSocket[])[0];
      assert.deepEqual([bound.ifindex > 0, bound.interface], [true, 'lo']);
      same(ns, ['-uan']);
      // device and mark conditions, in the API and in ss's words
      const udpPorts = (filter: SocketFilter) => (listSocketsSync({ netns: ns, protocol: 'udp', filter }) as InetSocket[]).map((s) => s.local.port);
      assert.deepEqual(udpPorts({ ifindex: bound.ifindex }), [7010]);
      assert.deepEqual(udpPorts({ mark: { mark: 0x2a } }), [7011]);
      assert.deepEqual(udpPorts({ mark: { mark: 0x20, mask: 0xf0 } }), [7011]);
      for (const f of [['dev', '=', 'lo'], ['dev', '!=', 'lo'], ['dev', '1'], ['fwmark', '=', '0x2a'], ['fwmark', '=', '0x20/0xf0'], ['fwmark', '!=', '42']]) same(ns, ['-uan', ...f]);
    } finally {
      await holder.stop();
    }
  });
});
