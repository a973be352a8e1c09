import { BatchGetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { KEYS_BY_ORG_INDEX } from "../../contract/tables";
import type { ApiKeyItem, KeyRecord } from "../shared/api-keys/key-record";
import { decodeCursor, encodeCursor } from "../shared/dynamo/cursor";
import { DEFAULT_RETRY } from "../shared/dynamo/transact";
import { fail, type KeyServiceDeps, type Outcome, ok, record } from "./key-store";
import { isKeyId, type ListKeysInput } from "./schemas";
import { lastActivity, unusedCutoff } from "./unused-keys";

export interface KeyPage {
  items: KeyRecord[];
  nextCursor: string | null;
}

/** Where a page of the org index ends: the index key of its last item (the org is the cursor's own). */
const positionSchema = z.strictObject({
  createdAt: z.iso.datetime({ precision: 3 }),
  pk: z.string().refine(isKeyId),
});
type Position = z.infer<typeof positionSchema>;

/** What the walk reads of the org index: its keys (the order and the cursor's position). */
interface IndexEntry extends Position {
  orgId: string;
}

/**
 * With a status filter most index entries may not match: each page then reads at least this many
 * entries (they are small) and their base items, in one Query and one BatchGetItem.
 */
const FILTERED_PAGE_SIZE = 100;

/**
 * The org's keys, newest first, optionally of one status. The org index (eventually consistent)
 * gives only the order and the positions; whether a key is listed, and what it shows, come from its
 * base item read strongly consistently at one instant, so `?status=active` never lists a key revoked
 * a moment ago (the index may not know yet) and every listed key shows the status it was filtered on
 * (docs/DECISIONS.md #119). Walks the index until `limit` keys and one
 * more match (the extra one only says whether another page exists) or the index ends. Unfiltered, the
 * index alone decides membership and only the page's base items are read, once, at the end.
 */
export async function listKeys(
  deps: KeyServiceDeps,
  orgId: string,
  input: ListKeysInput,
): Promise<Outcome<KeyPage>> {
  let startKey: Record<string, unknown> | undefined;
  if (input.cursor !== undefined) {
    const position = decodeCursor(input.cursor, orgId, positionSchema);
    if (!position) return fail({ reason: "invalid_cursor" });
    startKey = { orgId, ...position };
  }
  const now = deps.clock();
  const shown = (item: ApiKeyItem | undefined) =>
    // Gone since the index was read (TTL, or a table edit): skipped, the rest keep their order.
    item?.orgId === orgId ? record(deps, item, now) : undefined;
  // `unusedForDays` (API.md §11) filters as a status does: active, and last used by the cutoff.
  const unused = unusedCutoff(input, now);
  const status = unused ? "active" : input.status;
  const matches = (match: KeyRecord | undefined, item: ApiKeyItem | undefined) =>
    match?.status === status && (!unused || (item !== undefined && lastActivity(item) <= unused.lastUsedBy));
  const found: Listed[] = [];
  let exclusiveStartKey = startKey;
  do {
    const wanted = input.limit + 1 - found.length;
    const page = await deps.db.send(
      new QueryCommand({
        TableName: deps.table,
        IndexName: KEYS_BY_ORG_INDEX,
        // A key last used by the cutoff was created by then too: the index's sort key narrows the walk.
        KeyConditionExpression: unused ? "orgId = :orgId AND createdAt <= :cutoff" : "orgId = :orgId",
        ExpressionAttributeValues: { ":orgId": orgId, ...(unused ? { ":cutoff": unused.createdBy } : {}) },
        ScanIndexForward: false,
        Limit: status ? Math.max(wanted, FILTERED_PAGE_SIZE) : wanted,
        ExclusiveStartKey: exclusiveStartKey,
      }),
    );
    const entries = (page.Items ?? []) as IndexEntry[];
    if (status === undefined) {
      found.push(...entries.slice(0, wanted).map((entry) => ({ entry })));
    } else {
      // Filtered: each page's base items decide which of its entries match.
      const items = await readKeys(
        deps,
        entries.map((entry) => entry.pk),
      );
      for (const entry of entries) {
        const item = items.get(entry.pk);
        const match = shown(item);
        if (found.length <= input.limit && matches(match, item)) found.push({ entry, record: match });
      }
    }
    exclusiveStartKey = page.LastEvaluatedKey;
  } while (found.length <= input.limit && exclusiveStartKey);

  const listed = found.slice(0, input.limit);
  const last = listed.at(-1)?.entry;
  const nextCursor =
    found.length > input.limit && last
      ? encodeCursor(orgId, { createdAt: last.createdAt, pk: last.pk })
      : null;
  if (status !== undefined) return ok({ items: listed.flatMap(({ record }) => record ?? []), nextCursor });
  // Unfiltered: every entry is listed; only the page's own base items are read (the extra one is not).
  const items = await readKeys(
    deps,
    listed.map(({ entry }) => entry.pk),
  );
  return ok({ items: listed.flatMap(({ entry }) => shown(items.get(entry.pk)) ?? []), nextCursor });
}

/** An index entry the walk keeps, with its record when the base item was read to decide it. */
interface Listed {
  entry: IndexEntry;
  record?: KeyRecord;
}

/** BatchGetItem takes at most this many keys per request. */
const BATCH_GET_MAX = 100;
/** Rounds of retrying `UnprocessedKeys` (DynamoDB throttling part of a batch) before giving up. */
const BATCH_GET_ROUNDS = 5;
const BATCH_GET_BACKOFF_MS = 50;

/** The base items of `ids`, strongly consistent, by id; ids with no item are absent from the map. */
export async function readKeys(deps: KeyServiceDeps, ids: string[]): Promise<Map<string, ApiKeyItem>> {
  const items = new Map<string, ApiKeyItem>();
  const { sleep } = deps.retry ?? DEFAULT_RETRY;
  for (let start = 0; start < ids.length; start += BATCH_GET_MAX) {
    let keys: Record<string, unknown>[] = ids.slice(start, start + BATCH_GET_MAX).map((pk) => ({ pk }));
    for (let round = 0; keys.length > 0; round++) {
      if (round === BATCH_GET_ROUNDS) throw new Error(`BatchGetItem left ${keys.length} keys unprocessed`);
      if (round > 0) await sleep(BATCH_GET_BACKOFF_MS * 2 ** (round - 1));
      const { Responses, UnprocessedKeys } = await deps.db.send(
        new BatchGetCommand({ RequestItems: { [deps.table]: { Keys: keys, ConsistentRead: true } } }),
      );
      for (const item of (Responses?.[deps.table] ?? []) as ApiKeyItem[]) items.set(item.pk, item);
      keys = UnprocessedKeys?.[deps.table]?.Keys ?? [];
    }
  }
  return items;
}
