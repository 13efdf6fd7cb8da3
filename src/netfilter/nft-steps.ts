// nftables over nlkit/route's one binder (bindOps on a NetfilterContext): a batch is a
// transaction sent whole, and an operation that needs several earlier answers is a chain of
// steps (route's seq and mapStep).
import type { RouteOptions } from '../route/context.js';

/** Options every nftables call takes: `{ netns, timeout, signal }`, as nlkit/route's. */
export type NftOptions = RouteOptions;
