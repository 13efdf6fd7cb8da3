// nlkit/diag: sockets of every family as the kernel's sock_diag reports them (what `ss` shows).
export {
  SocketDiag, openSocketDiag, listSockets, listSocketsSync, destroySocket, destroySocketSync,
  type Socket, type SocketsOf, type SocketQuery, type QueryFamily, type SocketId,
} from './sockets.js';
export type { InetSocket, Endpoint, TcpInfo, InetExtension } from './inet.js';
export type { UnixSocket, NetlinkSocketInfo, PacketSocket } from './local.js';
export { compileFilter, type SocketFilter, type PortCondition } from './bytecode.js';
export type { DiagCallOptions } from './context.js';
export { STATES, STATE_GROUPS, SS_STATE_NAMES, parseStates, type SocketState, type InetProtocol, type SocketFamily, type SkMeminfo } from './names.js';
export { processesBySocket, type SocketUser } from './procs.js';
