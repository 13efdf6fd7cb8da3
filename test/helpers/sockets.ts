// A child `node` process holding sockets inside a namespace (TCP listeners and connected
// pairs, UDP, unix), for tests that list them; it lives until stop() closes its stdin.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';

export interface SocketFixture {
  pid: number;
  unixPath: string;
  abstractName: string;
  stop(): Promise<void>;
}

const SCRIPT = `
const net = require('net'), dgram = require('dgram');
const [unixPath, abstract] = process.argv.slice(1);
const abstractName = '\\0' + abstract;
const keep = [];
// a socket destroyed under it (SOCK_DESTROY) errors: the others stay
const hold = (x) => { x.on('error', () => {}); keep.push(x); return x; };
const listen = (opts) => new Promise((ok) => { const s = hold(net.createServer((c) => hold(c))); s.listen(opts, () => ok(s)); });
const connect = (opts) => new Promise((ok) => { const c = hold(net.connect(opts, () => ok(c))); });
const bind = (type, port, addr) => new Promise((ok) => { const s = hold(dgram.createSocket(type)); s.bind(port, addr, () => ok(s)); });
(async () => {
  await listen({ host: '127.0.0.1', port: 7001, backlog: 17 });
  (await connect({ host: '127.0.0.1', port: 7001, localPort: 40001 })).setKeepAlive(true, 3_600_000);
  await connect({ host: '127.0.0.1', port: 7001, localPort: 40002 });
  await listen({ host: '::1', port: 7002, ipv6Only: true });
  await connect({ host: '::1', port: 7002, localPort: 40003 });
  await listen({ host: '0.0.0.0', port: 7003 });
  const u = await bind('udp4', 7004, '127.0.0.1');
  const c = await bind('udp4', 7005, '127.0.0.1');
  await new Promise((ok) => c.connect(7004, '127.0.0.1', ok));
  await bind('udp6', 7006, '::1');
  await listen({ path: unixPath });
  await connect({ path: unixPath });
  await listen({ path: abstractName });
  // the accepted sides arrive after connect() resolves: give them a moment
  await new Promise((ok) => setTimeout(ok, 100));
  process.stdout.write('ready\\n');
})();
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

/** Starts the fixture in `ns` and resolves once every socket is made. */
export async function startSocketFixture(ns: string, tag: string): Promise<SocketFixture> {
  const unixPath = `/tmp/nlkt-${tag}.sock`;
  // an abstract name starts with NUL: the child adds it (arguments cannot hold one)
  const abstractName = `\0nlkt-${tag}`;
  const child: ChildProcess = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', SCRIPT, unixPath, abstractName.slice(1)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.setEncoding('utf8');
  await new Promise<void>((ok, fail) => {
    // a holder that never got ready must not outlive the test (its pipes would keep it running)
    const timer = setTimeout(() => { child.kill(); fail(new Error('socket fixture did not start')); }, 10_000);
    child.stdout!.on('data', (d: string) => {
      out += d;
      if (out.includes('ready')) { clearTimeout(timer); ok(); }
    });
    child.on('exit', (code) => { clearTimeout(timer); fail(new Error(`socket fixture exited (${code})`)); });
  });
  return {
    pid: child.pid!,
    unixPath,
    abstractName,
    async stop() {
      if (child.exitCode === null) {
        child.stdin!.end();
        await once(child, 'exit');
      }
      rmSync(unixPath, { force: true });
    },
  };
}
