// Real sock_diag replies, captured from the kernel in a namespace holding TCP, UDP, unix,
// netlink and packet sockets: the seeds the decoders' fuzz test mutates.
import { Connection } from '../../src/core/connection.js';
import { NETLINK_SOCK_DIAG } from '../../src/core/constants.js';
import type { Call } from '../../src/core/call.js';
import type { RawMessage } from '../../src/core/message.js';
import { inetDumpCall, EXTENSIONS } from '../../src/diag/inet.js';
import { netlinkDumpCall, packetDumpCall, unixDumpCall } from '../../src/diag/local.js';
import { STATES } from '../../src/diag/names.js';

export type CaptureKind = 'inet' | 'unix' | 'netlink' | 'packet';
export interface Capture { kind: CaptureKind; body: Buffer }

const bytesOf = (m: RawMessage): Buffer => Buffer.from(m.buf.subarray(m.start, m.end));

/** Every reply of each dump, as message bodies (what follows nlmsghdr). */
export function captureReplies(netns: string): Capture[] {
  const conn = new Connection(NETLINK_SOCK_DIAG, { netns });
  try {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- replies of several types, read as bytes
    const calls: [CaptureKind, Call<any, any>][] = [
      ['inet', inetDumpCall('inet', 'tcp', [...STATES], [...EXTENSIONS], undefined)],
      ['inet', inetDumpCall('inet6', 'tcp', [...STATES], [...EXTENSIONS], undefined)],
      ['inet', inetDumpCall('inet', 'udp', [...STATES], [...EXTENSIONS], undefined)],
      ['inet', inetDumpCall('inet6', 'udp', [...STATES], [...EXTENSIONS], undefined)],
      ['unix', unixDumpCall([...STATES])],
      ['netlink', netlinkDumpCall()],
      ['packet', packetDumpCall()],
    ];
    return calls.flatMap(([kind, call]) => conn.runSync({ ...call, decode: bytesOf } as Call<Buffer, Buffer[]>).map((body) => ({ kind, body })));
  } finally {
    conn.close();
  }
}
