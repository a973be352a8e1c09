import { randomUUID } from "node:crypto";
import {
  type AttributeValue,
  BatchWriteItemCommand,
  type DynamoDBClient,
  ScanCommand,
} from "@aws-sdk/client-dynamodb";
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { DynamoDBRecord, DynamoDBStreamEvent, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { SK_PREFIX } from "../../contract/data-items";
import type { SendMessage } from "../../contract/runtime";
import type { TableDefinition } from "../../contract/tables";
import type { CommittedItem } from "./dynamo";
import { failureFields, localLog } from "./log";

/**
 * Where the local runtime keeps retries until they are due (SQS's place deployed), on disk with the
 * data when the runtime has a data dir, so that a restart loses none. One partition; the sort key
 * starts with the due instant, so the due retries are one query.
 */
export const LOCAL_RETRIES_TABLE: TableDefinition = {
  logicalId: "LocalWebhookRetries",
  partitionKey: "queue",
  sortKey: "due",
  ttlAttribute: "ttl",
  indexes: [],
};

const QUEUE = "retries";

/** The webhook dispatcher's handler, fed by the data table's stream and by the retry queue. */
export type DispatchHandler = (event: DynamoDBStreamEvent | SQSEvent) => Promise<SQSBatchResponse>;

/** What the poller gives the dispatcher in place of SQS, and how it stops the attempts in flight. */
export interface DispatcherHost {
  sendMessage: SendMessage;
  signal: AbortSignal;
}

export interface WebhookPollerOptions {
  client: DynamoDBClient;
  dataTable: string;
  retriesTable: string;
  clock: () => number;
  /** Builds the dispatcher's handler (its entry module's `createHandler`) over this host. */
  dispatcher: (host: DispatcherHost) => Promise<DispatchHandler>;
  /** How often due retries are looked for, real milliseconds. */
  pollIntervalMs?: number;
  /** Deliveries in flight at once. */
  concurrency?: number;
}

export interface WebhookPoller {
  /** What the embedded DynamoDB reports after each committed transaction (see `afterCommit`). */
  committed(items: CommittedItem[]): void;
  /** Stops looking, aborts the attempts in flight and waits for them. */
  close(): Promise<void>;
}

type Image = Record<string, AttributeValue>;
type Job = { key: string; run: () => Promise<void> };

/** Events of one org handed to the dispatcher at once, as a stream batch's records. */
const ORG_BATCH = 100;

/**
 * The local runtime's stand-in for the dispatcher's two event sources: it hands the deployed
 * dispatcher's handler (its entry module, built over the local runtime) what DynamoDB Streams and SQS
 * hand it there, in their shapes.
 *  - New events: each committed transaction's outbox items, as the embedded DynamoDB reports them; at
 *    start, every outbox item not yet marked dispatched (a runtime stopped between a commit and its
 *    delivery loses nothing, as the stream keeps its records deployed). The events of one org are
 *    handed one batch at a time (as a stream shard's are); the records the handler reports failed are
 *    handed again after a pause, the others marked dispatched.
 *  - Retries: the handler's `SendMessage` puts each message in a table of its own, due after its delay
 *    by the injected clock; due messages are handed as SQS records, deleted once handled.
 * Work runs in the background, a few jobs at once: no API request waits for it.
 */
export async function startWebhookPoller(options: WebhookPollerOptions): Promise<WebhookPoller> {
  const db = DynamoDBDocumentClient.from(options.client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const abort = new AbortController();
  const sendMessage: SendMessage = async ({ MessageBody, DelaySeconds }) => {
    const due = `${String(options.clock() + DelaySeconds * 1000).padStart(15, "0")}#${randomUUID()}`;
    await db.send(
      new PutCommand({ TableName: options.retriesTable, Item: { queue: QUEUE, due, body: MessageBody } }),
    );
  };
  const handler = await options.dispatcher({ sendMessage, signal: abort.signal });
  let sequence = 0;

  const concurrency = options.concurrency ?? 8;
  let closed = false;
  const running = new Set<Promise<void>>();
  /** Outbox items waiting, by org partition, then sort key. */
  const outbox = new Map<string, Map<string, Image>>();
  /** Orgs with a batch in flight (one at a time each), or waiting out a failure until a real instant. */
  const busy = new Set<string>();
  const backOffUntil = new Map<string, number>();
  const retryJobs: Job[] = [];
  const retryKeys = new Set<string>();

  const failed = (key: string, error: unknown) => {
    if (closed) return;
    backOffUntil.set(key, Date.now() + 1_000);
    localLog("warn", "local webhook dispatch failed; it will be tried again", {
      job: key,
      ...failureFields(error),
    });
  };

  const nextBatch = (): Job | undefined => {
    for (const [pk, waiting] of outbox) {
      if (busy.has(pk) || (backOffUntil.get(pk) ?? 0) > Date.now()) continue;
      const batch = [...waiting].slice(0, ORG_BATCH);
      for (const [sk] of batch) waiting.delete(sk);
      if (waiting.size === 0) outbox.delete(pk);
      busy.add(pk);
      return {
        key: pk,
        run: () =>
          dispatchBatch(batch).finally(() => {
            busy.delete(pk);
          }),
      };
    }
    return undefined;
  };

  const pump = () => {
    while (!closed && running.size < concurrency) {
      const job = retryJobs.shift() ?? nextBatch();
      if (!job) return;
      const done = job
        .run()
        .catch((error: unknown) => failed(job.key, error))
        .finally(() => {
          retryKeys.delete(job.key);
          running.delete(done);
          pump();
        });
      running.add(done);
    }
  };

  const addOutbox = (image: Image) => {
    const pk = image.pk?.S;
    const sk = image.sk?.S;
    if (closed || !pk || !sk?.startsWith(SK_PREFIX.outbox) || image.dispatchedAt) return;
    const waiting = outbox.get(pk) ?? new Map<string, Image>();
    outbox.set(pk, waiting);
    waiting.set(sk, image);
  };

  /** Marks outbox items dispatched, 25 a call, writing them back as they were plus `dispatchedAt`. */
  const markDispatched = async (images: Image[]) => {
    const at: AttributeValue = { S: new Date(options.clock()).toISOString() };
    for (let start = 0; start < images.length; start += 25) {
      let requests: { PutRequest: { Item: Image } }[] = images.slice(start, start + 25).map((image) => ({
        PutRequest: { Item: { ...image, dispatchedAt: at } },
      }));
      for (let round = 0; requests.length > 0; round++) {
        if (round === 5) throw new Error("outbox items could not be marked dispatched");
        const result = await options.client.send(
          new BatchWriteItemCommand({ RequestItems: { [options.dataTable]: requests } }),
        );
        requests = (result.UnprocessedItems?.[options.dataTable] ?? []).flatMap((request) =>
          request.PutRequest?.Item ? [{ PutRequest: { Item: request.PutRequest.Item } }] : [],
        );
      }
    }
  };

  /** One org's new events, as one stream batch; the records the handler reports failed wait again. */
  const dispatchBatch = async (batch: [string, Image][]) => {
    const records = new Map<string, Image>(
      batch.map(([, image]) => [String(++sequence).padStart(21, "0"), image]),
    );
    const event: DynamoDBStreamEvent = {
      Records: [...records].map(
        ([sequenceNumber, image]): DynamoDBRecord => ({
          eventID: sequenceNumber,
          eventName: "INSERT",
          eventVersion: "1.1",
          eventSource: "aws:dynamodb",
          awsRegion: "local",
          dynamodb: {
            // The SDK's attribute values and aws-lambda's describe the same JSON.
            Keys: { pk: image.pk, sk: image.sk } as never,
            NewImage: image as never,
            SequenceNumber: sequenceNumber,
            StreamViewType: "NEW_IMAGE",
          },
        }),
      ),
    };
    const { batchItemFailures } = await handler(event);
    const failed = new Set(batchItemFailures.map((failure) => failure.itemIdentifier));
    const done = [...records].filter(([id]) => !failed.has(id)).map(([, image]) => image);
    if (done.length > 0) await markDispatched(done);
    if (failed.size === 0) return;
    for (const id of failed) {
      const image = records.get(id);
      if (image) addOutbox(image);
    }
    throw new Error(`${failed.size} of ${records.size} events not dispatched`);
  };

  /** One due message, as SQS hands it: deleted once handled, else visible again after a pause. */
  const retryJob = (due: string, body: string): Job => ({
    key: `retry:${due}`,
    run: async () => {
      const sent = Number(due.slice(0, 15));
      const message: SQSRecord = {
        messageId: due,
        receiptHandle: due,
        body,
        attributes: {
          ApproximateReceiveCount: "1",
          SentTimestamp: String(sent),
          SenderId: "local",
          ApproximateFirstReceiveTimestamp: String(options.clock()),
        },
        messageAttributes: {},
        md5OfBody: "",
        eventSource: "aws:sqs",
        eventSourceARN: "arn:aws:sqs:local:000000000000:webhook-retries",
        awsRegion: "local",
      };
      const { batchItemFailures } = await handler({ Records: [message] });
      if (batchItemFailures.length > 0) throw new Error("retry not handled");
      await db.send(new DeleteCommand({ TableName: options.retriesTable, Key: { queue: QUEUE, due } }));
    },
  });

  // Outbox items a stopped runtime committed and never dispatched.
  let startKey: Image | undefined;
  do {
    const page = await options.client.send(
      new ScanCommand({
        TableName: options.dataTable,
        FilterExpression: "begins_with(sk, :outbox) AND attribute_not_exists(dispatchedAt)",
        ExpressionAttributeValues: { ":outbox": { S: SK_PREFIX.outbox } },
        ExclusiveStartKey: startKey,
        ConsistentRead: true,
      }),
    );
    for (const image of page.Items ?? []) addOutbox(image);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  pump();

  let polling = false;
  const poll = async () => {
    if (polling || closed) return;
    polling = true;
    try {
      const now = `${String(options.clock()).padStart(15, "0")}~`;
      const { Items } = await db.send(
        new QueryCommand({
          TableName: options.retriesTable,
          KeyConditionExpression: "#queue = :queue AND #due <= :now",
          ExpressionAttributeNames: { "#queue": "queue", "#due": "due" },
          ExpressionAttributeValues: { ":queue": QUEUE, ":now": now },
          Limit: 50,
          ConsistentRead: true,
        }),
      );
      for (const item of Items ?? []) {
        const job = retryJob(String(item.due), String(item.body));
        if (retryKeys.has(job.key) || (backOffUntil.get(job.key) ?? 0) > Date.now()) continue;
        retryKeys.add(job.key);
        retryJobs.push(job);
      }
      // Also picks up outbox batches that were waiting out a failure.
      pump();
    } catch (error) {
      if (!closed) localLog("warn", "local webhook poller could not read due retries", failureFields(error));
    } finally {
      polling = false;
    }
  };
  const timer = setInterval(() => void poll(), options.pollIntervalMs ?? 200);
  timer.unref();

  return {
    committed(items) {
      for (const { tableName, item } of items) if (tableName === options.dataTable) addOutbox(item);
      // Not now: the transaction that reported these has not been answered yet.
      if (outbox.size > 0) setImmediate(pump);
    },
    async close() {
      closed = true;
      clearInterval(timer);
      abort.abort();
      await Promise.allSettled([...running]);
    },
  };
}
