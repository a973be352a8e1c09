import { createHash } from "node:crypto";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import * as z from "zod";
import { orgPk, sk } from "../../../contract/data-items";
import { rawNumber, rawString } from "../dynamo/conditions";
import type { TransactItem } from "../dynamo/transact";
import { HttpError, validationError } from "./errors";
import { type HeaderBag, headerValues } from "./headers";
import type { HttpResult } from "./response";
import { type BodyEvent, rawBody } from "./validation";

/** How long a stored answer is replayed (API.md §6: at least 24 hours); DynamoDB's TTL removes it later. */
export const IDEMPOTENCY_SECONDS = 24 * 60 * 60;

export const IDEMPOTENCY_HEADER = "Idempotency-Key";

/** Printable ASCII, 1 to 255 characters (API.md §6). */
const KEY_PATTERN = /^[\x20-\x7E]{1,255}$/;

/** Where a request's idempotency record lives and what it must match. */
export interface IdempotentRequest {
  /** `IDEMPOTENCY#<sha256 of method, concrete path and key>`: scoped to the org by the partition. */
  sk: string;
  /** SHA-256 of the body as canonical JSON: a replay must carry a JSON-equal body. */
  fingerprint: string;
}

const storedAnswerSchema = z.object({ body: z.unknown(), headers: z.record(z.string(), z.string()) });

const badKey = (message: string) => validationError([{ path: `headers.${IDEMPOTENCY_HEADER}`, message }]);

/** JSON with object keys sorted at every depth: equal for JSON-equal values, whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value);
}

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

/**
 * The request's idempotency scope, or undefined when it sends no `Idempotency-Key`. The key is
 * validated here (400 at `headers.Idempotency-Key`; two different values are a 400 too). The body
 * has already passed the route's JSON validation, so it parses.
 */
export function idempotentRequest(
  event: HeaderBag & BodyEvent,
  scope: { method: string; path: string },
): IdempotentRequest | undefined {
  const values = [...new Set(headerValues(event, IDEMPOTENCY_HEADER))];
  if (values.length === 0) return undefined;
  if (values.length > 1) throw badKey("Send one Idempotency-Key.");
  const key = values[0] ?? "";
  if (!KEY_PATTERN.test(key)) throw badKey("Must be 1 to 255 printable ASCII characters.");
  const text = rawBody(event);
  const body: unknown = text === undefined ? {} : JSON.parse(text);
  return {
    sk: sk.idempotency(sha256(`${scope.method} ${scope.path}\n${key}`)),
    fingerprint: sha256(canonicalJson(body)),
  };
}

/**
 * The record of a successful answer, to be written in the same transaction as the write it answers
 * for: it exists exactly when that write happened. Its condition refuses a live record of the same
 * key (one whose TTL has passed but that DynamoDB has not deleted yet counts as gone); the old record
 * comes back with the cancellation, so the caller can replay it.
 */
export function idempotencyPut(
  table: string,
  orgId: string,
  request: IdempotentRequest,
  answer: HttpResult,
  nowMs: number,
): TransactItem {
  const nowSeconds = Math.floor(nowMs / 1000);
  return {
    Put: {
      TableName: table,
      Item: {
        pk: orgPk(orgId),
        sk: request.sk,
        fingerprint: request.fingerprint,
        statusCode: answer.statusCode,
        // A JSON string, so a cancellation's raw (not unmarshalled) old item is easy to replay.
        answer: JSON.stringify({ body: answer.body, headers: answer.headers ?? {} }),
        createdAt: new Date(nowMs).toISOString(),
        ttl: nowSeconds + IDEMPOTENCY_SECONDS,
      },
      ConditionExpression: "attribute_not_exists(pk) OR #ttl <= :now",
      ExpressionAttributeNames: { "#ttl": "ttl" },
      ExpressionAttributeValues: { ":now": nowSeconds },
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    },
  };
}

/**
 * What to answer when the key already has a live record: the stored answer with
 * `Idempotent-Replayed: true` for a JSON-equal body, a 409 for any other body.
 */
export function replay(
  request: IdempotentRequest,
  stored: Record<string, AttributeValue> | undefined,
): HttpResult {
  const answer = rawString(stored, "answer");
  const statusCode = rawNumber(stored, "statusCode");
  if (answer === undefined || statusCode === undefined) {
    throw new Error("idempotency record without its answer");
  }
  if (rawString(stored, "fingerprint") !== request.fingerprint) {
    throw new HttpError(
      "conflict",
      "This Idempotency-Key was already used with a different request body; use a new key for a new request.",
    );
  }
  const { body, headers } = storedAnswerSchema.parse(JSON.parse(answer));
  return { statusCode, body, headers: { ...headers, "Idempotent-Replayed": "true" } };
}
