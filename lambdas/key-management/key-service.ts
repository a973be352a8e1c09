import { createHash } from "node:crypto";
import type { CancellationReason } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { z } from "zod";
import type { Scope } from "../../contract/scopes";
import { KEYS_BY_ORG_INDEX } from "../../contract/tables";
import { digestApiKey, generateApiKey, isWellFormedApiKey, sameDigest } from "../shared/api-keys/api-key";
import {
  type AuditEvent,
  type AuditEventType,
  type AuditItem,
  auditItem,
} from "../shared/api-keys/audit-events";
import {
  type ApiKeyItem,
  type KeyRecord,
  type KeyStatus,
  keyStatus,
  toKeyRecord,
  ttlFor,
} from "../shared/api-keys/key-record";
import { commitWithSecret, type KeySecretStore } from "../shared/api-keys/key-secrets";
import { windowStart } from "../shared/api-keys/rate-window";
import { decodeCursor, encodeCursor } from "../shared/dynamo/cursor";
import {
  type CreateKeyInput,
  isKeyId,
  type ListAuditEventsInput,
  type ListKeysInput,
  type RotateKeyInput,
  type UpdateKeyInput,
} from "./schemas";

/**
 * Key management over the keys table (DESIGN.md "Keys table") and the audit table. Pure functions of
 * their dependencies: the same code serves API Gateway, direct invocations, the local runtime, tests,
 * and other Lambdas that act on keys (the leaked-key route revokes through `revokeKey`).
 *
 * Every change writes its audit event in the same `TransactWriteItems` as the change itself, so an
 * event exists exactly when its change committed. A change computed from a read commits only if the
 * key is still as read (conditions on status, `replacedBy` and `revision`); when it is not, the key is
 * read again and the change decided anew. Expected outcomes (a key that is not there or not active, a
 * cursor that is not valid, a replayed idempotency key) are returned as values; only what nobody
 * expects (DynamoDB failing) is thrown.
 */
export interface KeyServiceDeps {
  db: DynamoDBDocumentClient;
  table: string;
  /** The audit table (API.md §5 events), written in the same transactions as the keys. */
  auditTable: string;
  /** Epoch milliseconds. */
  clock: () => number;
  settings: { rateLimit: number; rateWindowSeconds: number };
  /** 32 random bytes per key; crypto-random unless a test injects its own. */
  random?: () => Uint8Array;
  /** Waits between retries (unprocessed batch reads, transaction conflicts); real time unless a test injects its own. */
  pause?: (ms: number) => Promise<void>;
  /** Uniform in [0, 1): the jitter of conflict backoff; `Math.random` unless a test injects its own. */
  jitter?: () => number;
  /**
   * The Secrets Manager hook (API.md §5), only when it is on: created and rotated keys are copied
   * there before their item is written (`lambdas/shared/api-keys/key-secrets.ts`).
   */
  secrets?: KeySecretStore;
}

/**
 * Who made a change: the IAM principal ARN, `local-admin` locally, `direct-invoke` for a direct
 * invocation (with its self-declared `claimedActor`, unverified), `secret-scanning` for leak reports,
 * `user:<sub>` for a person signed in to the console (with `actorEmail`, null when unknown).
 */
export interface Actor {
  actor: string;
  claimedActor?: string;
  actorEmail?: string | null;
}
/** An actor, or just its name. */
export type ActorInput = string | Actor;

const actorOf = (input: ActorInput): Actor => (typeof input === "string" ? { actor: input } : input);

/** What a caller can get wrong, or what the key's state forbids. */
export type KeyServiceFailure =
  /** Not there, no longer there (TTL), or another org's. */
  | { reason: "not_found" }
  | { reason: "invalid_cursor" }
  /** The key's state forbids the change (not active, already rotated); `message` says why. */
  | { reason: "conflict"; message: string }
  /** A create's `Idempotency-Key` was used before, for the key `keyId`. */
  | { reason: "idempotency_replay"; keyId: string }
  /** Concurrent transactions on the same items kept cancelling this one: try again shortly. */
  | { reason: "busy" };

export type Outcome<T> = { ok: true; value: T } | ({ ok: false } & KeyServiceFailure);

const ok = <T>(value: T): Outcome<T> => ({ ok: true, value });
const fail = <T>(failure: KeyServiceFailure): Outcome<T> => ({ ok: false, ...failure });

/** The create answer: the record plus the key, the only time the key exists outside its holder. */
export type CreatedKey = KeyRecord & {
  key: string;
  /** The key's copy in Secrets Manager; only with the hook on. */
  secretArn?: string;
};

/** The rotate answer: the new key's record, the new key, and the id of the key it replaces. */
export type RotatedKey = CreatedKey & { replaces: string };

export interface KeyPage {
  items: KeyRecord[];
  nextCursor: string | null;
}

export interface AuditPage {
  items: AuditEvent[];
  nextCursor: string | null;
}

const record = (deps: KeyServiceDeps, item: ApiKeyItem, nowMs: number) =>
  toKeyRecord(item, nowMs, deps.settings);

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

const realPause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------------
// Transactions

type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

/** The transaction committed, or was cancelled with these per-item reasons (a condition failed). */
type TransactResult = { committed: true } | { committed: false; reasons: CancellationReason[] };

/** Attempts of a transaction cancelled only by conflicts with concurrent transactions, the first included. */
const CONFLICT_ATTEMPTS = 6;
/** Ceiling of the first conflict backoff; it doubles with each retry ("full jitter"). */
const CONFLICT_BACKOFF_MS = 20;

/** The per-item reasons of a cancelled transaction; undefined for any other error. By name: the SDK may be duplicated. */
function cancellationReasons(error: unknown): CancellationReason[] | undefined {
  if (error instanceof Error && error.name === "TransactionCanceledException") {
    return (error as { CancellationReasons?: CancellationReason[] }).CancellationReasons ?? [];
  }
  return undefined;
}

const failedAt = (result: TransactResult, index: number) =>
  !result.committed && result.reasons[index]?.Code === "ConditionalCheckFailed";

/**
 * One `TransactWriteItems`. DynamoDB cancels a transaction that touches an item another transaction
 * holds (`TransactionConflict`) and the SDK does not retry that: it is retried here with jittered
 * exponential backoff. A failed condition is an answer, returned with its reasons; anything else
 * (throttling, validation, a storage error) is thrown. "busy" when conflicts outlast the retries.
 */
async function transact(deps: KeyServiceDeps, items: TransactItem[]): Promise<TransactResult | "busy"> {
  const pause = deps.pause ?? realPause;
  const jitter = deps.jitter ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      await deps.db.send(new TransactWriteCommand({ TransactItems: items }));
      return { committed: true };
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (!reasons) throw error;
      const codes = new Set(reasons.map((reason) => reason.Code ?? "None"));
      codes.delete("None");
      if (codes.has("ConditionalCheckFailed")) return { committed: false, reasons };
      if (codes.size !== 1 || !codes.has("TransactionConflict")) throw error;
      if (attempt === CONFLICT_ATTEMPTS) return "busy";
      await pause(Math.floor(jitter() * CONFLICT_BACKOFF_MS * 2 ** (attempt - 1)));
    }
  }
}

const putAudit = (deps: KeyServiceDeps, event: AuditItem): TransactItem => ({
  Put: { TableName: deps.auditTable, Item: event },
});

/** An audit event of `who`, on key `keyId`, at `nowMs`. */
function eventOf(
  orgId: string,
  who: Actor,
  type: AuditEventType,
  keyId: string,
  changes: Record<string, unknown>,
  nowMs: number,
): AuditItem {
  return auditItem(
    orgId,
    {
      type,
      actor: who.actor,
      ...(who.claimedActor === undefined ? {} : { claimedActor: who.claimedActor }),
      ...(who.actorEmail === undefined ? {} : { actorEmail: who.actorEmail }),
      keyId,
      changes,
    },
    nowMs,
  );
}

/**
 * Conditions on a key read moments ago, so that a change computed from the read commits only if the
 * key is still that key: this org's, not revoked, not expired, and (with `revision`) not changed by
 * another admin since. `expiresAt` is compared with the clock, as the authorizer does.
 */
function stillLive(item: ApiKeyItem, options: { revision?: boolean; notRotated?: boolean } = {}) {
  const parts = [
    "attribute_exists(pk)",
    "orgId = :orgId",
    "attribute_not_exists(revokedAt)",
    "(attribute_not_exists(expiresAt) OR expiresAt > :now)",
  ];
  const values: Record<string, unknown> = { ":orgId": item.orgId };
  if (options.notRotated) parts.push("attribute_not_exists(replacedBy)");
  if (options.revision) {
    if (item.revision === undefined) parts.push("attribute_not_exists(#revision)");
    else {
      parts.push("#revision = :revision");
      values[":revision"] = item.revision;
    }
  }
  return { condition: parts.join(" AND "), values };
}

/** A change of the key's settings that lost a race with another change tries again (re-reading), this often. */
const CHANGE_ATTEMPTS = 3;

// ---------------------------------------------------------------------------------------------------
// Create

/** A create's `Idempotency-Key` is remembered this long (Stripe keeps them 24 hours too). */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

/**
 * The idempotency record's partition key: a hash of the org and the client's key, so a client's key
 * (any printable ASCII) never becomes part of a key, and orgs never share one. The separator cannot
 * occur in an org id. The item holds no `orgId` or `createdAt`, so it never enters the org index.
 */
export function idempotencyRecordKey(orgId: string, idempotencyKey: string): string {
  return `IDEMPOTENCY#${createHash("sha256").update(`${orgId}\n${idempotencyKey}`, "utf8").digest("hex")}`;
}

/** The settings a key is created with (from the body, or inherited by a rotation). */
interface KeySettings {
  name: string;
  scopes: Scope[];
  expiresAt?: number;
  rateLimit?: number;
  allowedIps?: string[];
}

/** A fresh key and its item, starting in the current window with a count of 0. */
function newKeyItem(
  deps: KeyServiceDeps,
  orgId: string,
  settings: KeySettings,
  createdBy: string,
  nowMs: number,
): { key: string; item: ApiKeyItem } {
  const key = generateApiKey(deps.random?.());
  const { id, hashHex, hint } = digestApiKey(key);
  const item: ApiKeyItem = {
    pk: id,
    hash: hashHex,
    orgId,
    name: settings.name,
    scopes: settings.scopes,
    hint,
    createdAt: new Date(nowMs).toISOString(),
    createdBy,
    windowStart: windowStart(nowMs, deps.settings.rateWindowSeconds),
    windowCount: 0,
  };
  if (settings.expiresAt !== undefined) {
    item.expiresAt = settings.expiresAt;
    item.ttl = ttlFor(settings.expiresAt);
  }
  if (settings.rateLimit !== undefined) item.rateLimit = settings.rateLimit;
  if (settings.allowedIps !== undefined) item.allowedIps = settings.allowedIps;
  return { key, item };
}

/** A new key's settings as an event records them: what an admin chose, never the key or its hash. */
function settingsChanges(item: ApiKeyItem): Record<string, unknown> {
  return {
    name: item.name,
    scopes: item.scopes,
    expiresAt: iso(item.expiresAt),
    rateLimit: item.rateLimit === undefined ? null : { limit: item.rateLimit },
    allowedIps: item.allowedIps ?? null,
  };
}

/** Puts a new key item; the condition never fails with a real random source (if it does, a 500 is right). */
const putNewKey = (deps: KeyServiceDeps, item: ApiKeyItem): TransactItem => ({
  Put: { TableName: deps.table, Item: item, ConditionExpression: "attribute_not_exists(pk)" },
});

/** Attempts of a create whose idempotency record expired between its failed condition and the read. */
const CREATE_ATTEMPTS = 2;

/**
 * Creates a key for `orgId`, with its `key.created` event and, given an `idempotencyKey`, the
 * idempotency record, in one transaction. Only the key's hash is stored; the key itself is in the
 * answer and nowhere else (not in the item, not in the event, not in a log, not in an error). The item
 * starts in the current rate window with a count of 0, so the key's first request costs the
 * authorizer a single call. A replayed `idempotencyKey` (same org, within 24 hours) creates nothing
 * and names the key it created first.
 */
export async function createKey(
  deps: KeyServiceDeps,
  orgId: string,
  input: CreateKeyInput,
  actor: ActorInput,
  options: { idempotencyKey?: string } = {},
): Promise<Outcome<CreatedKey>> {
  const who = actorOf(actor);
  for (let attempt = 1; ; attempt++) {
    const now = deps.clock();
    const { key, item } = newKeyItem(
      deps,
      orgId,
      { ...input, rateLimit: input.rateLimit?.limit },
      who.actor,
      now,
    );
    const items = [
      putNewKey(deps, item),
      putAudit(deps, eventOf(orgId, who, "key.created", item.pk, settingsChanges(item), now)),
    ];
    const recordKey =
      options.idempotencyKey === undefined ? undefined : idempotencyRecordKey(orgId, options.idempotencyKey);
    if (recordKey !== undefined) {
      items.push({
        Put: {
          TableName: deps.table,
          Item: {
            pk: recordKey,
            keyId: item.pk,
            at: now,
            ttl: Math.ceil(now / 1000) + IDEMPOTENCY_TTL_SECONDS,
          },
          // DynamoDB's TTL deletes late: a record past its TTL is treated as gone.
          ConditionExpression: "attribute_not_exists(pk) OR #ttl <= :nowSeconds",
          ExpressionAttributeNames: { "#ttl": "ttl" },
          ExpressionAttributeValues: { ":nowSeconds": Math.floor(now / 1000) },
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        },
      });
    }
    // With the Secrets Manager hook on, the copy is written first and removed if this does not commit.
    const { result, secretArn } = await commitWithSecret({
      store: deps.secrets,
      ref: { orgId, keyId: item.pk },
      key,
      commit: () => transact(deps, items),
      committed: (outcome) => outcome !== "busy" && outcome.committed,
      exists: async () => (await readKey(deps, orgId, item.pk)) !== undefined,
    });
    if (result === "busy") return fail({ reason: "busy" });
    if (result.committed) return ok({ ...record(deps, item, now), key, ...(secretArn ? { secretArn } : {}) });
    if (recordKey === undefined || !failedAt(result, 2)) {
      throw new Error("creating a key was cancelled by a condition that cannot fail");
    }
    const earlier = result.reasons[2]?.Item?.keyId?.S ?? (await readIdempotencyRecord(deps, recordKey, now));
    if (earlier !== undefined) return fail({ reason: "idempotency_replay", keyId: earlier });
    if (attempt === CREATE_ATTEMPTS) throw new Error("the idempotency record kept changing under a create");
  }
}

/** The key an idempotency record names, if the record is there and within its TTL. */
async function readIdempotencyRecord(
  deps: KeyServiceDeps,
  recordKey: string,
  nowMs: number,
): Promise<string | undefined> {
  const { Item } = await deps.db.send(
    new GetCommand({ TableName: deps.table, Key: { pk: recordKey }, ConsistentRead: true }),
  );
  const parsed = z.object({ keyId: z.string(), ttl: z.number() }).safeParse(Item);
  return parsed.success && parsed.data.ttl > Math.floor(nowMs / 1000) ? parsed.data.keyId : undefined;
}

// ---------------------------------------------------------------------------------------------------
// Read

/** One key of the org, read strongly consistently; another org's key is as absent as a missing one. */
export async function getKey(
  deps: KeyServiceDeps,
  orgId: string,
  keyId: string,
): Promise<Outcome<KeyRecord>> {
  const now = deps.clock();
  const item = await readKey(deps, orgId, keyId);
  return item ? ok(record(deps, item, now)) : fail({ reason: "not_found" });
}

async function readKey(deps: KeyServiceDeps, orgId: string, keyId: string): Promise<ApiKeyItem | undefined> {
  if (!isKeyId(keyId)) return undefined;
  const { Item } = await deps.db.send(
    new GetCommand({ TableName: deps.table, Key: { pk: keyId }, ConsistentRead: true }),
  );
  const item = Item as ApiKeyItem | undefined;
  return item?.orgId === orgId ? item : undefined;
}

/**
 * The record of the key a presented token is, whatever its org, or undefined when Fynex never issued
 * it (malformed, bad checksum, unknown, or its item is gone). For callers that hold a token rather
 * than an org (the leaked-key route): the id is derived from the token and the full hash must match,
 * so no scan is needed and an id collision cannot name another key. Never logs the token.
 */
export async function findKeyByToken(deps: KeyServiceDeps, token: string): Promise<KeyRecord | undefined> {
  if (!isWellFormedApiKey(token)) return undefined;
  const { id, hashHex } = digestApiKey(token);
  const { Item } = await deps.db.send(
    new GetCommand({ TableName: deps.table, Key: { pk: id }, ConsistentRead: true }),
  );
  const item = Item as ApiKeyItem | undefined;
  return item && sameDigest(item.hash, hashHex) ? record(deps, item, deps.clock()) : undefined;
}

const notActive = (status: KeyStatus, doing: string) =>
  fail<never>({
    reason: "conflict",
    message: `The API key is ${status}; only an active key can be ${doing}.`,
  });

// ---------------------------------------------------------------------------------------------------
// Revoke

/** How a revocation is recorded: a plain revoke by default; the leaked-key route names its own. */
export interface RevokeOptions {
  /** The event recorded: `key.revoked` (default), or `key.leak_reported` for a leak report. */
  eventType?: Extract<AuditEventType, "key.revoked" | "key.leak_reported">;
  /** Merged into the event's `changes` (a leak report's `{ url }`); `revokedAt` is always the service's. */
  changes?: Record<string, unknown>;
}

/**
 * Revokes a key now, recording `options.eventType` (default `key.revoked`) with `changes`
 * `{...options.changes, revokedAt}` in the same transaction. Repeating it is harmless: an already
 * revoked key is answered as it is, its `revokedAt` unchanged, and no event is recorded. An expired
 * key is marked revoked too; its TTL still counts from the moment it stopped working (its `expiresAt`).
 *
 * For other Lambdas as well as the admin API: the leaked-key route calls
 * `revokeKey(deps, orgId, keyId, "secret-scanning", { eventType: "key.leak_reported", changes: { url } })`.
 */
export async function revokeKey(
  deps: KeyServiceDeps,
  orgId: string,
  keyId: string,
  actor: ActorInput,
  options: RevokeOptions = {},
): Promise<Outcome<KeyRecord>> {
  const who = actorOf(actor);
  for (let attempt = 0; attempt < CHANGE_ATTEMPTS; attempt++) {
    const now = deps.clock();
    const current = await readKey(deps, orgId, keyId);
    if (!current) return fail({ reason: "not_found" });
    if (current.revokedAt !== undefined) return ok(record(deps, current, now));
    // Live: it stops working now. Expired: it stopped at its expiresAt, which must still be that.
    const expiredAt = keyStatus(current, now) === "expired" ? current.expiresAt : undefined;
    const revoked: ApiKeyItem = { ...current, revokedAt: now, ttl: ttlFor(expiredAt ?? now) };
    const stillAsRead =
      expiredAt === undefined
        ? "(attribute_not_exists(expiresAt) OR expiresAt > :now)"
        : "expiresAt = :expiredAt";
    const event = eventOf(
      orgId,
      who,
      options.eventType ?? "key.revoked",
      keyId,
      { ...options.changes, revokedAt: iso(now) },
      now,
    );
    const result = await transact(deps, [
      {
        Update: {
          TableName: deps.table,
          Key: { pk: keyId },
          UpdateExpression: "SET revokedAt = :now, #ttl = :ttl",
          ConditionExpression: `attribute_exists(pk) AND orgId = :orgId AND attribute_not_exists(revokedAt) AND ${stillAsRead}`,
          ExpressionAttributeNames: { "#ttl": "ttl" },
          ExpressionAttributeValues: {
            ":now": now,
            ":orgId": orgId,
            ":ttl": revoked.ttl,
            ...(expiredAt === undefined ? {} : { ":expiredAt": expiredAt }),
          },
        },
      },
      putAudit(deps, event),
    ]);
    if (result === "busy") return fail({ reason: "busy" });
    if (result.committed) return ok(record(deps, revoked, now));
  }
  throw new Error(`revoking ${keyId} kept losing races with concurrent changes`);
}

// ---------------------------------------------------------------------------------------------------
// Update (PATCH)

type Change = { from: unknown; to: unknown };

const sameSet = (a: readonly string[] | undefined, b: readonly string[] | undefined) =>
  a === undefined || b === undefined
    ? a === b
    : a.length === b.length && new Set([...a, ...b]).size === new Set(a).size;

/** The attribute each PATCH field is stored in, and how the event shows its value. */
const UPDATABLE = {
  name: { show: (item: ApiKeyItem) => item.name },
  scopes: { show: (item: ApiKeyItem) => item.scopes },
  rateLimit: {
    show: (item: ApiKeyItem) => (item.rateLimit === undefined ? null : { limit: item.rateLimit }),
  },
  allowedIps: { show: (item: ApiKeyItem) => item.allowedIps ?? null },
} as const;
type UpdatableField = keyof typeof UPDATABLE;

/**
 * The key as the PATCH would leave it, and only the fields that really change (scopes and addresses
 * compare as sets: reordering them is no change).
 */
function applyPatch(
  item: ApiKeyItem,
  input: UpdateKeyInput,
): { next: ApiKeyItem; changed: UpdatableField[] } {
  const next: ApiKeyItem = { ...item };
  const changed: UpdatableField[] = [];
  if (input.name !== undefined && input.name !== item.name) {
    next.name = input.name;
    changed.push("name");
  }
  if (input.scopes !== undefined && !sameSet(input.scopes, item.scopes)) {
    next.scopes = input.scopes;
    changed.push("scopes");
  }
  if (input.rateLimit !== undefined && (input.rateLimit?.limit ?? undefined) !== item.rateLimit) {
    if (input.rateLimit === null) delete next.rateLimit;
    else next.rateLimit = input.rateLimit.limit;
    changed.push("rateLimit");
  }
  if (input.allowedIps !== undefined && !sameSet(input.allowedIps ?? undefined, item.allowedIps)) {
    if (input.allowedIps === null) delete next.allowedIps;
    else next.allowedIps = input.allowedIps;
    changed.push("allowedIps");
  }
  return { next, changed };
}

/**
 * Changes an active key's name, scopes, limit or allowlist. Effective on the very next request: the
 * authorizer reads the base item. `rateLimit: null` and `allowedIps: null` remove the override and the
 * list. Records `key.updated` with `changes` `{field: {from, to}}` of what really changed; a PATCH
 * that changes nothing writes nothing and records nothing. Expired and revoked keys are a conflict.
 */
export async function updateKey(
  deps: KeyServiceDeps,
  orgId: string,
  keyId: string,
  input: UpdateKeyInput,
  actor: ActorInput,
): Promise<Outcome<KeyRecord>> {
  const who = actorOf(actor);
  for (let attempt = 0; attempt < CHANGE_ATTEMPTS; attempt++) {
    const now = deps.clock();
    const current = await readKey(deps, orgId, keyId);
    if (!current) return fail({ reason: "not_found" });
    const status = keyStatus(current, now);
    if (status !== "active") return notActive(status, "changed");
    const { next, changed } = applyPatch(current, input);
    if (changed.length === 0) return ok(record(deps, current, now));
    next.revision = (current.revision ?? 0) + 1;

    const names: Record<string, string> = { "#revision": "revision" };
    const values: Record<string, unknown> = { ":nextRevision": next.revision, ":now": now };
    const sets = ["#revision = :nextRevision"];
    const removes: string[] = [];
    for (const field of changed) {
      names[`#${field}`] = field;
      const value = next[field];
      if (value === undefined) removes.push(`#${field}`);
      else {
        sets.push(`#${field} = :${field}`);
        values[`:${field}`] = value;
      }
    }
    const live = stillLive(current, { revision: true });
    const changes: Record<string, Change> = {};
    for (const field of changed) {
      changes[field] = { from: UPDATABLE[field].show(current), to: UPDATABLE[field].show(next) };
    }
    const result = await transact(deps, [
      {
        Update: {
          TableName: deps.table,
          Key: { pk: keyId },
          UpdateExpression: `SET ${sets.join(", ")}${removes.length > 0 ? ` REMOVE ${removes.join(", ")}` : ""}`,
          ConditionExpression: live.condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ...values, ...live.values },
        },
      },
      putAudit(deps, eventOf(orgId, who, "key.updated", keyId, changes, now)),
    ]);
    if (result === "busy") return fail({ reason: "busy" });
    if (result.committed) return ok(record(deps, next, now));
  }
  throw new Error(`updating ${keyId} kept losing races with concurrent changes`);
}

// ---------------------------------------------------------------------------------------------------
// Rotate

/**
 * Replaces an active key that was never rotated with a new key of the same name, scopes, limit and
 * allowlist (and `input.expiresAt`, if given), in one transaction with its events:
 * - `gracePeriodSeconds` 1 to 604800: the old key keeps working until now + grace, or its own earlier
 *   expiry, and is then `expired` (`key.expired_by_rotation`, with its new `expiresAt`);
 * - 0 or none: the old key is revoked now (`key.revoked` with `changes.reason: "rotation"`);
 * - the new key's event is `key.rotated` with `changes.replaces` (and its settings).
 * The old key gets `replacedBy`; a second rotation of it, or a rotation of a key that is not active,
 * is a conflict, under concurrency too (the old key's update is conditional).
 */
export async function rotateKey(
  deps: KeyServiceDeps,
  orgId: string,
  keyId: string,
  input: RotateKeyInput,
  actor: ActorInput,
): Promise<Outcome<RotatedKey>> {
  const who = actorOf(actor);
  for (let attempt = 0; attempt < CHANGE_ATTEMPTS; attempt++) {
    const now = deps.clock();
    const old = await readKey(deps, orgId, keyId);
    if (!old) return fail({ reason: "not_found" });
    const status = keyStatus(old, now);
    if (status !== "active") return notActive(status, "rotated");
    if (old.replacedBy !== undefined) {
      return fail({
        reason: "conflict",
        message: `The API key was already rotated (replaced by ${old.replacedBy}); rotate its replacement instead.`,
      });
    }

    const { key, item } = newKeyItem(
      deps,
      orgId,
      {
        name: old.name,
        scopes: old.scopes,
        expiresAt: input.expiresAt,
        rateLimit: old.rateLimit,
        allowedIps: old.allowedIps,
      },
      who.actor,
      now,
    );
    item.replaces = old.pk;

    const grace = input.gracePeriodSeconds ?? 0;
    const revision = (old.revision ?? 0) + 1;
    const live = stillLive(old, { revision: true, notRotated: true });
    let oldAfter: ApiKeyItem;
    let oldEvent: AuditItem;
    let update: { expression: string; values: Record<string, unknown> };
    if (grace > 0) {
      const expiresAt = Math.min(old.expiresAt ?? Number.POSITIVE_INFINITY, now + grace * 1000);
      oldAfter = { ...old, expiresAt, ttl: ttlFor(expiresAt), replacedBy: item.pk, revision };
      update = {
        expression:
          "SET replacedBy = :replacedBy, expiresAt = :expiresAt, #ttl = :ttl, #revision = :nextRevision",
        values: { ":expiresAt": expiresAt },
      };
      oldEvent = eventOf(
        orgId,
        who,
        "key.expired_by_rotation",
        old.pk,
        {
          expiresAt: iso(expiresAt),
          previousExpiresAt: iso(old.expiresAt),
          gracePeriodSeconds: grace,
          replacedBy: item.pk,
        },
        now,
      );
    } else {
      oldAfter = { ...old, revokedAt: now, ttl: ttlFor(now), replacedBy: item.pk, revision };
      update = {
        expression: "SET replacedBy = :replacedBy, revokedAt = :now, #ttl = :ttl, #revision = :nextRevision",
        values: {},
      };
      oldEvent = eventOf(
        orgId,
        who,
        "key.revoked",
        old.pk,
        { reason: "rotation", revokedAt: iso(now), replacedBy: item.pk },
        now,
      );
    }
    const rotatedEvent = eventOf(
      orgId,
      who,
      "key.rotated",
      item.pk,
      { replaces: old.pk, ...settingsChanges(item) },
      now,
    );
    // Both events share one instant; the new key's lists first (newest first), so it gets the later id.
    if (rotatedEvent.id < oldEvent.id) [rotatedEvent.id, oldEvent.id] = [oldEvent.id, rotatedEvent.id];

    const rotation: TransactItem[] = [
      putNewKey(deps, item),
      {
        Update: {
          TableName: deps.table,
          Key: { pk: old.pk },
          UpdateExpression: update.expression,
          ConditionExpression: live.condition,
          ExpressionAttributeNames: { "#ttl": "ttl", "#revision": "revision" },
          ExpressionAttributeValues: {
            ":replacedBy": item.pk,
            ":ttl": oldAfter.ttl,
            ":nextRevision": revision,
            ":now": now,
            ...update.values,
            ...live.values,
          },
        },
      },
      putAudit(deps, rotatedEvent),
      putAudit(deps, oldEvent),
    ];
    const { result, secretArn } = await commitWithSecret({
      store: deps.secrets,
      ref: { orgId, keyId: item.pk },
      key,
      commit: () => transact(deps, rotation),
      committed: (outcome) => outcome !== "busy" && outcome.committed,
      exists: async () => (await readKey(deps, orgId, item.pk)) !== undefined,
    });
    if (result === "busy") return fail({ reason: "busy" });
    if (result.committed) {
      return ok({ ...record(deps, item, now), key, replaces: old.pk, ...(secretArn ? { secretArn } : {}) });
    }
    if (failedAt(result, 0)) throw new Error("rotating a key was cancelled by a condition that cannot fail");
    // The old key changed since it was read (revoked, rotated, patched, expired): decide again.
  }
  throw new Error(`rotating ${keyId} kept losing races with concurrent changes`);
}

// ---------------------------------------------------------------------------------------------------
// Audit events

const EVENT_ID = /^evt_[0-9A-HJKMNP-TV-Z]{26}$/;
const auditPositionSchema = z.strictObject({ id: z.string().regex(EVENT_ID) });

/**
 * With a `keyId` filter, one request reads at most this many of the org's events (DynamoDB applies
 * `Limit` before the filter): a page may then come back short, even empty, with a `nextCursor` that
 * resumes where the reading stopped. Without a filter every read item is returned.
 */
const AUDIT_FILTER_READ_BUDGET = 1000;
const FILTERED_AUDIT_PAGE = 100;

/** An audit item as admins read it: without its partition and TTL. */
function toAuditEvent(item: AuditItem): AuditEvent {
  const { id, type, at, actor, claimedActor, actorEmail, keyId, changes } = item;
  return {
    id,
    type,
    at,
    actor,
    ...(claimedActor === undefined ? {} : { claimedActor }),
    ...(actorEmail === undefined ? {} : { actorEmail }),
    keyId,
    changes,
  };
}

/** The org's audit events, newest first, a page at a time, optionally of one key. */
export async function listAuditEvents(
  deps: KeyServiceDeps,
  orgId: string,
  input: ListAuditEventsInput,
): Promise<Outcome<AuditPage>> {
  let exclusiveStartKey: Record<string, unknown> | undefined;
  if (input.cursor !== undefined) {
    const position = decodeCursor(input.cursor, orgId, auditPositionSchema);
    if (!position) return fail({ reason: "invalid_cursor" });
    exclusiveStartKey = { orgId, id: position.id };
  }
  const filtered = input.keyId !== undefined;
  const found: AuditItem[] = [];
  let read = 0;
  do {
    const wanted = input.limit + 1 - found.length;
    const page = await deps.db.send(
      new QueryCommand({
        TableName: deps.auditTable,
        KeyConditionExpression: "orgId = :orgId",
        ...(filtered ? { FilterExpression: "keyId = :keyId" } : {}),
        ExpressionAttributeValues: { ":orgId": orgId, ...(filtered ? { ":keyId": input.keyId } : {}) },
        ScanIndexForward: false,
        Limit: filtered ? Math.max(wanted, FILTERED_AUDIT_PAGE) : wanted,
        ExclusiveStartKey: exclusiveStartKey,
      }),
    );
    read += page.ScannedCount ?? page.Items?.length ?? 0;
    found.push(...((page.Items ?? []) as AuditItem[]).slice(0, wanted));
    exclusiveStartKey = page.LastEvaluatedKey;
  } while (found.length <= input.limit && exclusiveStartKey && read < AUDIT_FILTER_READ_BUDGET);

  const items = found.slice(0, input.limit);
  let nextCursor: string | null = null;
  const last = items.at(-1);
  if (found.length > input.limit && last) nextCursor = encodeCursor(orgId, { id: last.id });
  else if (exclusiveStartKey && typeof exclusiveStartKey.id === "string") {
    // The read budget ran out before the page filled: resume after the last event read.
    nextCursor = encodeCursor(orgId, { id: exclusiveStartKey.id });
  }
  return ok({ items: items.map(toAuditEvent), nextCursor });
}

// ---------------------------------------------------------------------------------------------------
// List keys

/** Where a page of the org index ends: the index key of its last item (the org is the cursor's own). */
const positionSchema = z.strictObject({
  createdAt: z.iso.datetime({ precision: 3 }),
  pk: z.string().refine(isKeyId),
});
type Position = z.infer<typeof positionSchema>;

/** The index's projection: its keys, plus what the status filter reads. */
interface IndexEntry extends Position {
  orgId: string;
  expiresAt?: number;
  revokedAt?: number;
}

/** Status filters over the index's projection; `:now` is the instant that decides expiry. */
const STATUS_FILTERS: Record<KeyStatus, string> = {
  revoked: "attribute_exists(revokedAt)",
  expired: "attribute_not_exists(revokedAt) AND expiresAt <= :now",
  active: "attribute_not_exists(revokedAt) AND (attribute_not_exists(expiresAt) OR expiresAt > :now)",
};

/**
 * DynamoDB applies `Limit` before the filter, so a filtered query may need many pages to find a
 * handful of matches; each filtered page reads at least this many index entries (they are small).
 */
const FILTERED_PAGE_SIZE = 100;

/**
 * The org's keys, newest first, optionally of one status. Walks the org index until `limit` items
 * and one more are found (the extra one only says whether another page exists) or the index ends;
 * then reads the base items strongly consistently for what the index does not hold (usage, last use).
 */
export async function listKeys(
  deps: KeyServiceDeps,
  orgId: string,
  input: ListKeysInput,
): Promise<Outcome<KeyPage>> {
  let startKey: Record<string, string> | undefined;
  if (input.cursor !== undefined) {
    const position = decodeCursor(input.cursor, orgId, positionSchema);
    if (!position) return fail({ reason: "invalid_cursor" });
    startKey = { orgId, ...position };
  }
  const now = deps.clock();
  const filter = input.status === undefined ? undefined : STATUS_FILTERS[input.status];
  const found: IndexEntry[] = [];
  let exclusiveStartKey: Record<string, unknown> | undefined = startKey;
  do {
    const wanted = input.limit + 1 - found.length;
    const page = await deps.db.send(
      new QueryCommand({
        TableName: deps.table,
        IndexName: KEYS_BY_ORG_INDEX,
        KeyConditionExpression: "orgId = :orgId",
        ...(filter ? { FilterExpression: filter } : {}),
        ExpressionAttributeValues: { ":orgId": orgId, ...(filter?.includes(":now") ? { ":now": now } : {}) },
        ScanIndexForward: false,
        Limit: filter ? Math.max(wanted, FILTERED_PAGE_SIZE) : wanted,
        ExclusiveStartKey: exclusiveStartKey,
      }),
    );
    found.push(...((page.Items ?? []) as IndexEntry[]).slice(0, wanted));
    exclusiveStartKey = page.LastEvaluatedKey;
  } while (found.length <= input.limit && exclusiveStartKey);

  const entries = found.slice(0, input.limit);
  const last = entries.at(-1);
  const nextCursor =
    found.length > input.limit && last
      ? encodeCursor(orgId, { createdAt: last.createdAt, pk: last.pk })
      : null;
  const items = await readKeys(
    deps,
    entries.map((entry) => entry.pk),
  );
  const records = entries.flatMap((entry) => {
    const item = items.get(entry.pk);
    // Gone since the index was read (TTL, or a table edit): skipped, the rest keep their order.
    return item?.orgId === orgId ? [record(deps, item, now)] : [];
  });
  return ok({ items: records, nextCursor });
}

/** BatchGetItem takes at most this many keys per request. */
const BATCH_GET_MAX = 100;
/** Rounds of retrying `UnprocessedKeys` (DynamoDB throttling part of a batch) before giving up. */
const BATCH_GET_ROUNDS = 5;
const BATCH_GET_BACKOFF_MS = 50;

/** The base items of `ids`, strongly consistent, by id; ids with no item are absent from the map. */
async function readKeys(deps: KeyServiceDeps, ids: string[]): Promise<Map<string, ApiKeyItem>> {
  const items = new Map<string, ApiKeyItem>();
  const pause = deps.pause ?? realPause;
  for (let start = 0; start < ids.length; start += BATCH_GET_MAX) {
    let keys: Record<string, unknown>[] = ids.slice(start, start + BATCH_GET_MAX).map((pk) => ({ pk }));
    for (let round = 0; keys.length > 0; round++) {
      if (round === BATCH_GET_ROUNDS) throw new Error(`BatchGetItem left ${keys.length} keys unprocessed`);
      if (round > 0) await pause(BATCH_GET_BACKOFF_MS * 2 ** (round - 1));
      const { Responses, UnprocessedKeys } = await deps.db.send(
        new BatchGetCommand({ RequestItems: { [deps.table]: { Keys: keys, ConsistentRead: true } } }),
      );
      for (const item of (Responses?.[deps.table] ?? []) as ApiKeyItem[]) items.set(item.pk, item);
      keys = UnprocessedKeys?.[deps.table]?.Keys ?? [];
    }
  }
  return items;
}
