// Packet sockets (with a multicast membership, a fanout group and a classic BPF filter), a
// unix datagram socket, a unix listener with a connection it never accepts and UDP sockets
// bound to a device or carrying a mark, held by a child python3 in a namespace: node makes none of these.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';

const SCRIPT = `
import ctypes, socket, struct, sys
SOL_PACKET, PACKET_ADD_MEMBERSHIP, PACKET_FANOUT, SO_ATTACH_FILTER = 263, 1, 18, 26
p = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
p.bind(('lo', 0))
p.setsockopt(SOL_PACKET, PACKET_ADD_MEMBERSHIP, struct.pack('iHH8s', socket.if_nametoindex('lo'), 1, 0, b''))
p.setsockopt(SOL_PACKET, PACKET_FANOUT, 42)
insns = ctypes.create_string_buffer(struct.pack('HBBI', 0x06, 0, 0, 0xffff))
p.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, struct.pack('HL', 1, ctypes.addressof(insns)))
d = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0800))
u = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
u.bind(sys.argv[1])
l = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
l.bind(sys.argv[1] + '.listen')
l.listen(4)
c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
c.connect(sys.argv[1] + '.listen')
b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
b.setsockopt(socket.SOL_SOCKET, 25, b'lo')  # SO_BINDTODEVICE
b.bind(('127.0.0.1', 7010))
m = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
m.setsockopt(socket.SOL_SOCKET, 36, 0x2a)  # SO_MARK
m.bind(('127.0.0.1', 7011))
print('ready', flush=True)
sys.stdin.read()
`;

export const hasPython = (): boolean => spawnSync('python3', ['--version'], { stdio: 'ignore' }).status === 0;

/** Starts the holder in `ns`; stop() ends it and removes the socket files it bound. */
export async function startPacketSockets(ns: string, unixPath: string): Promise<{ pid: number; stop(): Promise<void> }> {
  const child = spawn('ip', ['netns', 'exec', ns, 'python3', '-c', SCRIPT, unixPath], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8');
  await new Promise<void>((ok, fail) => {
    // a holder that never got ready must not outlive the test (its pipes would keep it running)
    const timer = setTimeout(() => { child.kill(); fail(new Error('packet socket holder did not start')); }, 10_000);
    child.stdout.on('data', (d: string) => { out += d; if (out.includes('ready')) { clearTimeout(timer); ok(); } });
    child.on('exit', (code) => {
      clearTimeout(timer);
      for (const f of [unixPath, `${unixPath}.listen`]) rmSync(f, { force: true });
      fail(new Error(`packet socket holder exited (${code})`));
    });
  });
  return {
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null) {
        child.stdin.end();
        await once(child, 'exit');
      }
      for (const f of [unixPath, `${unixPath}.listen`]) rmSync(f, { force: true });
    },
  };
}
