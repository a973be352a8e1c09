import { GetCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { KEYS_BY_ORG_INDEX } from "../../contract/tables";
import { ACTIVE_KEY_COUNTER_PREFIX } from "../../contract/write-attributes";
import { keyStatus } from "../shared/api-keys/key-record";
import type { TransactItem } from "../shared/dynamo/transact";
import { KEY_LIMITS } from "./key-limits";
import { commit, type KeyServiceDeps } from "./key-store";

/**
 * The org's cap on active keys (API.md §5; docs/DECISIONS.md #203, #208 to #212). One counter item per
 * org in the keys table counts the org's *counted* keys: every key a create or a rotation wrote carries
 * `counted`. A create adds one in the transaction of its put, conditional on the counter being under
 * the cap, so racing creates can never land a key past it; a rotation without grace moves nothing
 * (the old key leaves as the new one joins), one with grace adds one only while the counter is at
 * most the cap. Every revocation takes a counted key off in its own transaction (`uncountKey`). Keys
 * that stop by the clock (expiry, a grace ending) have no write of their own: the daily run takes
 * them off (`discountExpiredKeys` in `expiry-reminders.ts`), and until then the counter is high,
 * never low. When the counter refuses, a bounded part of the org's index is read and its dead keys
 * discounted (`discountDeadKeys`), each in its own transaction conditional on the key still holding
 * `counted` and being dead on its base item, so no key is ever taken off twice and the index's lag
 * can only discount less; then the counter is tried once more.
 */

/** What the org index holds of a key: enough to tell whether it is dead and still counted. */
interface IndexEntry {
  pk: string;
  createdAt?: string;
  expiresAt?: number;
  revokedAt?: number;
  counted?: 1;
}

/** The counter's item: no `orgId` nor `createdAt`, so it never enters the org index. */
export const activeKeyCounterKey = (orgId: string) => `${ACTIVE_KEY_COUNTER_PREFIX}${orgId}`;

/**
 * How a new key's move of the counter is bounded: a create only under the cap; a rotation with a grace
 * period (the old key stays active a while) at the cap but not beyond it, so that a rotation works at
 * the cap while chained graced rotations cannot grow an org without bound; `none` for a move that
 * cannot raise the org's active keys.
 */
export type CounterBound = "underCap" | "atMostCap" | "none";

/** The counter's move by one for a new key, conditional as `bound` says. */
export function countNewKey(deps: KeyServiceDeps, orgId: string, bound: CounterBound): TransactItem {
  const cap = (deps.limits ?? KEY_LIMITS).orgActiveKeys;
  const comparison = bound === "underCap" ? "<" : "<=";
  return {
    Update: {
      TableName: deps.table,
      Key: { pk: activeKeyCounterKey(orgId) },
      UpdateExpression: "ADD activeKeys :one",
      ...(bound === "none"
        ? { ExpressionAttributeValues: { ":one": 1 } }
        : {
            ConditionExpression: `attribute_not_exists(activeKeys) OR activeKeys ${comparison} :cap`,
            ExpressionAttributeValues: { ":one": 1, ":cap": cap },
          }),
    },
  };
}

/**
 * The counter's move down by one for a key leaving it, in the transaction that removes the key's
 * `counted` under a condition that it is still there (so once per key): touches `pk` and `activeKeys`
 * only, the counter's IAM list (`contract/write-attributes.ts`).
 */
export function uncountKey(deps: KeyServiceDeps, orgId: string): TransactItem {
  return {
    Update: {
      TableName: deps.table,
      Key: { pk: activeKeyCounterKey(orgId) },
      UpdateExpression: "ADD activeKeys :minusOne",
      ExpressionAttributeValues: { ":minusOne": -1 },
    },
  };
}

/**
 * Takes the org's counted keys that are no longer active off the counter; answers how many. Reads
 * the org index (its projection holds `expiresAt`, `revokedAt` and `counted`) at most
 * `filteredListReads` entries per call (1,000 deployed: docs/DECISIONS.md #211), so a client looping
 * creates at a full org pays a bounded cost per request. A walk that stops at its bound leaves its
 * position on the org's walk item (`walkFrom`), and the next walk goes on from there (from the oldest key
 * again once one reached the end): successive refusals cover the whole index. For each entry it
 * shows dead and counted, one conditional transaction (`discountKey`).
 */
export async function discountDeadKeys(deps: KeyServiceDeps, orgId: string): Promise<number> {
  const now = deps.clock();
  let left = (deps.limits ?? KEY_LIMITS).filteredListReads;
  let discounted = 0;
  let startKey = await walkPosition(deps, orgId);
  let last: IndexEntry | undefined;
  do {
    const page = await deps.db.send(
      new QueryCommand({
        TableName: deps.table,
        IndexName: KEYS_BY_ORG_INDEX,
        KeyConditionExpression: "orgId = :orgId",
        ExpressionAttributeValues: { ":orgId": orgId },
        Limit: left,
        ExclusiveStartKey: startKey,
      }),
    );
    const entries = (page.Items ?? []) as unknown as IndexEntry[];
    left -= entries.length;
    startKey = page.LastEvaluatedKey;
    for (const entry of entries) {
      last = entry;
      const { pk, expiresAt, revokedAt, counted } = entry;
      // Active, or already off the counter (the index projects `counted`): nothing to discount.
      if (!counted || keyStatus({ expiresAt, revokedAt }, now) === "active") continue;
      if (await discountKey(deps, orgId, pk, now)) discounted++;
    }
  } while (startKey && left > 0);
  // Where the next walk starts: after the last entry read, or from the start if this one reached
  // the end. Unconditional: two walks racing only make one of them start a little off.
  const next =
    startKey && last?.createdAt !== undefined ? { pk: last.pk, createdAt: last.createdAt } : undefined;
  await deps.db.send(
    new UpdateCommand({
      TableName: deps.table,
      Key: { pk: walkPositionKey(orgId) },
      UpdateExpression: next ? "SET walkFrom = :next" : "REMOVE walkFrom",
      ...(next ? { ExpressionAttributeValues: { ":next": next } } : {}),
    }),
  );
  return discounted;
}

/**
 * The item holding where the org's last bounded walk stopped: its own, not the counter's, so that it
 * never conflicts with the transactions of creates moving the counter. No `orgId`: in no index.
 */
export const walkPositionKey = (orgId: string) => `DISCOUNT_WALK#${orgId}`;

/** Where the last bounded walk of the org's index stopped, as a query's `ExclusiveStartKey`. */
async function walkPosition(
  deps: KeyServiceDeps,
  orgId: string,
): Promise<Record<string, unknown> | undefined> {
  const read = await deps.db.send(
    new GetCommand({ TableName: deps.table, Key: { pk: walkPositionKey(orgId) }, ConsistentRead: true }),
  );
  const from = read?.Item?.walkFrom as { pk?: unknown; createdAt?: unknown } | undefined;
  if (typeof from?.pk !== "string" || typeof from.createdAt !== "string") return undefined;
  return { orgId, createdAt: from.createdAt, pk: from.pk };
}

/**
 * Takes one dead key off its org's counter, in one transaction: `REMOVE counted` on the key,
 * conditional on the base item still being this org's, counted and dead (revoked, or `expiresAt` at
 * or before `nowMs`), and `ADD activeKeys -1` on the counter. The condition makes it happen once per
 * key whatever runs concurrently (a revoke, another discount, the expiry sweep); answers whether it
 * committed.
 */
export async function discountKey(
  deps: KeyServiceDeps,
  orgId: string,
  pk: string,
  nowMs: number,
): Promise<boolean> {
  const result = await commit(deps, [
    {
      Update: {
        TableName: deps.table,
        Key: { pk },
        UpdateExpression: "REMOVE counted",
        ConditionExpression:
          "attribute_exists(counted) AND orgId = :orgId AND (attribute_exists(revokedAt) OR expiresAt <= :now)",
        ExpressionAttributeValues: { ":orgId": orgId, ":now": nowMs },
      },
    },
    uncountKey(deps, orgId),
  ]);
  return result.committed;
}

/** What a create refused at the cap answers (409 `conflict`, naming the cap). */
export const capMessage = (deps: KeyServiceDeps) =>
  `The org holds the most active keys it may: ${(deps.limits ?? KEY_LIMITS).orgActiveKeys}. Revoke a key, or rotate one instead of creating another.`;

/** What a rotation with a grace period refused beyond the cap answers (409 `conflict`, naming the cap). */
export const graceCapMessage = (deps: KeyServiceDeps) =>
  `The org is over its cap of ${(deps.limits ?? KEY_LIMITS).orgActiveKeys} active keys while earlier rotations' grace periods run. Rotate without a grace period, or revoke a key.`;
