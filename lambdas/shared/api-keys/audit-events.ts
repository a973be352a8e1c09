import type { AuditEvent } from "../../../contract/api-types";
import { newId } from "../ids";

/** Audit events are kept a year (API.md §5). */
export const AUDIT_RETENTION_SECONDS = 365 * 24 * 60 * 60;

/** The audit table item: the event as admins read it (`contract/api-types.ts`) plus its partition (`orgId`) and TTL. */
export interface AuditItem extends AuditEvent {
  orgId: string;
  ttl: number;
}

/**
 * The item recording one event, for a Put in the same TransactWriteItems as the change it records,
 * so an event exists exactly when its change committed.
 */
export function auditItem(orgId: string, event: Omit<AuditEvent, "id" | "at">, nowMs: number): AuditItem {
  return {
    orgId,
    id: newId("evt", nowMs),
    at: new Date(nowMs).toISOString(),
    ...event,
    ttl: Math.ceil(nowMs / 1000) + AUDIT_RETENTION_SECONDS,
  };
}
