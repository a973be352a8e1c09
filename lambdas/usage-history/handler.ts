import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { ENV } from "../../contract/environment";
import { requireTable, runtime } from "../shared/runtime";
import { closedWindowOf } from "./closed-window";

type Image = Record<string, AttributeValue>;

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
  try {
    await dynamo.send(
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
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

/**
 * The usage history's writer (API.md §11), fed by the keys table's stream (new and old images): off
 * the authorizer's path, each window a rollover closed is written here. Records are handled in order;
 * the first that fails is reported (`batchItemFailures`), so Lambda retries from
 * there (bisecting the batch), and a record that keeps failing goes to the dead-letter queue, whose
 * alarm pages. Locally, the runtime hands the keys table's changes to this same handler.
 */
export async function handler(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  const { dynamo, settings } = runtime();
  const table = requireTable(settings.usageTable ?? "", ENV.usageTable);
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
