import { createHash } from "node:crypto";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { sk } from "../../../contract/data-items";
import * as z from "../../../contract/zod";
import { rawNumber, rawString } from "../dynamo/conditions";
import type { IdempotencyRecord, Written } from "../dynamo/idempotency-record";
import { conflict, invalidInput } from "../outcome";
import { inHeader, refusal } from "./failures";
import { type HeaderBag, headerValues } from "./headers";
import type { HttpResult } from "./http-result";
import { type BodyEvent, rawBody } from "./validation";

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

const storedAnswerSchema = z.lazySchema(() =>
  z.object({ body: z.unknown(), headers: z.record(z.string(), z.string()) }),
);

const badKey = (message: string) =>
  refusal(invalidInput({ path: [], message }), inHeader(IDEMPOTENCY_HEADER));

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

/** What a record keeps of the answer it replays: its status, and its body and headers as JSON. */
function storedAnswer(request: IdempotentRequest, answer: HttpResult): Record<string, unknown> {
  return {
    fingerprint: request.fingerprint,
    statusCode: answer.statusCode,
    // A JSON string, so a cancellation's raw (not unmarshalled) old item is easy to replay.
    answer: JSON.stringify({ body: answer.body, headers: answer.headers ?? {} }),
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
    throw refusal(
      conflict(
        "This Idempotency-Key was already used with a different request body; use a new key for a new request.",
      ),
    );
  }
  const { body, headers } = storedAnswerSchema.parse(JSON.parse(answer));
  return { statusCode, body, headers: { ...headers, "Idempotent-Replayed": "true" } };
}

/**
 * An idempotent create at the edge, for a request with or without an `Idempotency-Key`: the record
 * its store writes with the create (none without a key), keeping the answer `answerOf` gives, and the
 * answer to what the store did (the fresh answer, or the earlier one replayed).
 */
export function idempotentCreate<T>(
  request: IdempotentRequest | undefined,
  answerOf: (created: T) => HttpResult,
): { record?: IdempotencyRecord<T>; answer: (written: Written<T>) => HttpResult } {
  return {
    record: request && { sk: request.sk, attributes: (created) => storedAnswer(request, answerOf(created)) },
    answer: (written) => {
      if ("created" in written) return answerOf(written.created);
      if (!request) throw new Error("an earlier idempotency record for a request without a key");
      return replay(request, written.earlier);
    },
  };
}
