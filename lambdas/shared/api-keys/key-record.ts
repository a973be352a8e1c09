import {
  type KeyPolicyBody,
  type KeyRecord,
  type KeyStatus,
  POLICY_VIOLATIONS,
  type PolicyViolation,
} from "../../../contract/api-types";
import type { Scope } from "../../../contract/scopes";
import { windowStart } from "./rate-window";

/** Dead keys stay listed this long after they stop working; then the TTL attribute lets DynamoDB remove them. */
export const DEAD_KEY_RETENTION_SECONDS = 90 * 24 * 60 * 60;

/**
 * A key as stored in the keys table. Times are epoch milliseconds except `createdAt` (ISO, the org
 * index's sort key), `windowStart` and `ttl` (epoch seconds). The full key is never stored: `hash`
 * is its SHA-256 in hex, `pk` the id derived from it.
 */
export interface ApiKeyItem {
  pk: string;
  hash: string;
  orgId: string;
  name: string;
  scopes: Scope[];
  hint: string;
  createdAt: string;
  createdBy: string;
  expiresAt?: number;
  revokedAt?: number;
  lastUsedAt?: number;
  /** Per-key override of the environment's limit. */
  rateLimit?: number;
  allowedIps?: string[];
  replacedBy?: string;
  replaces?: string;
  /**
   * Bumped by every admin change of the key's settings (PATCH, rotation), so a change computed from
   * a read commits only if nobody changed the key since. Absent until the first such change.
   */
  revision?: number;
  /**
   * The UTC day (`YYYY-MM-DD`) of an admin-chosen `expiresAt`: the key's entry in the expiry index
   * (API.md §11 reminders). Absent when a rotation's grace set the expiry, and once the 1-day reminder went.
   */
  expiryDay?: string;
  /** The last expiry reminder sent: `7d`, then `1d` (each at most once). */
  expiryReminder?: "7d" | "1d";
  /**
   * The UTC day its rotation reminder falls due (API.md §12): the key's entry in the rotation-due
   * index, while its org sets `rotateAfterDays` and no reminder went yet.
   */
  rotationDueDay?: string;
  /** Set (the number 1) once the rotation reminder went: never a second one. */
  rotationReminded?: 1;
  /**
   * On the org's active-key counter (`lambdas/key-management/active-key-count.ts`): set when the key
   * is written, removed when it is revoked or a discount takes the dead key off the counter. The
   * number 1 (not a boolean): it is the partition key of the `countedByExpiry` index.
   */
  counted?: 1;
  /** Start of the window `windowCount` counts, epoch seconds. */
  windowStart: number;
  windowCount: number;
  /**
   * The window the last rollover closed, kept beside the open one (the authorizer's rollover copies
   * it): a usage read sees it while the keys table's stream is still writing it to the history.
   */
  prevWindowStart?: number;
  prevWindowCount?: number;
  /** Epoch seconds after which DynamoDB may delete the item: when it stopped working + 90 days. */
  ttl?: number;
}

export function keyStatus(item: Pick<ApiKeyItem, "expiresAt" | "revokedAt">, nowMs: number): KeyStatus {
  if (item.revokedAt !== undefined) return "revoked";
  if (item.expiresAt !== undefined && item.expiresAt <= nowMs) return "expired";
  return "active";
}

/** The TTL for a key that stops working at `stopsAtMs`. */
export function ttlFor(stopsAtMs: number): number {
  return Math.ceil(stopsAtMs / 1000) + DEAD_KEY_RETENTION_SECONDS;
}

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

const DAY_MS = 86_400_000;

/**
 * The rules of `policy` an active key breaks (API.md §12): `maxLifetimeDays` with no expiry or one
 * further from its creation than the maximum, `allowedScopes` with a scope outside them,
 * `requireAllowlist` with no allowlist. None for a key that no longer works.
 */
export function policyViolationsOf(
  item: ApiKeyItem,
  status: KeyStatus,
  policy: KeyPolicyBody,
): PolicyViolation[] {
  const max = policy.maxLifetimeDays;
  const allowed = policy.allowedScopes;
  const broken: Record<PolicyViolation, boolean> = {
    // No expiry makes the difference NaN, which is never within the maximum.
    maxLifetimeDays:
      max !== null && !((item.expiresAt ?? Number.NaN) - Date.parse(item.createdAt) <= max * DAY_MS),
    allowedScopes: allowed !== null && item.scopes.some((scope) => !allowed.includes(scope)),
    requireAllowlist: policy.requireAllowlist && item.allowedIps === undefined,
  };
  return status === "active" ? POLICY_VIOLATIONS.filter((rule) => broken[rule]) : [];
}

/**
 * The key record (API.md §5) of a stored key at `nowMs`, under its org's current key `policy`: its
 * wire shape is the contract's.
 */
export function toKeyRecord(
  item: ApiKeyItem,
  nowMs: number,
  defaults: { rateLimit: number; rateWindowSeconds: number },
  policy: KeyPolicyBody,
): KeyRecord {
  const currentWindow = windowStart(nowMs, defaults.rateWindowSeconds);
  const status = keyStatus(item, nowMs);
  return {
    id: item.pk,
    orgId: item.orgId,
    name: item.name,
    scopes: item.scopes,
    hint: item.hint,
    status,
    createdAt: item.createdAt,
    createdBy: item.createdBy,
    expiresAt: iso(item.expiresAt),
    revokedAt: iso(item.revokedAt),
    lastUsedAt: iso(item.lastUsedAt),
    rateLimit: { limit: item.rateLimit ?? defaults.rateLimit, windowSeconds: defaults.rateWindowSeconds },
    allowedIps: item.allowedIps ?? null,
    replacedBy: item.replacedBy ?? null,
    usage: {
      windowStart: new Date(currentWindow * 1000).toISOString(),
      count: item.windowStart === currentWindow ? item.windowCount : 0,
    },
    policyViolations: policyViolationsOf(item, status, policy),
  };
}
