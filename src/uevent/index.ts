// nlkit/uevent: kernel and udev device events (NETLINK_KOBJECT_UEVENT).
export { uevents, UEVENT_GROUPS, type UeventsOptions } from './monitor.js';
export {
  decodeUevent, decodeKernelUevent, decodeUdevEvent, encodeKernelUevent, encodeUdevEvent, UDEV_MAGIC, UDEV_PREFIX,
  type Uevent, type UeventSource,
} from './decode.js';
export { EventItems, type EventItem, type OverrunItem, type ErrorItem } from '../core/event-items.js';
