import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  PutItemCommand,
  QueryCommand,
} from "@aws-sdk/client-dynamodb";
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { ENV } from "../../contract/environment";
import type { Runtime } from "../../contract/runtime";
import type { UsageItem } from "../shared/api-keys/usage-history";
import { foldWindow, parseSummary, SUMMARY_SORT_KEY } from "../shared/api-keys/usage-summary";
import { requireSetting, runtimeFromEnvironment } from "../shared/runtime";
import { closedWindowOf } from "./closed-window";

type Image = Record<string, AttributeValue>;

/** A conditional put; false when its condition failed (what it guards is already there). */
async function putIfAllowed(dynamo: DynamoDBClient, command: PutItemCommand): Promise<boolean> {
  try {
    await dynamo.send(command);
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/**
 * Writes one closed window to the usage history, once: the put is conditional on the item not being
 * there, so a replayed record (a retried batch, a bisected half, the local runtime's recovery at start)
 * leaves the item the first delivery wrote and succeeds.
 */
async function writeClosedWindow(
  dynamo: DynamoDBClient,
  table: string,
  record: DynamoDBRecord,
  defaultLimit: number,
): Promise<void> {
  const item = closedWindowOf(
    {
      eventName: record.eventName,
      oldImage: record.dynamodb?.OldImage as Image | undefined,
      newImage: record.dynamodb?.NewImage as Image | undefined,
    },
    defaultLimit,
  );
  if (!item) return;
  await putIfAllowed(
    dynamo,
    new PutItemCommand({
      TableName: table,
      Item: {
        keyId: { S: item.keyId },
        windowStart: { S: item.windowStart },
        count: { N: String(item.count) },
        throttled: { N: String(item.throttled) },
        ttl: { N: String(item.ttl) },
      },
      ConditionExpression: "attribute_not_exists(keyId)",
    }),
  );
  await foldIntoSummary(dynamo, table, item);
}

/** Tries of the summary's read-and-put before the record is reported failed (and retried). */
const SUMMARY_ATTEMPTS = 3;

/**
 * Folds the window into the key's 7-day summary (`usage-summary.ts`): read, fold, and put on the
 * condition that nobody folded another window in between. A window already folded (a replay) leaves
 * it as it is.
 */
async function foldIntoSummary(dynamo: DynamoDBClient, table: string, item: UsageItem): Promise<void> {
  const window = { start: Date.parse(item.windowStart) / 1000, count: item.count, throttled: item.throttled };
  for (let attempt = 1; ; attempt++) {
    const { Items } = await dynamo.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: "keyId = :keyId AND windowStart = :summary",
        ExpressionAttributeValues: { ":keyId": { S: item.keyId }, ":summary": { S: SUMMARY_SORT_KEY } },
        ConsistentRead: true,
      }),
    );
    const stored = Items?.[0];
    const last = stored?.lastWindow?.N;
    const next = foldWindow(
      parseSummary(last === undefined ? undefined : Number(last), stored?.hours?.S),
      window,
    );
    if (!next) return;
    const put = new PutItemCommand({
      TableName: table,
      Item: {
        keyId: { S: item.keyId },
        windowStart: { S: SUMMARY_SORT_KEY },
        lastWindow: { N: String(next.lastWindow) },
        hours: { S: JSON.stringify(next.hours) },
        ttl: { N: String(item.ttl) },
      },
      // Nobody folded another window since the read (or nobody made the summary, for a first one).
      ConditionExpression: last === undefined ? "attribute_not_exists(keyId)" : "lastWindow = :last",
      ExpressionAttributeValues: last === undefined ? undefined : { ":last": { N: last } },
    });
    if (await putIfAllowed(dynamo, put)) return;
    if (attempt === SUMMARY_ATTEMPTS) throw new Error("the usage summary kept changing under its fold");
  }
}

/**
 * The usage history's writer (API.md §11), fed by the keys table's stream (new and old images): off
 * the authorizer's path, each window a rollover closed is written here, and folded into the key's
 * 7-day summary that list pages read (`usage-summary.ts`). Records are handled in order;
 * the first that fails is reported (`batchItemFailures`), so Lambda retries from
 * there (bisecting the batch), and a record that keeps failing goes to the dead-letter queue, whose
 * alarm pages. Locally, the runtime hands the keys table's changes to this same handler.
 */
export function createHandler(
  runtime: Runtime,
): (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse> {
  const table = requireSetting(runtime.settings.usageTable, ENV.usageTable);
  return (event) => writeBatch(runtime, table, event);
}

/** The Lambda entry point: built once, when the function starts, from its environment. */
export const handler = createHandler(runtimeFromEnvironment(process.env));

async function writeBatch(
  { dynamo, settings }: Runtime,
  table: string,
  event: DynamoDBStreamEvent,
): Promise<DynamoDBBatchResponse> {
  for (const record of event.Records) {
    try {
      await writeClosedWindow(dynamo, table, record, settings.rateLimit);
    } catch (error) {
      const reason = error instanceof Error ? error.name : "unknown";
      process.stderr.write(
        `${JSON.stringify({ level: "WARN", message: "usage history not written; retried", keyId: record.dynamodb?.Keys?.pk?.S, reason })}\n`,
      );
      // Lambda retries a stream batch from the lowest sequence number reported: this one.
      return { batchItemFailures: [{ itemIdentifier: record.dynamodb?.SequenceNumber ?? "" }] };
    }
  }
  return { batchItemFailures: [] };
}
