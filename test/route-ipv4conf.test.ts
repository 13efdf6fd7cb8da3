// rt.ipv4conf: a link's net.ipv4.conf.DEV.* settings over rtnetlink. The request is golden
// bytes written from <linux/if_link.h> (IFLA_AF_SPEC 26, IFLA_INET_CONF 1), <linux/socket.h>
// (AF_INET 2) and <linux/ip.h> (IPV4_DEVCONF_FORWARDING 1, IPV4_DEVCONF_RP_FILTER 8); the
// kernel's own view is /proc/sys/net/ipv4/conf/DEV/* inside the namespace, both ways.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetlinkArgumentError } from '../src/core/errors.js';
import { openRoute } from '../src/route/index.js';
import { Family } from '../src/ynl/family.js';
import { description as rtLink } from '../src/ynl/families/rt-link.js';
import { ip, needRoot, run, withNetns } from './helpers/netns.js';
import { assertEncodes, bytes } from './helpers/ynl-golden.js';

test('ipv4conf: setlink-devconf is IFLA_AF_SPEC > AF_INET > IFLA_INET_CONF, a nest of IPV4_DEVCONF_* u32s', () => {
  assertEncodes(Family.from(rtLink), 'setlink-devconf', { ifiFamily: 0, ifiIndex: 2, afSpec: { inet: { conf: { forwarding: 1, rpFilter: 2 } } } }, bytes(
    '00000000 02000000 00000000 00000000', // ifinfomsg: AF_UNSPEC, index 2
    '1c001a80', // IFLA_AF_SPEC (nested)
    '18000280', //   AF_INET (nested)
    '14000180', //     IFLA_INET_CONF (nested)
    '08000100 01000000', //   IPV4_DEVCONF_FORWARDING 1
    '08000800 02000000', //   IPV4_DEVCONF_RP_FILTER 2
  ));
});

const proc = (ns: string, dev: string, key: string) => run('ip', ['netns', 'exec', ns, 'cat', `/proc/sys/net/ipv4/conf/${dev}/${key}`]).trim();

test('ipv4conf: set() is what /proc shows, /proc\'s values are what get() reads; bad input is refused by name', async (t) => {
  if (!needRoot(t)) return;
  await withNetns(async (ns) => {
    ip(ns, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    const rt = openRoute({ netns: ns });
    try {
      assert.equal(proc(ns, 'v0', 'forwarding'), '0');
      await rt.ipv4conf.set({ dev: 'v0', forwarding: true, rpFilter: 2, proxyArp: 1 });
      assert.deepEqual(['forwarding', 'rp_filter', 'proxy_arp', 'arp_ignore'].map((k) => proc(ns, 'v0', k)), ['1', '2', '1', '0']);
      // only what was given changed: v1 untouched
      assert.equal(proc(ns, 'v1', 'forwarding'), '0');

      run('ip', ['netns', 'exec', ns, 'sh', '-c', 'echo 2 > /proc/sys/net/ipv4/conf/v1/arp_ignore; echo 1 > /proc/sys/net/ipv4/conf/v1/log_martians']);
      const c = rt.ipv4conf.getSync('v1');
      assert.deepEqual([c.arpIgnore, c.logMartians, c.forwarding], [2, 1, 0]);
      assert.equal((await rt.ipv4conf.get('v0')).rpFilter, 2);
      rt.ipv4conf.setSync({ dev: 'v0', forwarding: false });
      assert.equal(proc(ns, 'v0', 'forwarding'), '0');

      assert.throws(() => rt.ipv4conf.setSync({ dev: 'v0', forwardin: true } as never), (e: unknown) => e instanceof NetlinkArgumentError && /forwardin.*is not an IPv4 link setting/.test(e.message));
      assert.throws(() => rt.ipv4conf.setSync({ dev: 'v0' }), /changes nothing/);
      // the kernel keeps ints: medium_id -1 (medium unknown) is one
      rt.ipv4conf.setSync({ dev: 'v0', mediumId: -1 });
      assert.equal(proc(ns, 'v0', 'medium_id'), '-1');
      assert.equal(rt.ipv4conf.getSync('v0').mediumId, -1);
      assert.throws(() => rt.ipv4conf.setSync({ dev: 'v0', rpFilter: 2 ** 31 }), { code: 'ERR_OUT_OF_RANGE' });
      assert.throws(() => rt.ipv4conf.setSync({ dev: 'v0', rpFilter: '1' as never }), { code: 'ERR_INVALID_ARG_TYPE' });
      await assert.rejects(rt.ipv4conf.set({ dev: 'nosuch', forwarding: true }), /Cannot find device "nosuch"/);
    } finally {
      rt.close();
    }
  });
});
