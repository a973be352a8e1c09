import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { SendMessage } from "../../contract/runtime";
import type { PendingRetry } from "./delivery-schemas";
import type { RetryQueue } from "./dispatcher";

/** SQS holds a message back at most this long; a later retry is re-sent until it is due. */
export const SQS_MAX_DELAY_SECONDS = 900;

/** Seconds to hold a retry back: until it is due, at most SQS's 15 minutes. */
export function delaySeconds(dueAt: number, nowMs: number): number {
  return Math.min(SQS_MAX_DELAY_SECONDS, Math.max(0, Math.ceil((dueAt - nowMs) / 1000)));
}

/** Retries wait in an SQS queue (deployed): the message is the retry itself, delayed until it is due. */
export function sqsRetryQueue(send: SendMessage, queueUrl: string, clock: () => number): RetryQueue {
  return {
    schedule: (retry: PendingRetry) =>
      send({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify(retry),
        DelaySeconds: delaySeconds(retry.dueAt, clock()),
      }),
  };
}

/** `SendMessage` through the SQS client, made once per cold start. */
export function clientSendMessage(client: SQSClient): SendMessage {
  return async (input) => {
    await client.send(new SendMessageCommand(input));
  };
}
