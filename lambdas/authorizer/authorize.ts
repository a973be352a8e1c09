import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { isScope, type Scope } from "../../contract/scopes";
import { hashApiKey, isWellFormedApiKey, keyIdFromHash, sameDigest } from "../shared/api-keys/api-key";
import type { AuthorizerContext } from "../shared/api-keys/authorizer-context";
import { windowStart } from "../shared/api-keys/rate-window";

/**
 * The authorizer's decision for one presented key. Kept free of zod, middy and the document client:
 * this module is the authorizer's whole hot path and cold start.
 */
export type Decision =
  | { allow: true; context: AuthorizerContext }
  | { allow: false; reason: "malformed" | "unknown" | "expired" | "revoked" };

export interface AuthorizeDeps {
  dynamo: DynamoDBClient;
  table: string;
  clock: () => number;
  rateLimit: number;
  rateWindowSeconds: number;
  /** Waits before retrying an update that met an admin transaction; real time unless a test injects its own. */
  pause?: (ms: number) => Promise<void>;
}

type Item = Record<string, AttributeValue>;

/**
 * An update that meets an admin transaction on the same key (PATCH, rotate, revoke) is refused with
 * `TransactionConflictException`, which the SDK does not retry. Nothing was written, so it is tried
 * again, this many times in all, a few milliseconds apart: an admin change must not fail live traffic.
 */
const CONFLICT_ATTEMPTS = 3;
const CONFLICT_PAUSE_MS = 15;
const realPause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const isTransactionConflict = (error: unknown) =>
  error instanceof Error && error.name === "TransactionConflictException";

const LIVE_KEY =
  "#hash = :hash AND attribute_not_exists(revokedAt) AND (attribute_not_exists(expiresAt) OR expiresAt > :now)";

/** Counts in the current window: the one call of the steady state. */
const COUNT = {
  UpdateExpression: "SET windowCount = windowCount + :one, lastUsedAt = :now",
  ConditionExpression: `${LIVE_KEY} AND windowStart = :ws`,
};

/** Opens a new window with this request as its first. */
const ROLLOVER = {
  UpdateExpression: "SET windowStart = :ws, windowCount = :one, lastUsedAt = :now",
  ConditionExpression: `${LIVE_KEY} AND windowStart < :ws`,
};

const num = (value: AttributeValue | undefined): number | undefined =>
  value?.N === undefined ? undefined : Number(value.N);

/**
 * Why a live-key condition failed, when DynamoDB sent the old item (real DynamoDB does with
 * `ReturnValuesOnConditionCheckFailure`; dynalite never does, so `undefined` means "cannot tell").
 */
function deadReason(
  old: Item,
  hashHex: string,
  nowMs: number,
): "unknown" | "expired" | "revoked" | undefined {
  if (!sameDigest(old.hash?.S, hashHex)) return "unknown";
  if (old.revokedAt !== undefined) return "revoked";
  const expiresAt = num(old.expiresAt);
  if (expiresAt !== undefined && expiresAt <= nowMs) return "expired";
  return undefined;
}

/**
 * Validates a presented key and counts the request in the key's fixed window, in one conditional
 * update in the steady state (at most three at a rollover or for an unknown key; none for a malformed
 * one). Never denies a live key: an over-limit key is allowed with `throttled`, so the business chain
 * answers 429 with the RateLimit fields. Storage errors propagate: the caller fails closed.
 *
 * A key with an allowlist is checked against `sourceIp` once the update has returned the item (the
 * list comes with it, so a key without one costs nothing extra). A caller outside it is allowed with
 * `ipAllowed: false`, for the business chain to answer 403, and its count is given back by a second
 * conditional update: the request spends none of the key's quota.
 */
export async function authorize(
  deps: AuthorizeDeps,
  presentedKey: string,
  sourceIp?: string,
): Promise<Decision> {
  if (!isWellFormedApiKey(presentedKey)) return { allow: false, reason: "malformed" };
  const hash = hashApiKey(presentedKey);
  const hashHex = hash.toString("hex");
  const key = { pk: { S: keyIdFromHash(hash) } };
  const now = deps.clock();
  let ws = windowStart(now, deps.rateWindowSeconds);

  const attempt = async (expression: typeof COUNT): Promise<{ item: Item } | { old?: Item }> => {
    for (let tries = 1; ; tries++) {
      try {
        const result = await deps.dynamo.send(
          new UpdateItemCommand({
            TableName: deps.table,
            Key: key,
            ...expression,
            ExpressionAttributeNames: { "#hash": "hash" },
            ExpressionAttributeValues: {
              ":hash": { S: hashHex },
              ":now": { N: String(now) },
              ":ws": { N: String(ws) },
              ":one": { N: "1" },
            },
            ReturnValues: "ALL_NEW",
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          }),
        );
        return { item: result.Attributes ?? {} };
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return { old: error.Item };
        if (!isTransactionConflict(error) || tries === CONFLICT_ATTEMPTS) throw error;
        await (deps.pause ?? realPause)(CONFLICT_PAUSE_MS * tries);
      }
    }
  };
  const allow = async (item: Item): Promise<Decision> => {
    const context = contextOf(item, ws, deps);
    const allowlist = item.allowedIps?.L;
    if (allowlist === undefined) return { allow: true, context };
    // Loaded on this path only: keys without a list never parse an address.
    const { addressAllowed } = await import("../shared/api-keys/ip-allowlist");
    if (
      addressAllowed(
        allowlist.map((entry) => entry.S ?? ""),
        sourceIp,
      )
    )
      return { allow: true, context };
    await giveBack();
    // As if the request had never come: the remaining count as it was, never throttled by this one.
    const count = Math.max(0, (num(item.windowCount) ?? 1) - 1);
    return {
      allow: true,
      context: {
        ...context,
        remaining: Math.max(0, context.limit - count),
        throttled: count > context.limit,
        ipAllowed: false,
      },
    };
  };
  /**
   * Takes this request's count back, in the window it was counted in: after a rollover in between
   * there is nothing to give back, and the count never goes below 0. The request is refused (403)
   * whatever happens here; a failed give-back leaves the count one high, the direction API.md §3 allows.
   */
  const giveBack = async () => {
    try {
      await deps.dynamo.send(
        new UpdateItemCommand({
          TableName: deps.table,
          Key: key,
          UpdateExpression: "SET windowCount = windowCount - :one",
          ConditionExpression: "windowStart = :ws AND windowCount >= :one",
          ExpressionAttributeValues: { ":ws": { N: String(ws) }, ":one": { N: "1" } },
        }),
      );
    } catch {
      // Condition failed (a new window opened) or storage failed: nothing more to do for a refused request.
    }
  };

  const counted = await attempt(COUNT);
  if ("item" in counted) return allow(counted.item);
  if (counted.old) {
    const reason = deadReason(counted.old, hashHex, now);
    if (reason) return { allow: false, reason };
  }

  // The window is stale (or, without the old item, the key may not exist): open the new window.
  const rolled = await attempt(ROLLOVER);
  if ("item" in rolled) return allow(rolled.item);
  if (rolled.old) {
    const reason = deadReason(rolled.old, hashHex, now);
    if (reason) return { allow: false, reason };
    // Another request opened the window first; a clock slightly behind another Lambda's counts there too.
    ws = Math.max(ws, num(rolled.old.windowStart) ?? ws);
  }

  const retried = await attempt(COUNT);
  if ("item" in retried) return allow(retried.item);
  return { allow: false, reason: (retried.old && deadReason(retried.old, hashHex, now)) || "unknown" };
}

function contextOf(item: Item, ws: number, deps: AuthorizeDeps): AuthorizerContext {
  const limit = num(item.rateLimit) ?? deps.rateLimit;
  const count = num(item.windowCount) ?? 0;
  const scopes = (item.scopes?.L ?? []).map((value) => value.S ?? "").filter(isScope) as Scope[];
  return {
    orgId: item.orgId?.S ?? "",
    keyId: item.pk?.S ?? "",
    scopes,
    limit,
    remaining: Math.max(0, limit - count),
    resetAt: ws + deps.rateWindowSeconds,
    windowSeconds: deps.rateWindowSeconds,
    throttled: count > limit,
    ipAllowed: true,
  };
}
