// A "VM" on a tap, for the microVM examples' tests: Ethernet frames written to and read from
// the tap's queue, as a VMM's virtio-net backend does (each behind the 10-byte struct
// virtio_net_hdr that a vnet_hdr queue carries, all zero: no offloads).
import { readSync, writeSync } from 'node:fs';

export const VM_MAC = '02:00:00:00:00:02';
const mac = (text: string) => Buffer.from(text.replace(/:/g, ''), 'hex');
const ip4 = (text: string) => Buffer.from(text.split('.').map(Number));

/** The Internet checksum (RFC 1071) of a header. */
function checksum(b: Buffer): number {
  let sum = 0;
  for (let i = 0; i < b.length; i += 2) sum += (b[i]! << 8) + (b[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** An ICMP echo request from the VM (`payload` bytes of data: a full-sized frame is 1472). */
export function echoRequest(gatewayMac: string, from: string, to: string, id: number, seq: number, payload = 13): Buffer {
  const data = Buffer.alloc(payload, 'nlkit microvm ');
  const icmp = Buffer.concat([Buffer.from([8, 0, 0, 0, id >> 8, id & 255, seq >> 8, seq & 255]), data]);
  icmp.writeUInt16BE(checksum(icmp), 2);
  const iph = Buffer.concat([Buffer.from([0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 1, 0, 0]), ip4(from), ip4(to)]);
  iph.writeUInt16BE(20 + icmp.length, 2);
  iph.writeUInt16BE(checksum(iph), 10);
  return Buffer.concat([Buffer.alloc(10), mac(gatewayMac), mac(VM_MAC), Buffer.from([0x08, 0x00]), iph, icmp]);
}

/** Whether a frame read from the queue is the echo reply `from` -> the VM with this id. */
function isEchoReply(frame: Buffer, from: string, id: number): boolean {
  const eth = frame.subarray(10);
  if (eth.length < 14 + 28 || eth.readUInt16BE(12) !== 0x0800) return false;
  const ipHdr = eth.subarray(14);
  const icmp = ipHdr.subarray((ipHdr[0]! & 0x0f) * 4);
  return ipHdr[9] === 1 && ipHdr.subarray(12, 16).equals(ip4(from)) && icmp[0] === 0 && icmp.readUInt16BE(4) === id;
}

/** Sends echo requests from the VM every 100 ms (the tap's carrier comes up asynchronously) until a reply or the time is up. */
export async function vmPings(fd: number, gatewayMac: string, from: string, to: string, ms: number): Promise<boolean> {
  const id = 0x4e4c, buf = Buffer.alloc(65536), deadline = Date.now() + ms;
  for (let seq = 1; Date.now() < deadline; seq++) {
    writeSync(fd, echoRequest(gatewayMac, from, to, id, seq));
    const until = Math.min(deadline, Date.now() + 100);
    while (Date.now() < until) {
      let n = 0;
      try {
        n = readSync(fd, buf);
      } catch (e) {
        if ((e as { code?: string }).code !== 'EAGAIN') throw e;
      }
      if (n > 0 && isEchoReply(buf.subarray(0, n), to, id)) return true;
      if (n === 0) await new Promise((r) => setTimeout(r, 5));
    }
  }
  return false;
}

/** Writes `count` full-sized echo requests from the VM as fast as the queue takes them (no replies read). */
export function vmFlood(fd: number, gatewayMac: string, from: string, to: string, count: number): void {
  for (let seq = 1; seq <= count; seq++) writeSync(fd, echoRequest(gatewayMac, from, to, 0x4e4d, seq, 1472));
}
