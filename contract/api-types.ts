/**
 * The key-management API's bodies and answers as they travel (API.md §5, §10, §11): the one
 * declaration of each wire shape. The handlers build their answers typed with these, the OpenAPI
 * document's schemas are checked against them (`schemas/answers.ts`), and the clients
 * (the page in `web/`, the CLI in `lib/admin-client/`) read answers with them. Plain types, plus the
 * closed lists the types are derived from (as `scopes.ts` holds `SCOPES`); what is stored
 * (`ApiKeyItem`, `AuditItem`, `UsageItem`) stays with the stores in `lambdas/`. Errors answer in the
 * envelope of `error-codes.ts`.
 */
import type { Scope } from "./scopes";

/** A page of a list (API.md §6): the items and the cursor of the next page, null on the last. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export const KEY_STATUSES = ["active", "expired", "revoked"] as const;

/** The rules of an org's key policy an existing key can break (API.md §12; `rotateAfterDays` is a reminder). */
export const POLICY_VIOLATIONS = ["maxLifetimeDays", "allowedScopes", "requireAllowlist"] as const;
export type PolicyViolation = (typeof POLICY_VIOLATIONS)[number];
export type KeyStatus = (typeof KEY_STATUSES)[number];

/** A key as admins see it (API.md §5). Instants are ISO 8601 UTC; null where none applies. */
export interface KeyRecord {
  id: string;
  orgId: string;
  name: string;
  scopes: Scope[];
  hint: string;
  status: KeyStatus;
  createdAt: string;
  createdBy: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  rateLimit: { limit: number; windowSeconds: number };
  allowedIps: string[] | null;
  replacedBy: string | null;
  usage: { windowStart: string; count: number };
  /** The rules of the org's current key policy an active key breaks; `[]` for expired and revoked keys. */
  policyViolations: PolicyViolation[];
}

/** The create answer: the record plus the key, the only time the key exists outside its holder. */
export type CreatedKey = KeyRecord & {
  key: string;
  /** The key's copy in Secrets Manager; only with the hook on. */
  secretArn?: string;
};

/** The rotate answer: the new key's record, the new key, and the id of the key it replaces. */
export type RotatedKey = CreatedKey & { replaces: string };

export const GRANULARITIES = ["window", "hour", "day"] as const;
export type Granularity = (typeof GRANULARITIES)[number];

/** One period of a usage answer: its start (ISO 8601 UTC) and its traffic, of which `throttled` got 429. */
export interface UsagePeriod {
  start: string;
  count: number;
  throttled: number;
}

/** A listed key: its record and its last 7 days by hour (what the page's sparkline draws). */
export type KeyListItem = KeyRecord & { lastSevenDays: UsagePeriod[] };

/** A key's usage answer (API.md §11): periods oldest first, periods without requests left out. */
export interface KeyUsage {
  keyId: string;
  windowSeconds: number;
  /** The key's effective limit per window (its own, or the environment's). */
  limit: number;
  granularity: Granularity;
  items: UsagePeriod[];
}

export const AUDIT_EVENT_TYPES = [
  "key.created",
  "key.updated",
  "key.revoked",
  "key.rotated",
  "key.expired_by_rotation",
  "key.leak_reported",
  "key.expiring_soon",
  "key.rotation_due",
  "policy.updated",
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
  /** The key it concerns; null for an event of the org's own (`policy.updated`). */
  keyId: string | null;
  changes: Record<string, unknown>;
}

/**
 * Body of a create, as sent (before the server's normalising): `expiresAt` an ISO 8601 date-time
 * with an offset, or a date.
 */
export interface CreateKeyBody {
  name: string;
  scopes: Scope[];
  expiresAt?: string;
  rateLimit?: { limit: number };
  allowedIps?: string[];
}

/** Body of a PATCH: every field optional; null removes the key's own limit or its allowlist. */
export interface UpdateKeyBody {
  name?: string;
  scopes?: Scope[];
  rateLimit?: { limit: number } | null;
  allowedIps?: string[] | null;
}

/** Body of a rotation: every field optional; `expiresAt` is the new key's. */
export interface RotateKeyBody {
  gracePeriodSeconds?: number;
  expiresAt?: string;
}

/**
 * An org's rules for its keys (API.md §12), as `PUT …/key-policy` takes them: every field required.
 * `maxLifetimeDays` and `rotateAfterDays` 1 to 3650 or null (no maximum, no reminders);
 * `allowedScopes` a non-empty set, or null for any scope.
 */
export interface KeyPolicyBody {
  maxLifetimeDays: number | null;
  allowedScopes: Scope[] | null;
  requireAllowlist: boolean;
  rotateAfterDays: number | null;
}

/** The policy as `GET` and `PUT …/key-policy` answer it: who set it last and when (null: never set). */
export type KeyPolicy = KeyPolicyBody & { updatedAt: string | null; updatedBy: string | null };

/** The policy of an org that never set one (API.md §12). */
export const DEFAULT_KEY_POLICY: Readonly<KeyPolicyBody> = {
  maxLifetimeDays: null,
  allowedScopes: null,
  requireAllowlist: false,
  rotateAfterDays: 90,
};

/**
 * What each key-management operation answers, by its name (the direct invocation's `action`), the
 * same behind every door: the admin API, the console API and a direct invocation. A client takes an
 * answer's type from here, never chooses it.
 */
export interface KeyOperationAnswers {
  createKey: CreatedKey;
  listKeys: Page<KeyListItem>;
  getKey: KeyRecord;
  revokeKey: KeyRecord;
  updateKey: KeyRecord;
  rotateKey: RotatedKey;
  getKeyUsage: KeyUsage;
  listAuditEvents: Page<AuditEvent>;
  getKeyPolicy: KeyPolicy;
  putKeyPolicy: KeyPolicy;
}
