/**
 * The attributes each narrowly-permitted writer touches, read or written, per item it writes: the
 * stack grants those functions `UpdateItem`/`PutItem` only with `dynamodb:Attributes` within these
 * lists (IAM counts the attributes a condition reads as well as those an update sets), and unit
 * tests check the code's own expressions stay inside them. Pure data, shared by `lib/` and tests.
 */

/** The authorizer's one conditional update of a key item (`lambdas/authorizer/authorize.ts`). */
export const AUTHORIZER_KEY_ATTRIBUTES = [
  "pk",
  "hash",
  "revokedAt",
  "expiresAt",
  "allowedIps",
  "revision",
  "windowStart",
  "windowCount",
  // A rollover keeps the closing window on the item until the stream has written it to the history.
  "prevWindowStart",
  "prevWindowCount",
  "lastUsedAt",
] as const;

/**
 * A leak report's revocation of a key item (`revokeKey` with `narrowCondition`): `SET revokedAt, ttl`
 * (and `REMOVE counted` for a key on the org's active-key counter) under `attribute_exists(pk) AND
 * attribute_not_exists(revokedAt)` (`AND attribute_exists(counted)`). No `orgId`, no `expiresAt`.
 */
export const LEAK_REVOCATION_KEY_ATTRIBUTES = ["pk", "revokedAt", "ttl", "counted"] as const;

/** Key items' partition keys that are an org's active-key counter (`ACTIVE_KEYS#<orgId>`), for IAM. */
export const ACTIVE_KEY_COUNTER_PREFIX = "ACTIVE_KEYS#";

/**
 * A key leaving the org's active-key counter moves the counter item down by one (`ADD activeKeys -1`,
 * `lambdas/key-management/active-key-count.ts`): the leak revocation and the expiry sweep do it.
 */
export const COUNTER_MOVE_ATTRIBUTES = ["pk", "activeKeys"] as const;

/** An expiry reminder's update of a key item (`lambdas/key-management/expiry-reminders.ts`). */
export const REMINDER_KEY_ATTRIBUTES = [
  "pk",
  "revokedAt",
  "expiresAt",
  "expiryReminder",
  "expiryDay",
] as const;

/**
 * The daily run's rotation-due updates of keys table items (`lambdas/key-management/rotation-*.ts`): a
 * reminder's `SET rotationReminded REMOVE rotationDueDay` on a key (live, not rotated, not reminded);
 * a key's `rotationDueDay` moved after its org's `rotateAfterDays` changed (the key's `orgId` in the
 * condition); and the policy item's recompute mark removed (`version` in the condition).
 */
export const ROTATION_DUE_KEY_ATTRIBUTES = [
  "pk",
  "orgId",
  "revokedAt",
  "expiresAt",
  "replacedBy",
  "rotationReminded",
  "rotationDueDay",
  "version",
] as const;

/**
 * The reminder days' backfill (`lambdas/key-management/reminder-days-backfill.ts`, docs/DECISIONS.md
 * #333) giving a key made before `expiryDay` existed its day: `SET expiryDay` under the key still live,
 * not rotated (a rotation's grace set that expiry), with that `expiresAt`, without a day or a reminder.
 * (Its `rotationDueDay` backfill stays within `ROTATION_DUE_KEY_ATTRIBUTES`.)
 */
export const EXPIRY_DAY_BACKFILL_KEY_ATTRIBUTES = [
  "pk",
  "revokedAt",
  "replacedBy",
  "expiresAt",
  "expiryReminder",
  "expiryDay",
] as const;

/** The backfill's progress item (`REMINDER_DAYS_BACKFILL_PK`): its scan position, then its completion. */
export const BACKFILL_MARKER_ATTRIBUTES = ["pk", "scanAfter", "completedAt"] as const;

/**
 * What the backfill's Scan of the keys table reads, IAM's `dynamodb:Attributes` of a Scan (with
 * `Select: SPECIFIC_ATTRIBUTES`): what it projects and what its filter reads, never a key's hash,
 * scopes or allowlist.
 */
export const BACKFILL_SCAN_ATTRIBUTES = [
  "pk",
  "orgId",
  "createdAt",
  "expiresAt",
  "revokedAt",
  "replacedBy",
  "rotationDueDay",
  "rotationReminded",
  "expiryDay",
  "expiryReminder",
] as const;

/**
 * The daily run's discount of an expired key (`discountExpiredKeys` in
 * `lambdas/key-management/expiry-reminders.ts`): `REMOVE counted` under `attribute_exists(counted) AND
 * expiresAt <= :now`. With `COUNTER_MOVE_ATTRIBUTES` on the counter item.
 */
export const EXPIRY_DISCOUNT_KEY_ATTRIBUTES = ["pk", "counted", "expiresAt"] as const;

/** An audit event's item (`lambdas/shared/api-keys/audit-events.ts`), put only if its id is new. */
export const AUDIT_EVENT_ATTRIBUTES = [
  "orgId",
  "id",
  "at",
  "type",
  "actor",
  "claimedActor",
  "actorEmail",
  "keyId",
  "changes",
  "ttl",
] as const;

/** An outbox item of the data table (`lambdas/shared/outbox-events.ts`), put only if new. */
export const OUTBOX_ITEM_ATTRIBUTES = [
  "pk",
  "sk",
  "id",
  "type",
  "createdAt",
  "orgId",
  "data",
  "ttl",
] as const;
