import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { z } from "zod";
import { KEYS_BY_ORG_INDEX } from "../../lib/tables";
import { decodeCursor, encodeCursor } from "../shared/cursor";
import { type KeyItem, type KeyRecord, type KeyStatus, toKeyRecord, ttlFor } from "../shared/key-record";
import { digestKey, generateKey } from "../shared/keys";
import { windowStart } from "../shared/rate-window";
import { type CreateKeyInput, isKeyId, type ListKeysInput } from "./schemas";

/**
 * Key management over the keys table (DESIGN.md "Keys table"). Pure functions of their dependencies:
 * the same code serves API Gateway, direct invocations, the local runtime and tests.
 *
 * Expected outcomes (a key that is not there, a cursor that is not valid) are returned as values;
 * only what nobody expects (DynamoDB failing) is thrown.
 */
export interface KeyServiceDeps {
  db: DynamoDBDocumentClient;
  table: string;
  /** Epoch milliseconds. */
  clock: () => number;
  settings: { rateLimit: number; rateWindowSeconds: number };
  /** 32 random bytes per key; crypto-random unless a test injects its own. */
  random?: () => Uint8Array;
  /** Waits between retries of unprocessed batch reads; real time unless a test injects its own. */
  pause?: (ms: number) => Promise<void>;
}

/** What a caller can get wrong: a key that is not (or no longer, or not this org's), a foreign cursor. */
export type KeyServiceFailure = { reason: "not_found" } | { reason: "invalid_cursor" };

export type Outcome<T> = { ok: true; value: T } | ({ ok: false } & KeyServiceFailure);

const ok = <T>(value: T): Outcome<T> => ({ ok: true, value });
const fail = <T>(failure: KeyServiceFailure): Outcome<T> => ({ ok: false, ...failure });

/** The create answer: the record plus the key, the only time the key exists outside its holder. */
export type CreatedKey = KeyRecord & { key: string };

export interface KeyPage {
  items: KeyRecord[];
  nextCursor: string | null;
}

/** By name, not class: the SDK's error classes may come from more than one copy of the package. */
const isConditionFailure = (error: unknown) =>
  error instanceof Error && error.name === "ConditionalCheckFailedException";

const record = (deps: KeyServiceDeps, item: KeyItem, nowMs: number) =>
  toKeyRecord(item, nowMs, deps.settings);

/**
 * Creates a key for `orgId`. Only the key's hash is stored; the key itself is in the answer and
 * nowhere else (not in the item, not in a log, not in an error). The item starts in the current
 * rate window with a count of 0, so the key's first request costs the authorizer a single call.
 */
export async function createKey(
  deps: KeyServiceDeps,
  orgId: string,
  input: CreateKeyInput,
  actor: string,
): Promise<Outcome<CreatedKey>> {
  const now = deps.clock();
  const key = generateKey(deps.random?.());
  const { id, hashHex, hint } = digestKey(key);
  const item: KeyItem = {
    pk: id,
    hash: hashHex,
    orgId,
    name: input.name,
    scopes: input.scopes,
    hint,
    createdAt: new Date(now).toISOString(),
    createdBy: actor,
    windowStart: windowStart(now, deps.settings.rateWindowSeconds),
    windowCount: 0,
  };
  if (input.expiresAt !== undefined) {
    item.expiresAt = input.expiresAt;
    item.ttl = ttlFor(input.expiresAt);
  }
  // The condition never fails with a real random source; if it does, the error (a 500) is right.
  await deps.db.send(
    new PutCommand({ TableName: deps.table, Item: item, ConditionExpression: "attribute_not_exists(pk)" }),
  );
  return ok({ ...record(deps, item, now), key });
}

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

async function readKey(deps: KeyServiceDeps, orgId: string, keyId: string): Promise<KeyItem | undefined> {
  if (!isKeyId(keyId)) return undefined;
  const { Item } = await deps.db.send(
    new GetCommand({ TableName: deps.table, Key: { pk: keyId }, ConsistentRead: true }),
  );
  const item = Item as KeyItem | undefined;
  return item?.orgId === orgId ? item : undefined;
}

/** A revoke that lost a race with a concurrent change of `expiresAt` (rotation) tries again, this often. */
const REVOKE_ATTEMPTS = 3;

/**
 * Revokes a key now. Repeating it is harmless: an already revoked key is answered as it is, its
 * `revokedAt` unchanged. The TTL counts from the moment the key stopped working: now, or its
 * `expiresAt` if that came first.
 *
 * The common case (a live key) is one conditional update. When the condition fails, a strongly
 * consistent read tells why (dynalite cannot return the old item with the failure).
 */
export async function revokeKey(
  deps: KeyServiceDeps,
  orgId: string,
  keyId: string,
): Promise<Outcome<KeyRecord>> {
  if (!isKeyId(keyId)) return fail({ reason: "not_found" });
  const now = deps.clock();
  let expiredAt: number | undefined;
  for (let attempt = 0; attempt < REVOKE_ATTEMPTS; attempt++) {
    const revoked = await markRevoked(deps, orgId, keyId, now, expiredAt);
    if (revoked) return ok(record(deps, revoked, now));
    const current = await readKey(deps, orgId, keyId);
    if (!current) return fail({ reason: "not_found" });
    if (current.revokedAt !== undefined) return ok(record(deps, current, now));
    expiredAt = current.expiresAt !== undefined && current.expiresAt <= now ? current.expiresAt : undefined;
  }
  throw new Error(`revoking ${keyId} kept losing races with concurrent changes`);
}

/**
 * Sets `revokedAt` if the key is this org's and not revoked yet. `expiredAt` undefined: the key is
 * believed live, so it stops working now. Otherwise it stopped at `expiredAt`, which must still be
 * its `expiresAt`. Answers the updated item, or undefined when the condition failed.
 */
async function markRevoked(
  deps: KeyServiceDeps,
  orgId: string,
  keyId: string,
  now: number,
  expiredAt: number | undefined,
): Promise<KeyItem | undefined> {
  const stillAsRead =
    expiredAt === undefined
      ? "(attribute_not_exists(expiresAt) OR expiresAt > :now)"
      : "expiresAt = :expiredAt";
  try {
    const { Attributes } = await deps.db.send(
      new UpdateCommand({
        TableName: deps.table,
        Key: { pk: keyId },
        UpdateExpression: "SET revokedAt = :now, #ttl = :ttl",
        ConditionExpression: `attribute_exists(pk) AND orgId = :orgId AND attribute_not_exists(revokedAt) AND ${stillAsRead}`,
        ExpressionAttributeNames: { "#ttl": "ttl" },
        ExpressionAttributeValues: {
          ":now": now,
          ":orgId": orgId,
          ":ttl": ttlFor(expiredAt ?? now),
          ...(expiredAt === undefined ? {} : { ":expiredAt": expiredAt }),
        },
        ReturnValues: "ALL_NEW",
      }),
    );
    return Attributes as KeyItem;
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw error;
  }
}

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

const realPause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The base items of `ids`, strongly consistent, by id; ids with no item are absent from the map. */
async function readKeys(deps: KeyServiceDeps, ids: string[]): Promise<Map<string, KeyItem>> {
  const items = new Map<string, KeyItem>();
  const pause = deps.pause ?? realPause;
  for (let start = 0; start < ids.length; start += BATCH_GET_MAX) {
    let keys: Record<string, unknown>[] = ids.slice(start, start + BATCH_GET_MAX).map((pk) => ({ pk }));
    for (let round = 0; keys.length > 0; round++) {
      if (round === BATCH_GET_ROUNDS) throw new Error(`BatchGetItem left ${keys.length} keys unprocessed`);
      if (round > 0) await pause(BATCH_GET_BACKOFF_MS * 2 ** (round - 1));
      const { Responses, UnprocessedKeys } = await deps.db.send(
        new BatchGetCommand({ RequestItems: { [deps.table]: { Keys: keys, ConsistentRead: true } } }),
      );
      for (const item of (Responses?.[deps.table] ?? []) as KeyItem[]) items.set(item.pk, item);
      keys = UnprocessedKeys?.[deps.table]?.Keys ?? [];
    }
  }
  return items;
}
