import { type DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { orgPk } from "../../../contract/data-items";
import { ENV } from "../../../contract/environment";
import type { RetryPolicy, Runtime } from "../../../contract/runtime";
import * as z from "../../../contract/zod";
import { type Outcome, ok } from "../outcome";
import { requireSetting } from "../runtime";
import { decodeCursor, encodeCursor, invalidCursor, isListPosition } from "./cursor";
import { documentClient } from "./document-client";
import { DEFAULT_RETRY } from "./transact";

/** What the business stores need: the document client, the data table, and how conflicts are retried. */
export interface DataDeps {
  db: DynamoDBDocumentClient;
  table: string;
  retry?: RetryPolicy;
}

/**
 * A function's data-table dependencies, from its runtime; called once, by its `createHandler`, so a
 * function without `DATA_TABLE_NAME` fails its start, naming it.
 */
export function dataDepsOf(runtime: Runtime): DataDeps {
  return {
    db: documentClient(runtime.dynamo),
    table: requireSetting(runtime.settings.dataTable, ENV.dataTable),
    retry: runtime.retry ?? DEFAULT_RETRY,
  };
}

/** An instant as the API writes it: ISO 8601 UTC with milliseconds. */
export const isoAt = (ms: number) => new Date(ms).toISOString();

/** One page of a list: the items, and the cursor of the next page (null at the end). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

const positionSchema = z.lazySchema(() => z.strictObject({ sk: z.string().check(z.maxLength(256)) }));

/** Where a list resumes: an item's key, or undefined for the first page. */
export type ListStart = { pk: string; sk: string } | undefined;

/**
 * Where a list resumes: the item key a cursor names, if the cursor is this org's and names an item
 * of this list (`prefix` then an id, see `isListPosition`); else invalid input at `cursor`, never a
 * DynamoDB error and never another list's or org's items.
 */
export function startAfter(orgId: string, prefix: string, cursor: string | undefined): Outcome<ListStart> {
  if (cursor === undefined) return ok(undefined);
  const position = decodeCursor(cursor, orgId, positionSchema);
  if (!position || !isListPosition(position.sk, prefix)) return invalidCursor();
  return ok({ pk: orgPk(orgId), sk: position.sk });
}

/** The cursor after the last item DynamoDB read, or null when it read to the end. */
export function nextCursorOf(
  orgId: string,
  lastEvaluatedKey: Record<string, unknown> | undefined,
): string | null {
  const sk = lastEvaluatedKey?.sk;
  return typeof sk === "string" ? encodeCursor(orgId, { sk }) : null;
}

/** A page of the org's items under one sort-key prefix, oldest first (ids sort by creation time). */
export async function queryPage<T>(
  deps: DataDeps,
  orgId: string,
  prefix: string,
  page: { limit: number; cursor?: string },
  toResource: (item: Record<string, unknown>) => T,
): Promise<Outcome<Page<T>>> {
  const start = startAfter(orgId, prefix, page.cursor);
  if (!start.ok) return start;
  const result = await deps.db.send(
    new QueryCommand({
      TableName: deps.table,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
      ExpressionAttributeValues: { ":pk": orgPk(orgId), ":prefix": prefix },
      ExclusiveStartKey: start.value,
      Limit: page.limit,
      ConsistentRead: true,
    }),
  );
  return ok({
    items: (result.Items ?? []).map(toResource),
    nextCursor: nextCursorOf(orgId, result.LastEvaluatedKey),
  });
}
