import { setTimeout as delay } from "node:timers/promises";
import { type CancellationReason, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  type DynamoDBDocumentClient,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from "@aws-sdk/lib-dynamodb";
import type { RetryPolicy } from "../../../contract/runtime";
import { storeBusy } from "../outcome";

/** One action of a `TransactWriteItems` call, as the document client takes it. */
export type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

/**
 * Twelve attempts with "full jitter" (AWS Architecture Blog, "Exponential Backoff And Jitter"): each
 * wait is uniform in [0, min(1 s, 20 ms · 2^n)), at most 6.3 s in all, inside the 10 s function
 * timeout. Measured locally, where a transaction holds its items longest: 50 payments at once on one
 * account all land within about a second and a half (ten attempts left a few of them 503). Past the
 * last attempt the caller gets 503 `unavailable` with `Retry-After`.
 */
export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 12,
  baseDelayMs: 20,
  maxDelayMs: 1_000,
  sleep: (ms) => delay(ms),
  random: Math.random,
};

/** The wait before retry number `retry` (0-based) under `policy`. */
export function backoffDelay(policy: RetryPolicy, retry: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return Math.floor(policy.random() * ceiling);
}

/**
 * Waits out retry number `retry` (0-based) of `policy`: also used between the attempts of an
 * optimistic update whose item changed under it, so a busy item's writers spread out the same way.
 */
export function pause(policy: RetryPolicy, retry: number): Promise<void> {
  return policy.sleep(backoffDelay(policy, retry));
}

/** The per-action reasons of a cancelled transaction; undefined for any other error. */
export function cancellationReasons(error: unknown): CancellationReason[] | undefined {
  if (error instanceof TransactionCanceledException) return error.CancellationReasons ?? [];
  // A second copy of the SDK (or a mock) may throw a structurally equal error of another class.
  if (error instanceof Error && error.name === "TransactionCanceledException") {
    const reasons = (error as { CancellationReasons?: CancellationReason[] }).CancellationReasons;
    return reasons ?? [];
  }
  return undefined;
}

/**
 * Why DynamoDB may cancel a transaction that can succeed if sent again: another transaction held one
 * of its items (`TransactionConflict`), or the table or an index lacked capacity for it at that moment
 * (`ThrottlingError`, `ProvisionedThroughputExceeded`). The SDK retries none of them: a cancelled
 * transaction is an answer to it, not a throttled call.
 */
const RETRYABLE_REASONS: ReadonlySet<string> = new Set([
  "TransactionConflict",
  "ThrottlingError",
  "ProvisionedThroughputExceeded",
]);

/**
 * Cancelled only for reasons that pass: trying again can succeed. A failed condition anywhere means
 * the outcome is decided, whatever else was cancelled with it.
 */
function onlyTransient(reasons: CancellationReason[]): boolean {
  return (
    reasons.some((reason) => RETRYABLE_REASONS.has(reason.Code ?? "")) &&
    reasons.every((reason) => RETRYABLE_REASONS.has(reason.Code ?? "") || reason.Code === "None")
  );
}

/** The transaction committed, or a condition failed: the per-action reasons, by action index. */
export type TransactResult = { committed: true } | { committed: false; reasons: CancellationReason[] };

/** Whether the condition of action `index` failed (false for a committed transaction). */
export const conditionFailedAt = (result: TransactResult, index: number) =>
  !result.committed && result.reasons[index]?.Code === "ConditionalCheckFailed";

/**
 * A cancellation the caller has no answer for (a condition that should not fail did): a bug or a
 * corrupted item, never an expected outcome, so it is thrown and becomes a 500.
 */
export function unexpectedCancellation(result: TransactResult, doing: string): Error {
  const codes = result.committed ? [] : result.reasons.map((reason) => reason.Code ?? "None");
  return new Error(`${doing} was cancelled by a condition that cannot fail [${codes.join(", ")}]`);
}

/**
 * The one way this project writes a `TransactWriteItems` (business stores and key management alike).
 * A failed condition is an answer, returned as a value with its per-action reasons. A cancellation for
 * transient reasons only (conflict, throttling, capacity) is retried with jittered exponential backoff
 * under `policy`; each attempt is a new command, so it gets its own client request token. Past the last
 * attempt it throws `storeBusy()` (the edge answers 503 `unavailable` with `Retry-After`). Any other
 * error (validation, a storage failure) is thrown as it is.
 */
export async function transact(
  db: DynamoDBDocumentClient,
  items: TransactItem[],
  policy: RetryPolicy = DEFAULT_RETRY,
): Promise<TransactResult> {
  for (let attempt = 0; ; attempt++) {
    try {
      await db.send(new TransactWriteCommand({ TransactItems: items }));
      return { committed: true };
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (!reasons) throw error;
      if (reasons.some((reason) => reason.Code === "ConditionalCheckFailed")) {
        return { committed: false, reasons };
      }
      if (!onlyTransient(reasons)) throw error;
      if (attempt + 1 >= policy.attempts) throw storeBusy();
      await pause(policy, attempt);
    }
  }
}
