import { type DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import type { AuditEventType, KeyPolicyBody, KeyRecord } from "../../contract/api-types";
import type { RetryPolicy } from "../../contract/runtime";
import { isKeyId } from "../../contract/schemas/keys";
import { type AuditItem, auditItem } from "../shared/api-keys/audit-events";
import { type ApiKeyItem, keyStatus, toKeyRecord } from "../shared/api-keys/key-record";
import type { KeySecretStore } from "../shared/api-keys/key-secrets";
import { type TransactItem, type TransactResult, transact } from "../shared/dynamo/transact";
import { conflict, missing, type Outcome } from "../shared/outcome";
import type { KeyLimits } from "./key-limits";

/**
 * The step every key-management verb shares (`create-key.ts`, `update-key.ts`, `rotate-key.ts`,
 * `revoke-key.ts`, `get-key.ts`, `list-keys.ts`, `list-audit-events.ts`): read the key strongly
 * consistently, check what its state allows, and write the change with its audit event in one
 * conditional `TransactWriteItems` (so an event exists exactly when its change committed). A change
 * computed from a read commits only if the key is still as read; when it is not, the key is read again
 * and the change decided anew (`readCheckWrite`).
 *
 * Expected outcomes (a key that is not there or not active, a cursor that is not valid, a replayed
 * idempotency key) are returned as values of the one outcome model (`lambdas/shared/outcome.ts`); a
 * store too busy to take the write throws `storeBusy()` (the edge answers 503); only what nobody
 * expects (DynamoDB failing) is thrown as is.
 */
export interface KeyServiceDeps {
  db: DynamoDBDocumentClient;
  table: string;
  /** The audit table (API.md §5 events), written in the same transactions as the keys. */
  auditTable: string;
  /** Epoch milliseconds. */
  clock: () => number;
  settings: { rateLimit: number; rateWindowSeconds: number };
  /** The usage history table (API.md §11), read by `getKeyUsage`. */
  usageTable?: string;
  /**
   * The data table, whose outbox carries key events to webhook subscribers (API.md §11), written in
   * the same transaction as the change. Without it no key event is raised (unit tests of other things).
   */
  dataTable?: string;
  /** 32 random bytes per key; crypto-random unless a test injects its own. */
  random?: () => Uint8Array;
  /**
   * How cancelled transactions are retried and how retries wait (the project's one policy,
   * `DEFAULT_RETRY`, unless a test injects its own).
   */
  retry?: RetryPolicy;
  /**
   * The Secrets Manager hook (API.md §5), only when it is on: created and rotated keys are copied
   * there before their item is written (`lambdas/shared/api-keys/key-secrets.ts`).
   */
  secrets?: KeySecretStore;
  /** The org's key cap and a filtered list's read bound; `KEY_LIMITS` (API.md §5's numbers) when absent. */
  limits?: KeyLimits;
}

/**
 * Who made a change, as a door established it (`doors/door.ts`): the IAM principal ARN, `local-admin`
 * locally, `direct-invoke` for a direct invocation (with its self-declared `claimedActor`, unverified),
 * `secret-scanning` for leak reports, `user:<sub>` (with `actorEmail`) for a console user.
 */
export interface Actor {
  actor: string;
  claimedActor?: string;
  /** Null when the console user's token carries no email (locally, always). */
  actorEmail?: string | null;
}
/** An actor, or just its name. */
export type ActorInput = string | Actor;

export const actorOf = (input: ActorInput): Actor => (typeof input === "string" ? { actor: input } : input);

/** The key is not there, no longer there (TTL), or another org's: every verb's `not_found`. */
export const keyMissing = () => missing("API key");

/** A key's record as the API shows it at `nowMs`, under its org's current key `policy`. */
export const record = (
  deps: KeyServiceDeps,
  item: ApiKeyItem,
  nowMs: number,
  policy: KeyPolicyBody,
): KeyRecord => toKeyRecord(item, nowMs, deps.settings, policy);

/** An instant as events show it; null when absent. */
export const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

/** One transaction of key management, under the project's one retry policy. */
export const commit = (deps: KeyServiceDeps, items: TransactItem[]): Promise<TransactResult> =>
  transact(deps.db, items, deps.retry);

/**
 * The Put of one audit event, conditional on its id being new (API.md §5): an event, once written, is
 * never overwritten, whatever writes the same id later (a bug, a replayed transaction, a forged one).
 * Every audit write of the code goes through here.
 */
export const putAudit = (deps: KeyServiceDeps, event: AuditItem): TransactItem => ({
  Put: {
    TableName: deps.auditTable,
    Item: event,
    ConditionExpression: "attribute_not_exists(id)",
  },
});

/** An audit event of `who`, on key `keyId` (null: on the org itself), at `nowMs`. */
export function eventOf(
  orgId: string,
  who: Actor,
  type: AuditEventType,
  keyId: string | null,
  changes: Record<string, unknown>,
  nowMs: number,
): AuditItem {
  return auditItem(
    orgId,
    {
      type,
      actor: who.actor,
      ...(who.claimedActor === undefined ? {} : { claimedActor: who.claimedActor }),
      ...(who.actorEmail === undefined ? {} : { actorEmail: who.actorEmail }),
      keyId,
      changes,
    },
    nowMs,
  );
}

/** One key of the org, read strongly consistently; another org's key is as absent as a missing one. */
export async function readKey(
  deps: KeyServiceDeps,
  orgId: string,
  keyId: string,
): Promise<ApiKeyItem | undefined> {
  if (!isKeyId(keyId)) return undefined;
  const { Item } = await deps.db.send(
    new GetCommand({ TableName: deps.table, Key: { pk: keyId }, ConsistentRead: true }),
  );
  const item = Item as ApiKeyItem | undefined;
  return item?.orgId === orgId ? item : undefined;
}

/**
 * Conditions on a key read moments ago, so that a change computed from the read commits only if the
 * key is still that key: this org's, not revoked, not expired, and (with `revision`) not changed by
 * another admin since. `expiresAt` is compared with the clock, as the authorizer does.
 */
export function stillLive(item: ApiKeyItem, options: { revision?: boolean; notRotated?: boolean } = {}) {
  const parts = [
    "attribute_exists(pk)",
    "orgId = :orgId",
    "attribute_not_exists(revokedAt)",
    "(attribute_not_exists(expiresAt) OR expiresAt > :now)",
  ];
  const values: Record<string, unknown> = { ":orgId": item.orgId };
  if (options.notRotated) parts.push("attribute_not_exists(replacedBy)");
  if (options.revision) {
    if (item.revision === undefined) parts.push("attribute_not_exists(#revision)");
    else {
      parts.push("#revision = :revision");
      values[":revision"] = item.revision;
    }
  }
  return { condition: parts.join(" AND "), values };
}

/** A change of the key's settings that lost a race with another change tries again (re-reading), this often. */
const CHANGE_ATTEMPTS = 3;

/** What a change step answers: the outcome, or `"stale"` when the key changed since it was read. */
export type StepResult<T> = Outcome<T> | "stale";

/** What a change is called in messages ("revoked"), and whether only an active key allows it. */
export interface KeyChange {
  done: string;
  onlyActive: boolean;
}

/**
 * The shared read → check → conditional-write step of update, rotate and revoke: reads the org's key
 * (`not_found` when absent; a conflict naming its status when the change needs an active key and it
 * is expired or revoked), lets `step` check it and write conditionally, and reads again when the
 * write found the key changed since the read, a few times before giving up (a 500: that many
 * concurrent admins on one key is not an expected outcome).
 */
export async function readCheckWrite<T>(
  deps: KeyServiceDeps,
  orgId: string,
  keyId: string,
  change: KeyChange,
  step: (current: ApiKeyItem, nowMs: number) => Promise<StepResult<T>>,
): Promise<Outcome<T>> {
  for (let attempt = 0; attempt < CHANGE_ATTEMPTS; attempt++) {
    const now = deps.clock();
    const current = await readKey(deps, orgId, keyId);
    if (!current) return keyMissing();
    const status = keyStatus(current, now);
    if (change.onlyActive && status !== "active") {
      return conflict(`The API key is ${status}; only an active key can be ${change.done}.`);
    }
    const result = await step(current, now);
    if (result !== "stale") return result;
  }
  throw new Error(
    `API key ${keyId} could not be ${change.done}: it kept losing races with concurrent changes`,
  );
}
