import type { CreatedKey, KeyPolicyBody } from "../../contract/api-types";
import type { Scope } from "../../contract/scopes";
import { digestApiKey, generateApiKey } from "../shared/api-keys/api-key";
import { type ApiKeyItem, ttlFor } from "../shared/api-keys/key-record";
import { commitWithSecret } from "../shared/api-keys/key-secrets";
import { windowStart } from "../shared/api-keys/rate-window";
import type { TransactItem, TransactResult } from "../shared/dynamo/transact";
import { commit, iso, type KeyServiceDeps, readKey, record } from "./key-store";

type CancelledTransaction = Extract<TransactResult, { committed: false }>;

/**
 * A new key, as create and rotate make it: the key itself exists only in the answer, the item holds
 * its hash and hint.
 */

/** The settings a key is created with (from the body, or inherited by a rotation). */
export interface KeySettings {
  name: string;
  scopes: Scope[];
  expiresAt?: number;
  rateLimit?: number;
  allowedIps?: string[];
  /** The org's `rotateAfterDays` (API.md §12): the key's rotation reminder falls due that long after now. */
  rotateAfterDays?: number | null;
}

const DAY_MS = 86_400_000;

/** The UTC day an expiry falls on: the key's partition of the expiry reminders' index (API.md §11). */
export const expiryDayOf = (expiresAtMs: number) => new Date(expiresAtMs).toISOString().slice(0, 10);

/** A fresh key and its item, starting in the current window with a count of 0. */
export function newKeyItem(
  deps: KeyServiceDeps,
  orgId: string,
  settings: KeySettings,
  createdBy: string,
  nowMs: number,
): { key: string; item: ApiKeyItem } {
  const key = generateApiKey(deps.random?.());
  const { id, hashHex, hint } = digestApiKey(key);
  const item: ApiKeyItem = {
    pk: id,
    hash: hashHex,
    orgId,
    name: settings.name,
    // Sent with duplicates (kept until the policy named scopes[i] as sent): each once, in first place.
    scopes: [...new Set(settings.scopes)],
    hint,
    createdAt: new Date(nowMs).toISOString(),
    createdBy,
    windowStart: windowStart(nowMs, deps.settings.rateWindowSeconds),
    windowCount: 0,
    // Every new key, created or rotated, is on the org's active-key counter (API.md §5 cap).
    counted: 1,
  };
  if (settings.expiresAt !== undefined) {
    item.expiresAt = settings.expiresAt;
    item.ttl = ttlFor(settings.expiresAt);
    item.expiryDay = expiryDayOf(settings.expiresAt);
  }
  if (settings.rotateAfterDays != null) {
    item.rotationDueDay = expiryDayOf(nowMs + settings.rotateAfterDays * DAY_MS);
  }
  if (settings.rateLimit !== undefined) item.rateLimit = settings.rateLimit;
  if (settings.allowedIps !== undefined) item.allowedIps = settings.allowedIps;
  return { key, item };
}

/** A new key's settings as an event records them: what an admin chose, never the key or its hash. */
export function settingsChanges(item: ApiKeyItem): Record<string, unknown> {
  return {
    name: item.name,
    scopes: item.scopes,
    expiresAt: iso(item.expiresAt),
    rateLimit: item.rateLimit === undefined ? null : { limit: item.rateLimit },
    allowedIps: item.allowedIps ?? null,
  };
}

/** Puts a new key item; the condition never fails with a real random source (if it does, a 500 is right). */
export const putNewKey = (deps: KeyServiceDeps, item: ApiKeyItem): TransactItem => ({
  Put: { TableName: deps.table, Item: item, ConditionExpression: "attribute_not_exists(pk)" },
});

/**
 * Commits `items`, the transaction that puts the new key's item, with the key's Secrets Manager copy
 * written first when the hook is on (removed again if the transaction does not commit). Answers the
 * transaction's result and, when it committed, the key as the create and rotate answers show it
 * (under the org's key `policy`, the one the new key was checked against).
 */
export async function commitNewKey(
  deps: KeyServiceDeps,
  orgId: string,
  { key, item }: { key: string; item: ApiKeyItem },
  items: TransactItem[],
  nowMs: number,
  policy: KeyPolicyBody,
): Promise<
  { result: { committed: true }; created: CreatedKey } | { result: CancelledTransaction; created?: never }
> {
  const { result, secretArn } = await commitWithSecret({
    store: deps.secrets,
    ref: { orgId, keyId: item.pk },
    key,
    commit: () => commit(deps, items),
    committed: (outcome) => outcome.committed,
    exists: async () => (await readKey(deps, orgId, item.pk)) !== undefined,
  });
  if (!result.committed) return { result };
  return {
    result,
    created: { ...record(deps, item, nowMs, policy), key, ...(secretArn ? { secretArn } : {}) },
  };
}
