// Records as auditd receives them: this process registered as the audit daemon (AUDIT_SET
// pid), the kernel sending every record to its socket (unicast, reliable: the kernel holds
// records back while the daemon's queue is full), unregistered on close. The kernel frames
// these unicast records its own way: nlmsg_len counts the payload only, not the header
// (auditd relies on it; the multicast copies are framed normally). So they are read here
// from whole datagrams rather than through the request engine.
import { NETLINK_AUDIT, NLM_F_ACK, NLM_F_REQUEST, NLMSG_ERROR, NLMSG_HDRLEN } from '../core/constants.js';
import { datagramReaderSync, pollDatagrams, readDatagramsSync, type DatagramHandler } from '../core/datagrams.js';
import { NetlinkDecodeError, NetlinkError, NetlinkTimeoutError } from '../core/errors.js';
import { EventItems } from '../core/event-items.js';
import { EventStream } from '../core/events.js';
import { parseErrorMessage } from '../core/extack.js';
import type { RawMessage } from '../core/message.js';
import { NetlinkSocket } from '../core/transport.js';
import { Writer } from '../core/writer.js';
import { Family } from '../ynl/family.js';
import { description } from '../ynl/families/audit.js';
import { decodeRecordBody, type AuditRecord } from './records.js';

const audit = Family.from(description);
const AUDIT_SET = audit.op('set').requestValue!;
const REGISTER_SEQ = 1;
/** How long the kernel may take to answer the registration. */
const ANSWER_MS = 5000;

export interface AuditdOptions {
  highWaterMark?: number;
  ref?: boolean;
  rcvbuf?: number;
  forceBuffers?: boolean;
}

/** Where a unicast record's payload is: the kernel's nlmsg_len leaves the header out. */
function payloadEnd(m: RawMessage, datagramEnd: number): number {
  const len = m.buf.readUInt32LE(m.start);
  const whole = datagramEnd - m.start;
  if (len + NLMSG_HDRLEN === whole) return datagramEnd; // auditd's framing
  return len >= NLMSG_HDRLEN && len <= whole ? m.start + len : -1;
}

/**
 * Registers this process as the audit daemon and streams the records the kernel sends it.
 * Throws NetlinkError EEXIST while another daemon is registered (nothing changed then).
 * close() unregisters (pid 0: no daemon, as before) and closes the socket.
 */
export function auditdRecords(opts: AuditdOptions = {}): EventItems<AuditRecord> {
  const sock = new NetlinkSocket(NETLINK_AUDIT, {
    bind: 0, ...(opts.rcvbuf !== undefined ? { rcvbuf: opts.rcvbuf, forceBuffers: opts.forceBuffers } : {}),
  });
  const send = (pid: number, seq: number): void => {
    const w = new Writer(128);
    const start = w.beginMessage(AUDIT_SET, NLM_F_REQUEST | NLM_F_ACK, seq);
    audit.writeBody(w, audit.op('set'), { mask: ['pid'], pid }, 0);
    w.endMessage(start);
    sock.send(w.buf, 0, w.pos);
  };
  let answer: NetlinkError | 'ok' | undefined;
  let polling: { pause(): void; resume(): void } | undefined;
  const handler: DatagramHandler = {
    datagram: (m) => {
      if (m.sender !== 0) return; // only the kernel
      const end = m.end;
      if (end - m.start < NLMSG_HDRLEN) return stream.deliverError(new NetlinkDecodeError(`a ${end - m.start}-byte datagram has no netlink header`, 0), 0);
      m.type = m.buf.readUInt16LE(m.start + 4);
      m.flags = m.buf.readUInt16LE(m.start + 6);
      m.seq = m.buf.readUInt32LE(m.start + 8);
      const stop = payloadEnd(m, end);
      if (stop < 0) return stream.deliverError(new NetlinkDecodeError(`audit record length ${m.buf.readUInt32LE(m.start)} does not fit its ${end - m.start}-byte datagram`, 0), 0);
      m.start += NLMSG_HDRLEN;
      m.end = stop;
      if (m.type !== NLMSG_ERROR) return stream.deliver(m);
      if (m.seq !== REGISTER_SEQ || answer !== undefined) return;
      const { errno, ext } = parseErrorMessage(m.buf, m.start, m.end, m.flags);
      answer = errno === 0 ? 'ok' : new NetlinkError(errno, ext, undefined, { subject: `set pid ${process.pid}` });
    },
    overrun: () => stream.overrun(),
    fail: (err) => stream.fail(err),
  };
  const stream = new EventStream<AuditRecord>(
    { decode: (m) => decodeRecordBody(m.type, m.buf, m.start, m.end), highWaterMark: opts.highWaterMark, ref: opts.ref },
    () => polling?.pause(), () => polling?.resume(), () => {}, datagramReaderSync(sock, handler),
  );
  // registered (or refused) before this returns: records that come ahead of the answer wait in the stream
  try {
    send(process.pid, REGISTER_SEQ);
    if (!readDatagramsSync(sock, handler, () => answer !== undefined, ANSWER_MS))
      throw new NetlinkTimeoutError(ANSWER_MS);
    if (answer instanceof NetlinkError) throw answer;
  } catch (e) {
    stream.close();
    sock.close();
    throw e;
  }
  polling = pollDatagrams(sock, handler);
  sock.setRef(opts.ref ?? true);
  stream.on('ref-change', () => sock.setRef(stream.ref));
  return EventItems.of<AuditRecord, AuditRecord>(stream, (r) => r, () => {
    try {
      // the kernel handles a request inside sendmsg: unregistered when this returns
      if (!sock.isClosed) send(0, REGISTER_SEQ + 1);
    } catch {
      // the socket failed: the kernel drops a daemon whose socket is gone on its next send
    } finally {
      sock.close();
    }
  });
}
