import { BatchWriteCommand } from "@aws-sdk/lib-dynamodb";
import { dataDepsOf } from "../../lambdas/shared/dynamo/data-store";
import type { LocalRuntime } from "../../lib/local/runtime";

/**
 * Writes items straight into the local runtime's data table with `BatchWriteItem` (25 a call, a few
 * calls at once), for tests that need thousands of records: over HTTP they would take minutes and
 * spend the key's rate limit. Local only: it talks to the embedded DynamoDB of this process.
 */
export async function seedItems(
  local: LocalRuntime,
  items: Record<string, unknown>[],
  concurrency = 4,
): Promise<void> {
  const { db, table } = dataDepsOf(local.deps);
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++] ?? [];
      let requests = batch.map((Item) => ({ PutRequest: { Item } }));
      while (requests.length > 0) {
        const result = await db.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
        requests = (result.UnprocessedItems?.[table] ?? []) as typeof requests;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
