// nlkit/connector: process events from the kernel's proc connector.
export { procEvents, kernelHasProcInput, PROC_EVENT_TYPES, type ProcEventsOptions, type ProcEventFilter, type ProcItem } from './proc-events.js';
export { decodeProcMessage, exitStatus, type ProcEvent, type ProcEventType, type ProcAck, type ExitStatus } from './decode.js';
export { EventItems, type EventItem, type OverrunItem, type ErrorItem } from '../core/event-items.js';
