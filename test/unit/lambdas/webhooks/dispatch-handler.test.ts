import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { marshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBStreamEvent, SQSEvent } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { PostRequest } from "../../../../contract/runtime";
import type { WebhookEvent } from "../../../../lambdas/shared/outbox-events";
import type { PendingRetry } from "../../../../lambdas/webhooks/delivery-schemas";
import type { DeliveryStore, Subscription } from "../../../../lambdas/webhooks/delivery-store";
import { handleBatch } from "../../../../lambdas/webhooks/dispatch.handler";
import type { DispatchDeps } from "../../../../lambdas/webhooks/dispatcher";
import { clientSendMessage, delaySeconds, sqsRetryQueue } from "../../../../lambdas/webhooks/sqs-retry-queue";

const NOW = Date.UTC(2026, 6, 1, 12, 0, 0);
const QUEUE_URL = "https://sqs.eu-west-1.amazonaws.com/123456789012/fynex-webhook-retries";

const EVENT: WebhookEvent = {
  id: "evt_01K00000000000000000000001",
  type: "payment.registered",
  createdAt: new Date(NOW).toISOString(),
  orgId: "acme",
  data: { id: "pay_1", amount: 250, currency: "EUR" },
};

const SUBSCRIPTION: Subscription = {
  id: "wh_1",
  url: "https://hooks.example.com/fynex",
  events: ["payment.registered"],
  enabled: true,
  secret: "whsec_1",
};

function deps() {
  const posts: PostRequest[] = [];
  const scheduled: PendingRetry[] = [];
  const store: DeliveryStore = {
    subscriptionsFor: async () => [SUBSCRIPTION],
    subscription: async () => SUBSCRIPTION,
    recordAttempt: async () => undefined,
    markFailing: async () => NOW,
    clearFailing: async () => undefined,
    disable: async () => false,
  };
  const dispatch: DispatchDeps = {
    store,
    retries: { schedule: async (retry) => void scheduled.push(retry) },
    post: async (request) => {
      posts.push(request);
      return { statusCode: 200 };
    },
    resolve: async () => [{ address: "93.184.215.14", family: 4 }],
    clock: () => NOW,
    random: () => 0,
    retryBaseSeconds: 30,
    allowLoopback: false,
  };
  return { dispatch, posts, scheduled };
}

/** A stream record as Lambda hands it: the outbox item's new image in DynamoDB JSON. */
function streamRecord(sequence: string, image: Record<string, unknown>, eventName = "INSERT") {
  return {
    eventID: sequence,
    eventName,
    eventSource: "aws:dynamodb",
    dynamodb: {
      Keys: marshall({ pk: image.pk, sk: image.sk }),
      NewImage: marshall(image, { removeUndefinedValues: true }),
      SequenceNumber: sequence,
      StreamViewType: "NEW_IMAGE",
    },
  };
}

const outboxImage = (event: WebhookEvent) => ({
  pk: `ORG#${event.orgId}`,
  sk: `OUTBOX#${event.id}`,
  ...event,
  ttl: NOW / 1000 + 604_800,
});

function queueRecord(messageId: string, body: string) {
  return {
    messageId,
    body,
    eventSource: "aws:sqs",
    receiptHandle: "r",
    attributes: {},
    messageAttributes: {},
  };
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("the dispatcher Lambda's batches", () => {
  it("delivers each outbox item of a stream batch, from its new image", async () => {
    const { dispatch, posts } = deps();
    const event = { Records: [streamRecord("100", outboxImage(EVENT))] } as unknown as DynamoDBStreamEvent;

    const result = await handleBatch(dispatch, event);

    expect(result).toEqual({ batchItemFailures: [] });
    expect(posts).toHaveLength(1);
    expect(JSON.parse(posts[0]?.body ?? "")).toEqual(EVENT);
  });

  it("reports by sequence number the stream records it could not handle, and ignores other changes", async () => {
    const { dispatch, posts } = deps();
    const event = {
      Records: [
        streamRecord("101", { pk: "ORG#acme", sk: "OUTBOX#evt_bad", id: "evt_bad" }),
        streamRecord("102", outboxImage(EVENT), "MODIFY"),
        streamRecord("103", outboxImage(EVENT)),
      ],
    } as unknown as DynamoDBStreamEvent;

    const result = await handleBatch(dispatch, event);

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: "101" }] });
    expect(posts).toHaveLength(1);
  });

  it("makes a due retry from the queue, and sends one not yet due on through the queue", async () => {
    const { dispatch, posts, scheduled } = deps();
    const retry: PendingRetry = {
      orgId: "acme",
      webhookId: "wh_1",
      attempt: 3,
      firstAttemptAt: NOW - 90_000,
      dueAt: NOW,
      event: EVENT,
    };
    const later = { ...retry, dueAt: NOW + 3_600_000 };
    const event = {
      Records: [
        queueRecord("m-due", JSON.stringify(retry)),
        queueRecord("m-later", JSON.stringify(later)),
        queueRecord("m-bad", "{not json"),
      ],
    } as unknown as SQSEvent;

    const result = await handleBatch(dispatch, event);

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: "m-bad" }] });
    expect(posts).toHaveLength(1);
    expect(scheduled).toEqual([later]);
  });
});

describe("the SQS retry queue", () => {
  it("holds a retry back until it is due, at most SQS's 15 minutes at a time", () => {
    expect(delaySeconds(NOW + 30_000, NOW)).toBe(30);
    expect(delaySeconds(NOW + 1, NOW)).toBe(1);
    expect(delaySeconds(NOW - 5_000, NOW)).toBe(0);
    expect(delaySeconds(NOW + 4 * 3_600_000, NOW)).toBe(900);
  });

  it("sends the retry itself as the message", async () => {
    const sent: unknown[] = [];
    const queue = sqsRetryQueue(
      async (input) => void sent.push(input),
      QUEUE_URL,
      () => NOW,
    );
    const retry: PendingRetry = {
      orgId: "acme",
      webhookId: "wh_1",
      attempt: 2,
      firstAttemptAt: NOW,
      dueAt: NOW + 25_000,
      event: EVENT,
    };

    await queue.schedule(retry);

    expect(sent).toEqual([{ QueueUrl: QUEUE_URL, MessageBody: JSON.stringify(retry), DelaySeconds: 25 }]);
  });

  it("sends the retry through the SQS client, and lets SQS's refusal fail the batch item", async () => {
    const sqs = mockClient(SQSClient);
    try {
      sqs
        .on(SendMessageCommand)
        .resolvesOnce({ MessageId: "m-1" })
        .rejectsOnce(new Error("QueueDoesNotExist"));
      const send = clientSendMessage(new SQSClient({ region: "eu-west-1" }));
      const input = { QueueUrl: QUEUE_URL, MessageBody: "{}", DelaySeconds: 30 };

      await send(input);
      await expect(send(input)).rejects.toThrow("QueueDoesNotExist");

      expect(sqs.commandCalls(SendMessageCommand).map((call) => call.args[0].input)).toEqual([input, input]);
    } finally {
      sqs.restore();
    }
  });
});
