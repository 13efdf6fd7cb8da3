// A pinned eBPF program's fd (bpf(BPF_OBJ_GET) in the addon), held for the one request that
// attaches it: the kernel takes its own reference, so the fd is closed when the call is over.
import { NetlinkArgumentError } from '../core/errors.js';
import { native } from '../core/native.js';
import { quote } from '../core/options.js';

export const bpfObjGet = Object.assign(
  (path: unknown, option = 'pinned'): number => {
    if (typeof path !== 'string' || path.length === 0 || path.includes('\0'))
      throw new NetlinkArgumentError(option, `must be the path of a pinned program (e.g. '/sys/fs/bpf/prog'), got ${quote(path)}`, 'ERR_INVALID_ARG_TYPE');
    return native.bpfObjGet(path);
  },
  { close: (fd: number): void => native.close(fd) },
);
