import { createHash, createHmac } from "node:crypto";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { SignatureV4 } from "@smithy/signature-v4";
import type { PendingRetry } from "./delivery-schemas";
import type { RetryQueue } from "./dispatcher";

/** SQS holds a message back at most this long; a later retry is re-sent until it is due. */
export const SQS_MAX_DELAY_SECONDS = 900;

/** The one SQS call the dispatcher makes. Behind this type so that the client can be swapped. */
export type SendMessage = (input: {
  QueueUrl: string;
  MessageBody: string;
  DelaySeconds: number;
}) => Promise<void>;

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

type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (data: SourceData) =>
  typeof data === "string"
    ? data
    : ArrayBuffer.isView(data)
      ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      : Buffer.from(data);

/** The hash (and HMAC) the signer needs, from node:crypto. */
class Sha256 {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash("sha256") : createHmac("sha256", bytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    throw new Error("not needed");
  }
}

/**
 * `SendMessage` over SQS's JSON protocol, signed with the SDK's SigV4 signer and the function's
 * credentials. A stand-in until `@aws-sdk/client-sqs` is a dependency (docs/DECISIONS.md): then this
 * becomes `(input) => client.send(new SendMessageCommand(input))` and nothing else changes.
 */
export function signedSendMessage(region: string, fetchFn: typeof fetch = fetch): SendMessage {
  const signer = new SignatureV4({ service: "sqs", region, credentials: defaultProvider(), sha256: Sha256 });
  return async (input) => {
    const endpoint = new URL(input.QueueUrl);
    const body = JSON.stringify(input);
    const headers = {
      host: endpoint.host,
      "content-type": "application/x-amz-json-1.0",
      "x-amz-target": "AmazonSQS.SendMessage",
    };
    const signed = await signer.sign({
      method: "POST",
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      path: "/",
      headers,
      body,
    });
    const { host: _host, ...sent } = signed.headers;
    const response = await fetchFn(`${endpoint.origin}/`, {
      method: "POST",
      headers: sent,
      body,
      signal: AbortSignal.timeout(5_000),
    });
    if (response.status !== 200) {
      const text = await response.text().catch(() => "");
      const type = /"__type"\s*:\s*"([^"]+)"/.exec(text)?.[1] ?? "unknown error";
      throw new Error(`SQS SendMessage failed: ${response.status} ${type}`);
    }
  };
}
