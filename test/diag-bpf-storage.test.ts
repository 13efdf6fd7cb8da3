// BPF socket storage in sock_diag replies (INET_DIAG_REQ_SK_BPF_STORAGES): a python3 child
// loads a one-type BTF (the kernel wants BTF for a socket-storage map dumped to user space),
// creates a BPF_MAP_TYPE_SK_STORAGE map, stores a value for two of its TCP sockets, and runs a
// node child that inherits the map's descriptor and lists the sockets with `bpfStorages`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { listSocketsSync } from '../src/diag/index.js';
import { NetlinkArgumentError, NetlinkError } from '../src/core/errors.js';
import { needRoot, withNetns } from './helpers/netns.js';
import { hasPython } from './helpers/packet-sockets.js';
import { startPythonHolder } from './helpers/python-holder.js';

const DIAG = fileURLToPath(new URL('../src/diag/index.js', import.meta.url));

const LISTER = `
import { listSocketsSync } from ${JSON.stringify(DIAG)};
const fd = Number(process.argv[1]);
const socks = listSocketsSync({ family: 'inet', protocol: 'tcp', bpfStorages: [fd] });
console.log(JSON.stringify(socks.map((s) => ({ port: s.local.port, state: s.state, storages: (s.bpfStorages ?? []).map((b) => [b.mapId, b.value?.toString('hex')]) }))));
`;

const SCRIPT = `
import base64, ctypes, os, socket, struct, subprocess, sys
libc = ctypes.CDLL(None, use_errno=True)
def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(attr, 128)
    r = libc.syscall(321, cmd, buf, 128)  # __NR_bpf on x86_64
    if r < 0:
        e = ctypes.get_errno()
        print('unavailable', os.strerror(e).replace(' ', '_'), cmd, flush=True)
        sys.stdin.read()
        sys.exit(0)
    return r
# BTF: one type, 'int' (signed, 32 bits): the map's key and value type
types = struct.pack('<IIII', 1, 1 << 24, 4, (1 << 24) | 32)
strs = b'\\0int\\0'
blob = struct.pack('<HBBIIIII', 0xeb9f, 1, 0, 24, 0, len(types), len(types), len(strs)) + types + strs
btf = ctypes.create_string_buffer(blob, len(blob))
btf_fd = bpf(18, struct.pack('<QQIII', ctypes.addressof(btf), 0, len(blob), 0, 0))  # BPF_BTF_LOAD
# BPF_MAP_CREATE: SK_STORAGE (24), key int, value int, BPF_F_NO_PREALLOC, BTF ids 1/1
map_fd = bpf(0, struct.pack('<IIIIIII16sIIII', 24, 4, 4, 0, 1, 0, 0, b'nlkit_sk', 0, btf_fd, 1, 1))
info = ctypes.create_string_buffer(128)
bpf(15, struct.pack('<IIQ', map_fd, 128, ctypes.addressof(info)))  # BPF_OBJ_GET_INFO_BY_FD
map_id = struct.unpack_from('<I', info.raw, 4)[0]
l = socket.socket(); l.bind(('127.0.0.1', 7200)); l.listen(4)
c = socket.socket(); c.connect(('127.0.0.1', 7200)); a, _ = l.accept()
other = socket.socket(); other.bind(('127.0.0.1', 7201)); other.listen(1)
def put(s, v):
    k = ctypes.c_int(s.fileno()); val = ctypes.c_uint32(v)
    bpf(2, struct.pack('<IIQQQ', map_fd, 0, ctypes.addressof(k), ctypes.addressof(val), 0))  # BPF_MAP_UPDATE_ELEM
put(l, 0x11223344)
put(c, 0xcafef00d)
r = subprocess.run([sys.argv[1], '--input-type=module', '-e', sys.argv[2], str(map_fd)], pass_fds=[map_fd], capture_output=True)
print('ready', map_id, c.getsockname()[1], r.returncode, base64.b64encode(r.stdout).decode() or '-', base64.b64encode(r.stderr).decode() or '-', flush=True)
sys.stdin.read()
`;

test('diag: bpfStorages returns each socket\'s value in a BPF socket-storage map, by map id', async (t) => {
  if (!needRoot(t)) return;
  if (!hasPython()) return t.skip('needs python3 to create the BPF map (bpf(2) through ctypes)');
  if (process.arch !== 'x64') return t.skip('the map is made with x86_64\'s bpf syscall number');
  await withNetns(async (ns) => {
    const h = await startPythonHolder(ns, SCRIPT, [process.execPath, LISTER]);
    try {
      if (h.ready.length === 0) throw new Error('no answer');
      const [mapId, clientPort, code, out, err] = h.ready;
      const decode = (b: string) => (b === '-' ? '' : Buffer.from(b, 'base64').toString('utf8'));
      assert.equal(code, '0', decode(err));
      const socks = JSON.parse(decode(out)) as { port: number; state: string; storages: [number, string][] }[];
      const at = (port: number, state: string) => socks.find((s) => s.port === port && s.state === state)!.storages;
      // the value is the u32 as the machine stores it (little-endian here)
      assert.deepEqual(at(7200, 'listen'), [[Number(mapId), '44332211']]);
      assert.deepEqual(at(Number(clientPort), 'established'), [[Number(mapId), '0df0feca']]);
      assert.deepEqual(at(7200, 'established'), [], 'the accepted socket has no value in the map');
      assert.deepEqual(at(7201, 'listen'), []);
    } catch (e) {
      if (h.ready[0] === 'unavailable') return t.skip(`this kernel refused the socket-storage map (bpf cmd ${h.ready[2]}: ${h.ready[1]})`);
      throw e;
    } finally {
      await h.stop();
    }
  });
});

test('diag: bpfStorages is checked, and a descriptor that is no map gets the kernel\'s error', async (t) => {
  for (const [bad, field] of [[[], 'bpfStorages'], [[-1], 'bpfStorages[0]'], [[1.5], 'bpfStorages[0]'], ['3', 'bpfStorages']] as const)
    assert.throws(() => listSocketsSync({ bpfStorages: bad as unknown as number[] }), (e: unknown) => e instanceof NetlinkArgumentError && e.argument === field, JSON.stringify(bad));
  assert.throws(() => listSocketsSync({ family: 'unix', bpfStorages: [3] }), (e: unknown) => e instanceof NetlinkArgumentError && e.argument === 'bpfStorages');
  if (!needRoot(t)) return;
  await withNetns((ns) => {
    // descriptor 0 is no BPF map: the kernel refuses the request
    assert.throws(() => listSocketsSync({ netns: ns, bpfStorages: [0] }), (e: unknown) => e instanceof NetlinkError && ['EBADF', 'EINVAL'].includes(e.code ?? ''));
  });
});
