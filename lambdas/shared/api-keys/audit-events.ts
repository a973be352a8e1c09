import { newId } from "../ids";

/** Audit events are kept a year (API.md §5). */
export const AUDIT_RETENTION_SECONDS = 365 * 24 * 60 * 60;

export const AUDIT_EVENT_TYPES = [
  "key.created",
  "key.updated",
  "key.revoked",
  "key.rotated",
  "key.expired_by_rotation",
  "key.leak_reported",
  "key.expiring_soon",
] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

/** An audit event as admins read it. Nothing in it ever holds a key: ids, names and changes only. */
export interface AuditEvent {
  id: string;
  type: AuditEventType;
  at: string;
  /** IAM principal ARN, `direct-invoke`, `secret-scanning`, `scheduler`, `user:<sub>` (console), or `local-admin` locally. */
  actor: string;
  /** A direct invocation's self-declared actor, kept unverified (CloudTrail holds the real invoker). */
  claimedActor?: string;
  /** A console user's e-mail, beside `actor: user:<sub>` (the console door); null when the token has none. */
  actorEmail?: string | null;
  keyId: string;
  changes: Record<string, unknown>;
}

/** The audit table item: the event plus its partition (`orgId`) and TTL. */
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
