// Kernel refusals of tc's filter, chain and action commands, reported as tc reports them.
import { kernelRefusal } from './ip-output.js';

/**
 * A request's kernel refusal as tc reports it: tc's filter, chain and action commands add a
 * line of their own after the kernel's, and exit with their own status (filters and chains
 * 2, actions 255; a flush says so and exits 1).
 */
export function talk<T>(request: Promise<T>, line = 'We have an error talking to the kernel', status = 2): Promise<T> {
  return request.catch((e: unknown) => {
    throw kernelRefusal(e, line, status);
  });
}
