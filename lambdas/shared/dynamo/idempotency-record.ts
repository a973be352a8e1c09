import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { orgPk } from "../../../contract/data-items";
import type { TransactItem } from "./transact";

/** How long a record is replayed (API.md §6: at least 24 hours); DynamoDB's TTL removes it later. */
export const IDEMPOTENCY_SECONDS = 24 * 60 * 60;

/**
 * The idempotency record of a write, as the edge derived it from the request
 * (`lambdas/shared/http/idempotency.ts`): where it lives in the org's partition, and what it keeps
 * for a replay, made from what the write created. Opaque to a store, which writes it in the same
 * transaction as the write it answers for (so it exists exactly when that write happened) and hands
 * an earlier record back as it found it.
 */
export interface IdempotencyRecord<T> {
  /** `IDEMPOTENCY#<hash>`: scoped to the org by the partition. */
  sk: string;
  /** The record's attributes for what the write created (besides its keys, `createdAt` and `ttl`). */
  attributes: (created: T) => Record<string, unknown>;
}

/**
 * What an idempotent write came to: what it created now, or the live record of an earlier write with
 * the same key, as DynamoDB returned it with the cancellation (not unmarshalled), for the edge to
 * replay. Not a failure: the write was done, earlier.
 */
export type Written<T> = { created: T } | { earlier: Record<string, AttributeValue> | undefined };

/**
 * The Put of `record` for `created`. Its condition refuses a live record of the same key (one whose
 * TTL has passed but that DynamoDB has not deleted yet counts as gone); the old record comes back
 * with the cancellation.
 */
export function idempotencyPut<T>(
  table: string,
  orgId: string,
  record: IdempotencyRecord<T>,
  created: T,
  nowMs: number,
): TransactItem {
  const nowSeconds = Math.floor(nowMs / 1000);
  return {
    Put: {
      TableName: table,
      Item: {
        pk: orgPk(orgId),
        sk: record.sk,
        ...record.attributes(created),
        createdAt: new Date(nowMs).toISOString(),
        ttl: nowSeconds + IDEMPOTENCY_SECONDS,
      },
      ConditionExpression: "attribute_not_exists(pk) OR #ttl <= :now",
      ExpressionAttributeNames: { "#ttl": "ttl" },
      ExpressionAttributeValues: { ":now": nowSeconds },
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    },
  };
}
