import { BatchGetCommand } from "@aws-sdk/lib-dynamodb";
import { DEFAULT_RETRY } from "../shared/dynamo/transact";
import type { KeyServiceDeps } from "./key-store";

/** BatchGetItem takes at most this many keys per request. */
const BATCH_GET_MAX = 100;
/** Rounds of retrying `UnprocessedKeys` (DynamoDB throttling part of a batch) before giving up. */
const BATCH_GET_ROUNDS = 5;
const BATCH_GET_BACKOFF_MS = 50;

/** The items of `keys` in `table`, strongly consistent, in any order; keys with no item are absent. */
export async function batchGet(
  deps: Pick<KeyServiceDeps, "db" | "retry">,
  table: string,
  keys: Record<string, unknown>[],
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  const { sleep } = deps.retry ?? DEFAULT_RETRY;
  for (let start = 0; start < keys.length; start += BATCH_GET_MAX) {
    let wanted = keys.slice(start, start + BATCH_GET_MAX);
    for (let round = 0; wanted.length > 0; round++) {
      if (round === BATCH_GET_ROUNDS) throw new Error(`BatchGetItem left ${wanted.length} keys unprocessed`);
      if (round > 0) await sleep(BATCH_GET_BACKOFF_MS * 2 ** (round - 1));
      const { Responses, UnprocessedKeys } = await deps.db.send(
        new BatchGetCommand({ RequestItems: { [table]: { Keys: wanted, ConsistentRead: true } } }),
      );
      items.push(...(Responses?.[table] ?? []));
      wanted = UnprocessedKeys?.[table]?.Keys ?? [];
    }
  }
  return items;
}
