export * from './constants.js';
export { GenericNetlink, genlPayload, type GenlRequestOptions, type GenlDumpOptions } from './client.js';
export { ctrlAttrs, ctrlLayout, decodeFamily, mcastGroupAttrs, opAttrs, opFlagNames, type GenlFamily, type GenlMulticastGroup, type GenlOperation } from './ctrl.js';
