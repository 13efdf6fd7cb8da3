// nlkit/audit: the kernel audit subsystem (NETLINK_AUDIT): status, rules in auditctl's
// terms, user messages, and records grouped into events.
export {
  Audit, AuditWatchStream, AUDIT_NLGRP_READLOG, AUDIT_MESSAGE_TEXT_MAX, statusRequest,
  auditStatus, auditStatusSync, setAuditStatus, setAuditStatusSync, auditRules, auditRulesSync, addAuditRule, addAuditRuleSync,
  deleteAuditRule, deleteAuditRuleSync, auditUser, auditUserSync,
  type AuditCalls, type AuditOptions, type AuditStatus, type AuditStatusChange, type AuditWatchOptions,
} from './client.js';
export { parseRule, formatRule, encodeRule, decodeRule, watchRule, type AuditRule, type AuditWatch, type AuditField, type AuditList, type AuditAction, type AuditOp } from './rules.js';
export { decodeRecord, decodeRecordBody, parseFields, recordTypeName, recordTypeNumber, EventGrouper, type AuditRecord, type AuditEvent } from './records.js';
export { EventItems, type EventItem, type OverrunItem, type ErrorItem } from '../core/event-items.js';
