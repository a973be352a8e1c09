import {
  type AttributeValue,
  BatchWriteItemCommand,
  type DynamoDBClient,
  ScanCommand,
} from "@aws-sdk/client-dynamodb";
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { SK_PREFIX } from "../../contract/data-items";
import type { TableDefinition } from "../../contract/tables";
import { errorFields, log } from "../../lambdas/shared/observability/log";
import { pendingRetrySchema, webhookEventSchema } from "../../lambdas/webhooks/delivery-schemas";
import {
  type DeliveryStore,
  dynamoDeliveryStore,
  type Subscription,
} from "../../lambdas/webhooks/delivery-store";
import {
  type DispatchDeps,
  dispatchEvent,
  type RetryQueue,
  retryDelivery,
} from "../../lambdas/webhooks/dispatcher";
import {
  nodePost,
  type PostWebhook,
  type ResolveHost,
  systemResolver,
} from "../../lambdas/webhooks/http-post";
import type { CommittedItem } from "./dynamo";

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

export interface WebhookPollerOptions {
  client: DynamoDBClient;
  dataTable: string;
  retriesTable: string;
  clock: () => number;
  retryBaseSeconds: number;
  allowLoopback: boolean;
  /** DNS answers (tests point names inside); the system resolver when absent. */
  resolve?: ResolveHost;
  /** The HTTP client; node:http(s) when absent. */
  post?: PostWebhook;
  random?: () => number;
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

/** Events of one org dispatched by one job: one subscriptions query serves them all. */
const ORG_BATCH = 100;
/** Deliveries of one batch in flight at once. */
const BATCH_PARALLELISM = 8;

/**
 * The local runtime's webhook dispatcher: the same dispatcher code as the deployed Lambda, fed by
 * what DynamoDB Streams and SQS feed it there.
 *  - New events: each committed transaction's outbox items, as the embedded DynamoDB reports them; at
 *    start, every outbox item not yet marked dispatched (a runtime stopped between a commit and its
 *    delivery loses nothing, as the stream keeps its records deployed). The events of one org are
 *    dispatched one batch at a time (as a stream shard's are), so a 1000-row import costs a handful of
 *    subscription queries and marks, not thousands of calls.
 *  - Retries: a table of their own, queried for those due (by the injected clock) every poll.
 * Work runs in the background, a few jobs at once: no API request waits for it.
 */
export async function startWebhookPoller(options: WebhookPollerOptions): Promise<WebhookPoller> {
  const db = DynamoDBDocumentClient.from(options.client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const abort = new AbortController();
  const retries: RetryQueue = {
    async schedule(retry) {
      const due = `${String(retry.dueAt).padStart(15, "0")}#${retry.orgId}#${retry.event.id}#${retry.webhookId}#${retry.attempt}`;
      await db.send(
        new PutCommand({
          TableName: options.retriesTable,
          Item: { queue: QUEUE, due, retry: JSON.stringify(retry) },
        }),
      );
    },
  };
  const deps: DispatchDeps = {
    store: dynamoDeliveryStore({ db, table: options.dataTable }),
    retries,
    post: options.post ?? nodePost,
    resolve: options.resolve ?? systemResolver,
    clock: options.clock,
    random: options.random ?? Math.random,
    retryBaseSeconds: options.retryBaseSeconds,
    allowLoopback: options.allowLoopback,
    signal: abort.signal,
    log,
  };

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
    log("warn", "local webhook dispatch failed; it will be tried again", { job: key, ...errorFields(error) });
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

  /** The first attempts of a batch of one org's events; the failed ones wait to be tried again. */
  const dispatchBatch = async (batch: [string, Image][]) => {
    // One query per event type for the whole batch: made after every event of it committed, so it
    // sees every subscription made before any of them.
    const queries = new Map<string, Promise<Subscription[]>>();
    const store: DeliveryStore = {
      ...deps.store,
      subscriptionsFor(orgId, type) {
        const known = queries.get(type);
        if (known) return known;
        const query = deps.store.subscriptionsFor(orgId, type);
        queries.set(type, query);
        return query;
      },
    };
    const done: Image[] = [];
    let failure: unknown;
    for (let start = 0; start < batch.length; start += BATCH_PARALLELISM) {
      await Promise.all(
        batch.slice(start, start + BATCH_PARALLELISM).map(async ([, image]) => {
          const parsed = webhookEventSchema.safeParse(unmarshall(image));
          try {
            if (parsed.success) await dispatchEvent({ ...deps, store }, parsed.data);
            else log("error", "outbox item is not an event; skipped", { pk: image.pk?.S, sk: image.sk?.S });
            done.push(image);
          } catch (error) {
            failure = error;
            addOutbox(image);
          }
        }),
      );
    }
    if (done.length > 0) await markDispatched(done);
    if (failure !== undefined) throw failure;
  };

  const retryJob = (due: string, body: unknown): Job => ({
    key: `retry:${due}`,
    run: async () => {
      const retry = pendingRetrySchema.parse(JSON.parse(String(body)));
      await retryDelivery(deps, retry);
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
        const job = retryJob(String(item.due), item.retry);
        if (retryKeys.has(job.key) || (backOffUntil.get(job.key) ?? 0) > Date.now()) continue;
        retryKeys.add(job.key);
        retryJobs.push(job);
      }
      // Also picks up outbox batches that were waiting out a failure.
      pump();
    } catch (error) {
      if (!closed) log("warn", "local webhook poller could not read due retries", errorFields(error));
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
