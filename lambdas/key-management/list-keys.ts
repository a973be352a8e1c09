import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { KeyListItem, KeyRecord, Page } from "../../contract/api-types";
import { isKeyId, type ListKeysInput } from "../../contract/schemas/keys";
import { KEYS_BY_ORG_INDEX } from "../../contract/tables";
import * as z from "../../contract/zod";
import type { ApiKeyItem } from "../shared/api-keys/key-record";
import { decodeCursor, encodeCursor, invalidCursor } from "../shared/dynamo/cursor";
import { type Outcome, ok } from "../shared/outcome";
import { batchGet } from "./batch-get";
import { KEY_LIMITS } from "./key-limits";
import { readPolicy } from "./key-policy-store";
import { type KeyServiceDeps, record } from "./key-store";
import { withLastSevenDays } from "./list-usage";
import { lastActivity, unusedCutoff } from "./unused-keys";

/**
 * Where a page of the org index ends: the index key of its last item (the org is the cursor's own),
 * and the filter the page was listed with (`status=active`, `unusedForDays=30`; absent unfiltered).
 * A cursor is valid only with the filter it was issued for (API.md §5): another filter's position
 * may lie outside this one's key condition, where DynamoDB refuses it (a 500).
 */
const positionSchema = z.lazySchema(() =>
  z.strictObject({
    createdAt: z.iso.datetime({ precision: 3 }),
    pk: z.string().check(z.refine(isKeyId)),
    filter: z.optional(z.string()),
  }),
);
type Position = z.infer<typeof positionSchema>;

/** What the walk reads of the org index: its keys (the order and the cursor's position). */
interface IndexEntry extends Omit<Position, "filter"> {
  orgId: string;
}

/**
 * With a status filter most index entries may not match: each page then reads at least this many
 * entries (they are small) and their base items, in one Query and one BatchGetItem.
 */
const FILTERED_PAGE_SIZE = 100;

/** The filter a list request names, as its cursors carry it: the value included, `limit` not. */
function filterOf(input: ListKeysInput): string | undefined {
  if (input.policyViolations) return "policyViolations=true";
  if (input.unusedForDays !== undefined) return `unusedForDays=${input.unusedForDays}`;
  return input.status === undefined ? undefined : `status=${input.status}`;
}

/**
 * The org's keys, newest first, optionally of one status. The org index (eventually consistent)
 * gives only the order and the positions; whether a key is listed, and what it shows, come from its
 * base item read strongly consistently at one instant, so `?status=active` never lists a key revoked
 * a moment ago (the index may not know yet) and every listed key shows the status it was filtered on
 * (docs/DECISIONS.md #119). Walks the index until `limit` keys and one
 * more match (the extra one only says whether another page exists), the index ends, or, filtered, the
 * request has read its bound of entries (API.md §5): the page then ends short, with a cursor after the
 * last entry read. Unfiltered, the index alone decides membership and only the page's base items are
 * read, once, at the end.
 */
export async function listKeys(
  deps: KeyServiceDeps,
  orgId: string,
  input: ListKeysInput,
): Promise<Outcome<Page<KeyListItem>>> {
  const now = deps.clock();
  // `unusedForDays` (API.md §11) filters as a status does: active, and last used by the cutoff.
  const unused = unusedCutoff(input, now);
  const filter = filterOf(input);
  let startKey: Record<string, unknown> | undefined;
  if (input.cursor !== undefined) {
    const position = decodeCursor(input.cursor, orgId, positionSchema);
    // Another filter's cursor, or one past the cutoff (outside the key condition): not this list's.
    if (!position || position.filter !== filter || (unused && position.createdAt > unused.createdBy)) {
      return invalidCursor();
    }
    startKey = { orgId, createdAt: position.createdAt, pk: position.pk };
  }
  // Every record shows its `policyViolations` under the org's current policy (API.md §12).
  const policy = (await readPolicy(deps, orgId)).rules;
  const shown = (item: ApiKeyItem | undefined) =>
    // Gone since the index was read (TTL, or a table edit): skipped, the rest keep their order.
    item?.orgId === orgId ? record(deps, item, now, policy) : undefined;
  // `unusedForDays` and `policyViolations` list active keys only (only an active key breaks a policy).
  const status = unused || input.policyViolations ? "active" : input.status;
  const matches = (match: KeyRecord | undefined, item: ApiKeyItem | undefined) =>
    match?.status === status &&
    (!unused || (item !== undefined && lastActivity(item) <= unused.lastUsedBy)) &&
    (!input.policyViolations || (match?.policyViolations.length ?? 0) > 0);
  const readBound = (deps.limits ?? KEY_LIMITS).filteredListReads;
  const found: Listed[] = [];
  let read = 0;
  let lastRead: IndexEntry | undefined;
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
        Limit: status ? Math.min(Math.max(wanted, FILTERED_PAGE_SIZE), readBound - read) : wanted,
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
      read += entries.length;
      for (const entry of entries) {
        if (found.length > input.limit) break;
        lastRead = entry;
        const item = items.get(entry.pk);
        const match = shown(item);
        if (matches(match, item)) found.push({ entry, record: match, item });
      }
    }
    exclusiveStartKey = page.LastEvaluatedKey;
  } while (found.length <= input.limit && exclusiveStartKey && (status === undefined || read < readBound));

  const listed = found.slice(0, input.limit);
  const cursorAt = (entry: IndexEntry) =>
    encodeCursor(orgId, {
      createdAt: entry.createdAt,
      pk: entry.pk,
      ...(filter === undefined ? {} : { filter }),
    });
  const last = listed.at(-1)?.entry;
  if (status !== undefined) {
    // Short of `limit` with the index not ended: the read bound stopped the walk, so the next page
    // starts after the last entry read (matched or not).
    const more = found.length > input.limit ? last : exclusiveStartKey ? lastRead : undefined;
    const page = listed.flatMap(({ record, item }) => (record && item ? [{ record, item }] : []));
    return ok({ items: await withLastSevenDays(deps, page, now), nextCursor: more ? cursorAt(more) : null });
  }
  const nextCursor = found.length > input.limit && last ? cursorAt(last) : null;
  // Unfiltered: every entry is listed; only the page's own base items are read (the extra one is not).
  const items = await readKeys(
    deps,
    listed.map(({ entry }) => entry.pk),
  );
  const page = listed.flatMap(({ entry }) => {
    const item = items.get(entry.pk);
    const record = shown(item);
    return record && item ? [{ record, item }] : [];
  });
  return ok({ items: await withLastSevenDays(deps, page, now), nextCursor });
}

/** An index entry the walk keeps, with its record when the base item was read to decide it. */
interface Listed {
  entry: IndexEntry;
  record?: KeyRecord;
  item?: ApiKeyItem;
}

/** The base items of `ids`, strongly consistent, by id; ids with no item are absent from the map. */
export async function readKeys(deps: KeyServiceDeps, ids: string[]): Promise<Map<string, ApiKeyItem>> {
  const items = (await batchGet(
    deps,
    deps.table,
    ids.map((pk) => ({ pk })),
  )) as unknown as ApiKeyItem[];
  return new Map(items.map((item) => [item.pk, item]));
}
