import { setTimeout as delay } from "node:timers/promises";
import { type CancellationReason, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  type DynamoDBDocumentClient,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { HttpError } from "../http/errors";

/** One action of a `TransactWriteItems` call, as the document client takes it. */
export type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

/** How conflict retries wait. Injectable, so tests run the backoff without sleeping. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Ceiling of the first wait, ms; doubles each attempt up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  sleep: (ms: number) => Promise<void>;
  /** Uniform in [0, 1). */
  random: () => number;
}

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
 * Cancelled only because another transaction held one of the items: trying again can succeed.
 * A failed condition anywhere means the outcome is decided, whatever else conflicted.
 */
function onlyConflicts(reasons: CancellationReason[]): boolean {
  return (
    reasons.some((reason) => reason.Code === "TransactionConflict") &&
    reasons.every((reason) => reason.Code === "TransactionConflict" || reason.Code === "None")
  );
}

export const transactionsUnavailable = () =>
  new HttpError("unavailable", "The resource is busy with other writes; try again in a moment.", {
    headers: { "Retry-After": "1" },
  });

/**
 * One `TransactWriteItems`, retried with jittered exponential backoff while DynamoDB cancels it for
 * `TransactionConflict` alone (the SDK does not retry those). Each attempt is a new command, so it
 * gets its own client request token. Other cancellations (a failed condition) are thrown as they
 * are for the caller to map by action index; conflicts past the last attempt are a 503 `unavailable`.
 */
export async function transactWrite(
  db: DynamoDBDocumentClient,
  items: TransactItem[],
  policy: RetryPolicy = DEFAULT_RETRY,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await db.send(new TransactWriteCommand({ TransactItems: items }));
      return;
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (!reasons || !onlyConflicts(reasons)) throw error;
      if (attempt + 1 >= policy.attempts) throw transactionsUnavailable();
      await pause(policy, attempt);
    }
  }
}
