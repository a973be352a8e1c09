import { type DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { orgPk } from "../../contract/data-items";

export interface ExportStoreDeps {
  db: DynamoDBDocumentClient;
  table: string;
}

/** Which items of the org's partition an export reads: one sort-key prefix, optionally from a key on. */
export interface ExportRange {
  /** `ACCOUNT#`, `INTERACTION#`: the kind's sort-key prefix (ends with `#`). */
  prefix: string;
  /** Inclusive lower bound of the sort key (`?since=`, turned into the smallest id of that instant). */
  from?: string;
  /** Only items whose `accountId` is this one (a filter: DynamoDB still reads the others). */
  accountId?: string;
}

export interface ExportRead {
  /** At most `max` items, in sort-key order (oldest first: ids are time-sortable). */
  items: Record<string, unknown>[];
  /** The sort key to resume after, when items may remain; null when the range is exhausted. */
  resumeAfter: string | null;
}

/** The greatest sort key of a prefix's range: `INTERACTION#` → `INTERACTION$` (no key has it). */
export function prefixEnd(prefix: string): string {
  return `${prefix.slice(0, -1)}${String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)}`;
}

/**
 * Reads up to `max` items of the range after `after` (exclusive), in as many queries as DynamoDB's
 * 1 MB pages need. One item past `max` is read ahead, so `resumeAfter` is null exactly when nothing
 * remains (no empty last page). With an `accountId` filter, the items a page reads are bounded by
 * `maxEvaluated`: past it, the read stops early with `resumeAfter` set, so a sparse filter over a large
 * range costs pages, never a timeout.
 */
export async function readExportRange(
  deps: ExportStoreDeps,
  orgId: string,
  range: ExportRange,
  options: { after?: string; max: number; maxEvaluated: number },
): Promise<ExportRead> {
  const pk = orgPk(orgId);
  const values: Record<string, unknown> = { ":pk": pk };
  let keyCondition: string;
  if (range.from === undefined) {
    keyCondition = "pk = :pk AND begins_with(sk, :prefix)";
    values[":prefix"] = range.prefix;
  } else {
    keyCondition = "pk = :pk AND sk BETWEEN :from AND :to";
    values[":from"] = range.from;
    values[":to"] = prefixEnd(range.prefix);
  }
  let filter: { FilterExpression: string; ExpressionAttributeNames: Record<string, string> } | undefined;
  if (range.accountId !== undefined) {
    filter = {
      FilterExpression: "#accountId = :accountId",
      ExpressionAttributeNames: { "#accountId": "accountId" },
    };
    values[":accountId"] = range.accountId;
  }

  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined =
    options.after === undefined ? undefined : { pk, sk: options.after };
  let evaluated = 0;
  for (;;) {
    const result = await deps.db.send(
      new QueryCommand({
        TableName: deps.table,
        KeyConditionExpression: keyCondition,
        ...filter,
        ExpressionAttributeValues: values,
        ExclusiveStartKey: start,
        // Never more than the page still wants, nor (with a filter) more than it may still read.
        Limit: Math.max(1, Math.min(options.max + 1 - items.length, options.maxEvaluated - evaluated)),
        ConsistentRead: true,
      }),
    );
    items.push(...(result.Items ?? []));
    evaluated += result.ScannedCount ?? 0;
    start = result.LastEvaluatedKey;
    if (items.length > options.max) {
      const kept = items.slice(0, options.max);
      return { items: kept, resumeAfter: String(kept.at(-1)?.sk) };
    }
    if (start === undefined) return { items, resumeAfter: null };
    if (evaluated >= options.maxEvaluated) return { items, resumeAfter: String(start.sk) };
  }
}
