import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBRecord, DynamoDBStreamEvent, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { ENV } from "../../contract/environment";
import type { Runtime } from "../../contract/runtime";
import { documentClient } from "../shared/dynamo/document-client";
import { errorFields, log } from "../shared/observability/log";
import { telemetryLogger } from "../shared/observability/telemetry";
import { requireSetting, runtimeFromEnvironment } from "../shared/runtime";
import { pendingRetrySchema, webhookEventSchema } from "./delivery-schemas";
import { type DeliveryStore, dynamoDeliveryStore, type Subscription } from "./delivery-store";
import { type DispatchDeps, dispatchEvent, retryDelivery } from "./dispatcher";
import { nodePost, systemResolver } from "./http-post";
import { clientSendMessage, sqsRetryQueue } from "./sqs-retry-queue";

/**
 * The webhook dispatcher Lambda (deployed). Two event sources feed it:
 *  - DynamoDB Streams on the data table, filtered to new outbox items: the first attempts of each event;
 *  - the retry queue (SQS): retries, each a message delayed until it is due (at most 15 minutes at a
 *    time; a later one is sent on again).
 * Failed records are reported one by one (`batchItemFailures`): Lambda retries them, and the dead-letter
 * queue (with its alarm) receives what keeps failing.
 */

/** The part of a batch that failed and must be handed again. */
export type BatchResult = SQSBatchResponse;

/** Waits for a retry that comes due within this long are not worth another trip through the queue. */
const DUE_SLACK_MS = 1_000;

async function handleStreamRecord(deps: DispatchDeps, record: DynamoDBRecord): Promise<void> {
  const image = record.dynamodb?.NewImage;
  if (record.eventName !== "INSERT" || !image) return;
  const event = webhookEventSchema.parse(unmarshall(image as Record<string, AttributeValue>));
  await dispatchEvent(deps, event);
}

async function handleQueueRecord(deps: DispatchDeps, record: SQSRecord): Promise<void> {
  const retry = pendingRetrySchema.parse(JSON.parse(record.body));
  if (retry.dueAt > deps.clock() + DUE_SLACK_MS) {
    await deps.retries.schedule(retry);
    return;
  }
  await retryDelivery(deps, retry);
}

/**
 * One stream batch's subscriptions: read once per org and event type, after every record of the batch
 * committed, so each sees the subscriptions made before it (a 1000-row import costs a handful of
 * queries, not a thousand).
 */
function batchStore(store: DeliveryStore): DeliveryStore {
  const read = new Map<string, Promise<Subscription[]>>();
  return {
    ...store,
    subscriptionsFor(orgId, type) {
      const key = `${orgId}#${type}`;
      const known = read.get(key) ?? store.subscriptionsFor(orgId, type);
      read.set(key, known);
      return known;
    },
  };
}

/** Handles a batch from either source; answers the records to hand again. */
export async function handleBatch(
  deps: DispatchDeps,
  event: DynamoDBStreamEvent | SQSEvent,
): Promise<BatchResult> {
  const records: (DynamoDBRecord | SQSRecord)[] = event.Records;
  const batchDeps = { ...deps, store: batchStore(deps.store) };
  const failures = await Promise.all(
    records.map(async (record) => {
      const fromQueue = "messageId" in record;
      const id = fromQueue ? record.messageId : (record.dynamodb?.SequenceNumber ?? "");
      try {
        if (fromQueue) await handleQueueRecord(batchDeps, record);
        else await handleStreamRecord(batchDeps, record);
        return undefined;
      } catch (error) {
        deps.log?.("error", "webhook dispatch failed; the record will be handed again", {
          source: fromQueue ? "retry-queue" : "stream",
          recordId: id,
          ...errorFields(error),
        });
        return id;
      }
    }),
  );
  return {
    batchItemFailures: failures
      .filter((id) => id !== undefined)
      .map((itemIdentifier) => ({ itemIdentifier })),
  };
}

/**
 * The dispatcher's dependencies, from its runtime: the data table and the retry queue (a start without
 * either fails, naming it), and SQS, DNS and HTTP: AWS's and the system's unless the runtime brings
 * its own (the local runtime keeps its queue in its embedded DynamoDB; tests answer DNS and HTTP).
 */
function dispatchDepsOf(runtime: Runtime): DispatchDeps {
  const { clock, settings, webhooks = {} } = runtime;
  const queueUrl = requireSetting(settings.webhookRetryQueueUrl, ENV.webhookRetryQueueUrl);
  const sendMessage = webhooks.sendMessage ?? clientSendMessage(new SQSClient({}));
  return {
    store: dynamoDeliveryStore({
      db: documentClient(runtime.dynamo),
      table: requireSetting(settings.dataTable, ENV.dataTable),
    }),
    retries: sqsRetryQueue(sendMessage, queueUrl, clock),
    post: webhooks.post ?? nodePost,
    resolve: webhooks.resolve ?? systemResolver,
    clock,
    random: webhooks.random ?? Math.random,
    retryBaseSeconds: settings.webhookRetryBaseSeconds ?? 30,
    // Read from no variable: only the local runtime's settings ever set it (API.md §9).
    allowLoopback: settings.webhooksAllowLoopback ?? false,
    signal: webhooks.signal,
    log,
  };
}

/** The dispatcher's handler, over the dependencies its runtime names. */
export function createHandler(
  runtime: Runtime,
): (event: DynamoDBStreamEvent | SQSEvent) => Promise<BatchResult> {
  telemetryLogger(runtime.settings);
  const deps = dispatchDepsOf(runtime);
  return (event) => handleBatch(deps, event);
}

/** The Lambda entry point: built once, when the function starts, from its environment. */
export const handler = createHandler(runtimeFromEnvironment(process.env));
