import { queryPages } from "../shared/dynamo/query-pages";
import type { KeyServiceDeps } from "./key-store";

/**
 * The key ids a keys-table index partitioned by UTC day (`YYYY-MM-DD`) holds on `days`: how the daily
 * schedule finds the keys to remind (expiry, API.md §11; rotation due, §12) without a scan.
 */
export async function keyIdsOnDays(
  deps: KeyServiceDeps,
  index: string,
  dayAttribute: string,
  days: readonly string[],
): Promise<string[]> {
  const ids: string[] = [];
  for (const day of days) {
    const pages = queryPages(deps.db, {
      TableName: deps.table,
      IndexName: index,
      KeyConditionExpression: `${dayAttribute} = :day`,
      ExpressionAttributeValues: { ":day": day },
    });
    for await (const entries of pages)
      for (const entry of entries) if (typeof entry.pk === "string") ids.push(entry.pk);
  }
  return ids;
}
