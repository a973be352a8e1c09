import { type AttributeValue, type DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import type { ItemChange } from "./dynamo";

type Image = Record<string, AttributeValue>;
export type StreamHandler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;

export interface UsageHistoryFeedOptions {
  client: DynamoDBClient;
  keysTable: string;
  /** The usage history's handler, as the local runtime built it (`createHandler`), or a test's wrap of it. */
  handler: StreamHandler;
  /** Records per invocation, as the event source mapping's batch size. */
  batchSize?: number;
  /** Real milliseconds before a failed batch is handed again. */
  retryDelayMs?: number;
}

export interface UsageHistoryFeed {
  /** What the embedded DynamoDB reports of the keys table's single-item writes. */
  changed(change: ItemChange): void;
  /** Records handed and not yet acknowledged (tests wait for none). */
  pending(): number;
  close(): Promise<void>;
}

/**
 * The keys table's stream, locally: each change the embedded DynamoDB reports becomes a record in the
 * DynamoDB Streams shape (NEW_AND_OLD_IMAGES) and is handed, in order and in batches, to the usage
 * history's handler (the deployed function's code), as Lambda's event source mapping does. A batch
 * that fails (thrown, or `batchItemFailures`) is handed again from the failed record after a pause,
 * until it succeeds.
 *
 * At start, before any change, every key item holding the window its last rollover closed
 * (`prevWindowStart`) is handed as the rollover's record again: a runtime stopped between a rollover
 * and its history write loses nothing, and the handler's conditional put makes the replay of a window
 * already written a no-op. The stream keeps its records 24 hours deployed; locally only the last
 * rollover of each key outlives a restart (docs/DECISIONS.md #220).
 */
export async function startUsageHistoryFeed(options: UsageHistoryFeedOptions): Promise<UsageHistoryFeed> {
  const { handler } = options;
  const batchSize = options.batchSize ?? 100;
  const queue: DynamoDBRecord[] = [];
  let sequence = 0;
  let running: Promise<void> | undefined;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;

  const record = (change: Omit<ItemChange, "tableName">): DynamoDBRecord => ({
    eventID: String(++sequence),
    eventName: change.eventName,
    eventVersion: "1.1",
    eventSource: "aws:dynamodb",
    awsRegion: "local",
    dynamodb: {
      // The SDK's attribute values and aws-lambda's describe the same JSON.
      Keys: change.keys as never,
      OldImage: change.oldImage as never,
      NewImage: change.newImage as never,
      SequenceNumber: String(sequence).padStart(21, "0"),
      StreamViewType: "NEW_AND_OLD_IMAGES",
    },
  });

  /** Hands the queue over batch by batch; answers how long to wait when a batch failed. */
  const drain = async (): Promise<number | undefined> => {
    while (!closed && queue.length > 0) {
      const batch = queue.slice(0, batchSize);
      let failedAt = batch.length;
      try {
        const { batchItemFailures } = await handler({ Records: batch });
        const failed = new Set(batchItemFailures.map((failure) => failure.itemIdentifier));
        const index = batch.findIndex((item) => failed.has(item.dynamodb?.SequenceNumber ?? ""));
        if (index >= 0) failedAt = index;
      } catch {
        failedAt = 0;
      }
      queue.splice(0, failedAt);
      if (failedAt < batch.length) return options.retryDelayMs ?? 200;
    }
    return undefined;
  };

  /** One drain at a time; the next one starts when it ends, if anything is (still) queued. */
  const schedule = (delayMs: number) => {
    if (closed || running || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      running = drain().then((retryIn) => {
        running = undefined;
        if (queue.length > 0) schedule(retryIn ?? 0);
      });
    }, delayMs);
    timer.unref();
  };

  // The last closed window of every key, handed again (see above).
  let startKey: Image | undefined;
  do {
    const page = await options.client.send(
      new ScanCommand({
        TableName: options.keysTable,
        FilterExpression: "attribute_exists(prevWindowStart)",
        ExclusiveStartKey: startKey,
        ConsistentRead: true,
      }),
    );
    for (const item of page.Items ?? []) {
      const oldImage = {
        ...item,
        windowStart: item.prevWindowStart,
        windowCount: item.prevWindowCount,
      } as Image;
      const pk = item.pk;
      if (pk) queue.push(record({ eventName: "MODIFY", keys: { pk }, oldImage, newImage: item }));
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  schedule(0);

  return {
    changed(change) {
      if (closed || change.tableName !== options.keysTable) return;
      queue.push(record(change));
      schedule(0);
    },
    pending: () => queue.length,
    async close() {
      closed = true;
      clearTimeout(timer);
      await running;
    },
  };
}
