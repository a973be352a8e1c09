/** DynamoDB's JSON 1.0 protocol as the local emulator speaks it: errors, answers, in-process calls. */
import { randomBytes } from "node:crypto";
import type { IncomingHttpHeaders, IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { crc32 } from "node:zlib";

type Item = Record<string, unknown>;
/** An error as dynalite's modules report one: the HTTP status and the JSON body to answer. */
export interface DynaliteError {
  statusCode: number;
  body: ErrorBody;
}

export const API = "DynamoDB_20120810";
export const ERROR_PREFIX = "com.amazonaws.dynamodb.v20120810#";

export type ErrorBody = Record<string, unknown>;

/** A DynamoDB error answer, thrown through the transaction code and sent as is. */
export class DynamoError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
  ) {
    super(String(body.message ?? body.Message ?? body.__type));
  }
}

export function validationError(message: string): DynamoError {
  return new DynamoError(400, { __type: "com.amazon.coral.validate#ValidationException", message });
}

export function isDynaliteError(err: unknown): err is DynaliteError {
  return isRecord(err) && typeof err.statusCode === "number" && isRecord(err.body);
}

export function fromDynalite(err: DynaliteError): DynamoError {
  return new DynamoError(err.statusCode, err.body);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** An HTTP answer, whether captured from dynalite or built here. */
export interface Reply {
  status: number;
  headers: Record<string, string | number>;
  body: string;
}

export function jsonReply(status: number, body: unknown): Reply {
  const text = JSON.stringify(body);
  return {
    status,
    headers: {
      "Content-Type": "application/x-amz-json-1.0",
      "Content-Length": Buffer.byteLength(text),
      // DynamoDB's body checksum and request id, which dynalite's own answers carry too.
      "x-amz-crc32": crc32(text),
      "x-amzn-RequestId": randomBytes(26).toString("hex").toUpperCase(),
    },
    body: text,
  };
}

/**
 * Stands in for the ServerResponse dynalite writes to, so its answer can be inspected (or relayed)
 * once it is complete. dynalite uses only `statusCode`, `contentType`, `setHeader` and `end`.
 */
export class CapturedResponse {
  statusCode = 200;
  contentType = "";
  private readonly headers: Record<string, string | number> = {};

  constructor(private readonly done: (reply: Reply) => void) {}

  setHeader(name: string, value: string | number): void {
    this.headers[name] = value;
  }

  end(body?: string): void {
    this.done({ status: this.statusCode, headers: this.headers, body: body ?? "" });
  }
}

export type Invoke = (
  headers: IncomingHttpHeaders,
  method: string,
  url: string,
  body: Buffer,
) => Promise<Reply>;

/** Runs one request through dynalite's listener in-process and resolves to its complete answer. */
export function invoker(listener: RequestListener): Invoke {
  return (headers, method, url, body) =>
    new Promise((resolve) => {
      // dynalite reads the body from `data`/`end` events and looks at headers, method and url only.
      const request = Object.assign(Readable.from(body.length > 0 ? [body] : []), { headers, method, url });
      listener(
        request as unknown as IncomingMessage,
        new CapturedResponse(resolve) as unknown as ServerResponse,
      );
    });
}

// dynalite checks that a request looks signed (it verifies no signature); the transaction code's own
// calls are shaped the same way.
export const internalHeaders: IncomingHttpHeaders = {
  "content-type": "application/x-amz-json-1.0",
  authorization:
    "AWS4-HMAC-SHA256 Credential=local/20000101/local/dynamodb/aws4_request, SignedHeaders=host, Signature=local",
  "x-amz-date": "20000101T000000Z",
};

/** Calls one dynalite operation directly (not through the claim checks) and returns its JSON answer. */
export async function callDynalite(invoke: Invoke, operation: string, request: object): Promise<Item> {
  const reply = await invoke(
    { ...internalHeaders, "x-amz-target": `${API}.${operation}` },
    "POST",
    "/",
    Buffer.from(JSON.stringify(request)),
  );
  const body: unknown = JSON.parse(reply.body);
  if (!isRecord(body)) throw new Error(`dynalite answered ${operation} with ${reply.body}`);
  if (reply.status !== 200) throw new DynamoError(reply.status, body);
  return body;
}
