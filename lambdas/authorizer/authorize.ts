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
 * this module is the authorizer's whole hot path and cold start. It never writes the usage history:
 * the keys table's stream does (lambdas/usage-history), off this path.
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

/**
 * Conditional updates per request at most. Each failed condition returns the stored item, and the
 * next update is planned from it, so a further failure means the item changed in between (a
 * rollover race, an admin change): two are the uncontended worst case, the rest absorb races.
 */
const MAX_UPDATES = 4;

const LIVE_KEY =
  "#hash = :hash AND attribute_not_exists(revokedAt) AND (attribute_not_exists(expiresAt) OR expiresAt > :now)";

/**
 * What the next update assumes about the stored item. The first assumes the common case (the
 * current window, no allowlist); after a failed condition, the item DynamoDB returned decides.
 * `allowlist` carries the revision of the list the caller was checked against: the count commits only
 * if no admin change came in between, so the list checked is the list in force when counted.
 */
interface Plan {
  ws: number;
  rollover: boolean;
  allowlist?: { revision: number | undefined };
}

function updateCommand(deps: AuthorizeDeps, key: Item, hashHex: string, now: number, plan: Plan) {
  const names: Record<string, string> = { "#hash": "hash" };
  const values: Item = {
    ":hash": { S: hashHex },
    ":now": { N: String(now) },
    ":ws": { N: String(plan.ws) },
    ":one": { N: "1" },
  };
  const conditions = [LIVE_KEY, plan.rollover ? "windowStart < :ws" : "windowStart = :ws"];
  if (!plan.allowlist) {
    // A key given a list since the last read fails here and is checked against it on the next update.
    conditions.push("attribute_not_exists(allowedIps)");
  } else {
    names["#revision"] = "revision";
    if (plan.allowlist.revision === undefined) conditions.push("attribute_not_exists(#revision)");
    else {
      conditions.push("#revision = :revision");
      values[":revision"] = { N: String(plan.allowlist.revision) };
    }
  }
  return new UpdateItemCommand({
    TableName: deps.table,
    Key: key,
    // A rollover keeps the window it closes beside the new one (operands read the item as it was):
    // a usage read finds it there until the stream's writer has put it in the history.
    UpdateExpression: plan.rollover
      ? "SET prevWindowStart = windowStart, prevWindowCount = windowCount, windowStart = :ws, windowCount = :one, lastUsedAt = :now"
      : "SET windowCount = windowCount + :one, lastUsedAt = :now",
    ConditionExpression: conditions.join(" AND "),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
    // A rollover returns the item before it: the context is built from it and the new window.
    ReturnValues: plan.rollover ? "ALL_OLD" : "ALL_NEW",
    ReturnValuesOnConditionCheckFailure: "ALL_OLD",
  });
}

const num = (value: AttributeValue | undefined): number | undefined =>
  value?.N === undefined ? undefined : Number(value.N);

/** Why a stored item refuses this key, if it does (the item comes back with a failed condition). */
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
 * Validates a presented key and counts the request in the key's fixed window: one conditional update
 * in the steady state and for an unknown key, two at a window rollover or for a key with an
 * allowlist, none for a malformed key. Never denies a live key: an over-limit key is allowed with
 * `throttled`, so the business chain answers 429 with the RateLimit fields. Storage errors propagate:
 * the caller fails closed.
 *
 * The first update assumes the key has no allowlist; for a key with one its condition fails and
 * DynamoDB returns the item (`ReturnValuesOnConditionCheckFailure`), so the caller is checked before
 * anything is written. A caller outside the list is allowed with `ipAllowed: false` (the business
 * chain answers 403) and its request never moves the count or `lastUsedAt`, not even for a moment.
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
  let plan: Plan = { ws: windowStart(now, deps.rateWindowSeconds), rollover: false };

  for (let update = 1; update <= MAX_UPDATES; update++) {
    const outcome = await send(deps, updateCommand(deps, key, hashHex, now, plan));
    if ("item" in outcome) return allowed(outcome.item, plan, deps);
    const old = outcome.old;
    // DynamoDB returns the item with every failed condition when it exists: none means no such key.
    if (old === undefined) return { allow: false, reason: "unknown" };
    const reason = deadReason(old, hashHex, now);
    if (reason) return { allow: false, reason };

    const stored = num(old.windowStart) ?? 0;
    // A clock slightly behind another Lambda's counts in the window that one opened.
    const ws = Math.max(plan.ws, stored);
    const list = old.allowedIps?.L;
    if (list !== undefined) {
      // Loaded on this path only: keys without a list never parse an address.
      const { addressAllowed } = await import("../../contract/ip-allowlist");
      const entries = list.map((entry) => entry.S ?? "");
      if (!addressAllowed(entries, sourceIp)) return refusedForAddress(old, ws, deps);
    }
    plan = {
      ws,
      rollover: stored < ws,
      allowlist: list === undefined ? undefined : { revision: num(old.revision) },
    };
  }
  throw new Error(`the key item changed under ${MAX_UPDATES} updates in a row`);
}

/** One update, tried again on an admin transaction's conflict; a failed condition is an answer. */
async function send(
  deps: AuthorizeDeps,
  command: UpdateItemCommand,
): Promise<{ item: Item } | { old?: Item }> {
  for (let tries = 1; ; tries++) {
    try {
      const result = await deps.dynamo.send(command);
      return { item: result.Attributes ?? {} };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return { old: error.Item };
      if (!isTransactionConflict(error) || tries === CONFLICT_ATTEMPTS) throw error;
      await (deps.pause ?? realPause)(CONFLICT_PAUSE_MS * tries);
    }
  }
}

function allowed(returned: Item, plan: Plan, deps: AuthorizeDeps): Decision {
  if (!plan.rollover) return { allow: true, context: contextOf(returned, plan.ws, deps) };
  // The rollover returned the item before it: this request is the new window's first.
  const item = { ...returned, windowStart: { N: String(plan.ws) }, windowCount: { N: "1" } };
  return { allow: true, context: contextOf(item, plan.ws, deps) };
}

/** A caller outside the list: the key's rate state as it stands, this request not counted. */
function refusedForAddress(old: Item, ws: number, deps: AuthorizeDeps): Decision {
  const counted = num(old.windowStart) === ws ? (num(old.windowCount) ?? 0) : 0;
  const context = contextOf({ ...old, windowCount: { N: String(counted) } }, ws, deps);
  return { allow: true, context: { ...context, ipAllowed: false } };
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
