export * from './core/index.js';
export * as genl from './genl/index.js';
export { GenericNetlink } from './genl/index.js';
export * as ynl from './ynl/index.js';
export { openFamily, openFamilySync, loadSpec } from './ynl/index.js';
export * as route from './route/index.js';
export { openRoute } from './route/index.js';
