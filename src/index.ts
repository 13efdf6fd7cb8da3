export * from './core/index.js';
export * as genl from './genl/index.js';
export { GenericNetlink } from './genl/index.js';
