// Kernel refusals of tc's filter, chain and action commands, reported as tc reports them.
import { IpUsageError } from './ip-command.js';

/**
 * A request's kernel refusal as tc reports it: tc's filter, chain and action commands add a
 * line of their own after the kernel's, and exit with their own status (filters and chains
 * 2, actions 255; a flush says so and exits 1).
 */
export async function talk<T>(request: Promise<T>, line = 'We have an error talking to the kernel', status = 2): Promise<T> {
  try {
    return await request;
  } catch (e) {
    if (!(e instanceof Error) || e.name !== 'NetlinkError') throw e;
    const { ipErrorText } = await import('./ip-output.js');
    throw new IpUsageError(`${ipErrorText(e).text}\n${line}`, status);
  }
}
