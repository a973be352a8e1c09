/**
 * Table definitions shared by the CDK stack and the local runtime, so both create the same keys,
 * indexes and TTL attribute. Pure data: no CDK, no SDK.
 */
export interface IndexDefinition {
  indexName: string;
  partitionKey: string;
  sortKey: string;
  /** Non-key attributes copied into the index (`INCLUDE` projection). */
  nonKeyAttributes: string[];
  /** The type of both key attributes: string unless `N` (number). */
  keyType?: "S" | "N";
}

export interface TableDefinition {
  /** CloudFormation logical id: stable forever, a test pins it (a change would replace the table). */
  logicalId: string;
  partitionKey: string;
  sortKey?: string;
  ttlAttribute: string;
  indexes: IndexDefinition[];
  /**
   * A DynamoDB stream of the table's writes, with each new item, or with the item before and after
   * (deployed; locally the embedded DynamoDB reports the writes that matter to the runtime instead).
   */
  stream?: "NEW_IMAGE" | "NEW_AND_OLD_IMAGES";
}

/**
 * The keys table item holding GitHub's secret-scanning public keys (API.md §8): written by the
 * scheduled refresher, read by the secret-scanning Lambda. It can never collide with a key's item,
 * whose pk is a key id (`key_` + 22 base62), nor reach the org index (it has no `orgId`).
 */
export const GITHUB_SIGNING_KEYS_PK = "CONFIG#secret-scanning-keys";

/**
 * The keys table items holding each org's key policy (API.md §12): `KEY_POLICY#<orgId>`. Like
 * `GITHUB_SIGNING_KEYS_PK`, it can never collide with a key's item (a key id starts `key_`) nor reach
 * the org index (it has no `orgId`, no `createdAt`). Absent until an org first sets its policy.
 */
export const KEY_POLICY_PK_PREFIX = "KEY_POLICY#";

/** Keys table index listing an org's keys, newest first. */
export const KEYS_BY_ORG_INDEX = "byOrg";

/**
 * Keys table index of the keys an admin gave an expiry, by the UTC day it falls on (`expiryDay`,
 * `YYYY-MM-DD`): the daily expiry reminder (API.md §11) queries the next 8 days' partitions instead of
 * scanning every key. Sparse: only keys holding `expiryDay` are in it (not those whose expiry a
 * rotation's grace set, nor those already reminded a day ahead). Its attributes never change per request.
 */
export const KEYS_BY_EXPIRY_DAY_INDEX = "byExpiryDay";

/**
 * Keys table index of the keys still on their org's active-key counter that have an expiry: partition
 * `counted` (the number 1 while counted, absent once off), sort `expiresAt`. The daily schedule reads
 * `counted = 1 AND expiresAt <= now` and takes each off the counter (API.md §5 cap; docs/DECISIONS.md
 * #212). Sparse twice over: a key without an expiry, or off the counter, is not in it, so it holds
 * only keys that are live or expired since the last run. Its keys change only when a key is created,
 * rotated, revoked, discounted or its expiry set: never per request.
 */
export const KEYS_COUNTED_BY_EXPIRY_INDEX = "countedByExpiry";

/**
 * Keys table index of the active keys whose org asks to rotate them (API.md §12), by the UTC day the
 * reminder falls due (`rotationDueDay`, `YYYY-MM-DD`: creation + `rotateAfterDays`, never before the
 * day it was computed): the daily run queries the last days' partitions instead of scanning every key.
 * Sparse: a key holds `rotationDueDay` only while a reminder is still to come (set at create and
 * rotate, recomputed for an org's keys when its `rotateAfterDays` changes, removed once reminded).
 * Its attributes never change per request.
 */
export const KEYS_BY_ROTATION_DUE_DAY_INDEX = "byRotationDueDay";

/**
 * The `rotationDueDay` an org's policy item holds while its keys' days still follow an older
 * `rotateAfterDays`: the daily run finds those policies in this partition of the same index, moves the
 * org's keys' days, and removes it (docs/DECISIONS.md #317). Never a date, so never a day's partition.
 */
export const ROTATION_RECOMPUTE = "recompute";

/**
 * One item per key, keyed by the key id. The org index projects only what status filtering needs;
 * it must not hold the per-request attributes (`windowStart`, `windowCount`, `lastUsedAt`), or every
 * API call would write the index too. List pages read the rest from the base items. Its stream (old
 * and new images) feeds the usage history's writer with each window a rollover closes (API.md §11).
 */
export const KEYS_TABLE: TableDefinition = {
  logicalId: "KeysTable",
  partitionKey: "pk",
  ttlAttribute: "ttl",
  stream: "NEW_AND_OLD_IMAGES",
  indexes: [
    {
      indexName: KEYS_BY_ORG_INDEX,
      partitionKey: "orgId",
      sortKey: "createdAt",
      // `counted`: the active-key cap's correction looks only at keys still on the counter
      // (lambdas/key-management/active-key-count.ts); written once per key, never per request.
      nonKeyAttributes: ["expiresAt", "revokedAt", "counted"],
    },
    {
      indexName: KEYS_BY_EXPIRY_DAY_INDEX,
      partitionKey: "expiryDay",
      sortKey: "pk",
      nonKeyAttributes: ["orgId", "expiresAt"],
    },
    {
      indexName: KEYS_COUNTED_BY_EXPIRY_INDEX,
      partitionKey: "counted",
      sortKey: "expiresAt",
      keyType: "N",
      nonKeyAttributes: ["orgId"],
    },
    {
      indexName: KEYS_BY_ROTATION_DUE_DAY_INDEX,
      partitionKey: "rotationDueDay",
      sortKey: "pk",
      nonKeyAttributes: ["orgId", "createdAt"],
    },
  ],
};

/**
 * Business data, partitioned by org: `pk` = `ORG#<orgId>`, `sk` = `<TYPE>#<id>`. Its stream feeds the
 * webhook dispatcher with new outbox items (API.md §9).
 */
export const DATA_TABLE: TableDefinition = {
  logicalId: "DataTable",
  partitionKey: "pk",
  sortKey: "sk",
  ttlAttribute: "ttl",
  indexes: [],
  stream: "NEW_IMAGE",
};

/**
 * Key audit events (API.md §5), one partition per org, sorted by a time-sortable event id so an org's
 * events list newest first with a plain query. Kept a year through the TTL attribute.
 */
export const AUDIT_TABLE: TableDefinition = {
  logicalId: "AuditTable",
  partitionKey: "orgId",
  sortKey: "id",
  ttlAttribute: "ttl",
  indexes: [],
};

/**
 * Per-key usage history (API.md §11): one item per key per closed rate window that counted anything,
 * `keyId` + `windowStart` (the window's start as an ISO 8601 UTC string: fixed width, so it sorts as
 * time does, and every table here keys on strings), holding `count`, `throttled` and a 90-day TTL. Written once
 * per window by the authorizer when its rollover swap hands back the closed window's final count; the
 * key item itself never grows. Read by key and time range with `ConsistentRead`, never scanned.
 */
export const USAGE_TABLE: TableDefinition = {
  logicalId: "UsageTable",
  partitionKey: "keyId",
  sortKey: "windowStart",
  ttlAttribute: "ttl",
  indexes: [],
};

export const TABLES = [KEYS_TABLE, DATA_TABLE, AUDIT_TABLE, USAGE_TABLE] as const;

/**
 * The keys table item keeping the progress of the reminder days' backfill (docs/DECISIONS.md #333):
 * the daily run's scan for keys made before `rotationDueDay` and `expiryDay` existed. It holds the
 * scan's position (`scanAfter`, the pk of the last item a finished page evaluated) until the scan is
 * done, then `completedAt`. Like `KEY_POLICY#`, it can never be taken for a key: its pk is no key id
 * (`key_` + 22 base62, which every key reader checks first), and it has no `orgId`, `createdAt`,
 * `expiresAt`, `counted`, day or window attribute, so it is in no index and the usage stream's filter
 * skips it. (Last in this module: declared among the others, it would cost the key doors 4 bytes of
 * minified declarations although they never use it.)
 */
export const REMINDER_DAYS_BACKFILL_PK = "MIGRATION#reminder-days";
