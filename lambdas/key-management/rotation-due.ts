import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import {
  KEY_POLICY_PK_PREFIX,
  KEYS_BY_ORG_INDEX,
  KEYS_BY_ROTATION_DUE_DAY_INDEX,
  ROTATION_RECOMPUTE,
} from "../../contract/tables";
import type { ApiKeyItem } from "../shared/api-keys/key-record";
import { queryPages } from "../shared/dynamo/query-pages";
import { readPolicies } from "./key-policy-store";
import type { KeyServiceDeps } from "./key-store";
import { expiryDayOf } from "./new-key";

/**
 * Rotation due (API.md §12; docs/DECISIONS.md #317): an active key whose `createdAt` is its org's
 * `rotateAfterDays` or more ago gets one `api_key.rotation_due` event (`data`: the record plus
 * `ageDays`) and the audit event `key.rotation_due` (actor `scheduler`), at most once per key. Keys are
 * found through the sparse `byRotationDueDay` index, never a scan: a key holds `rotationDueDay` from
 * its create or rotation while its org sets `rotateAfterDays`; a change of `rotateAfterDays`
 * marks the policy item, and the daily run moves the org's live keys' days (here) before it
 * reminds and removes them (`rotation-reminders.ts`).
 */

const DAY_MS = 86_400_000;

/**
 * Moves the keys' days of every org whose policy is marked (a PUT changed its `rotateAfterDays`), then
 * removes the mark, conditional on the policy's version: a PUT since leaves it for the next run.
 * Answers how many orgs it did.
 */
export async function recomputeMarkedOrgs(deps: KeyServiceDeps, nowMs: number): Promise<number> {
  const orgs: string[] = [];
  const pages = queryPages(deps.db, {
    TableName: deps.table,
    IndexName: KEYS_BY_ROTATION_DUE_DAY_INDEX,
    KeyConditionExpression: "rotationDueDay = :mark",
    ExpressionAttributeValues: { ":mark": ROTATION_RECOMPUTE },
  });
  for await (const entries of pages) {
    for (const entry of entries) {
      if (typeof entry.pk === "string" && entry.pk.startsWith(KEY_POLICY_PK_PREFIX)) {
        orgs.push(entry.pk.slice(KEY_POLICY_PK_PREFIX.length));
      }
    }
  }
  const policies = await readPoliciesAt(deps, orgs);
  for (const [orgId, { rotateAfterDays, version }] of policies) {
    await recomputeRotationDue(deps, orgId, rotateAfterDays, nowMs);
    try {
      await deps.db.send(
        new UpdateCommand({
          TableName: deps.table,
          Key: { pk: `${KEY_POLICY_PK_PREFIX}${orgId}` },
          UpdateExpression: "REMOVE rotationDueDay",
          ConditionExpression: "version = :version",
          ExpressionAttributeValues: { ":version": version },
        }),
      );
    } catch (error) {
      if ((error as { name?: string }).name !== "ConditionalCheckFailedException") throw error;
    }
  }
  return policies.size;
}

/** Each marked org's `rotateAfterDays` and the policy version it was read at. */
async function readPoliciesAt(deps: KeyServiceDeps, orgIds: string[]) {
  const found = new Map<string, { rotateAfterDays: number | null; version: number }>();
  for (const [orgId, policy] of await readPolicies(deps, orgIds)) {
    if (policy.version !== undefined) {
      found.set(orgId, { rotateAfterDays: policy.rules.rotateAfterDays, version: policy.version });
    }
  }
  return found;
}

/**
 * The day a key's rotation reminder falls due: its creation plus `rotateAfterDays`, or `today` when
 * that is earlier (a policy shortened after the key was made: due at the next run, not in a partition
 * the run no longer reads).
 */
export function rotationDueDayOf(createdAtMs: number, rotateAfterDays: number, nowMs: number): string {
  return expiryDayOf(Math.max(createdAtMs + rotateAfterDays * DAY_MS, nowMs));
}

/** Keys updated at once when a policy change recomputes an org's due days. */
const RECOMPUTE_CONCURRENCY = 8;

/**
 * After the org's `rotateAfterDays` changed to `rotateAfterDays` (null: no reminders), moves each live
 * key's `rotationDueDay` to creation + the new number of days (today at the earliest), or removes it.
 * The org index gives the keys (≤ 1,000 live, plus the dead ones still kept), and its projected
 * `revokedAt`/`expiresAt` skip the dead ones; each live one is one conditional UpdateItem (live, this
 * org's, not rotated, never reminded: a key already reminded is never reminded again). Not one
 * transaction with the policy write (an org may hold 1,000 keys, a transaction 100 items): the daily
 * run re-checks every candidate against the policy it reads, so a key missed here (made while this
 * ran, the org index lagging) is reminded late at worst, never wrongly.
 */
export async function recomputeRotationDue(
  deps: KeyServiceDeps,
  orgId: string,
  rotateAfterDays: number | null,
  nowMs: number,
): Promise<void> {
  const live: { pk: string; createdAt: string }[] = [];
  const pages = queryPages(deps.db, {
    TableName: deps.table,
    IndexName: KEYS_BY_ORG_INDEX,
    KeyConditionExpression: "orgId = :orgId",
    ExpressionAttributeValues: { ":orgId": orgId },
  });
  for await (const entries of pages) {
    for (const entry of entries as Partial<ApiKeyItem>[]) {
      if (typeof entry.pk !== "string" || typeof entry.createdAt !== "string") continue;
      if (entry.revokedAt !== undefined || (entry.expiresAt !== undefined && entry.expiresAt <= nowMs))
        continue;
      live.push({ pk: entry.pk, createdAt: entry.createdAt });
    }
  }
  let next = 0;
  const worker = async () => {
    while (next < live.length) {
      const key = live[next++];
      if (key) await moveDueDay(deps, orgId, key, rotateAfterDays, nowMs);
    }
  };
  await Promise.all(Array.from({ length: RECOMPUTE_CONCURRENCY }, worker));
}

async function moveDueDay(
  deps: KeyServiceDeps,
  orgId: string,
  key: { pk: string; createdAt: string },
  rotateAfterDays: number | null,
  nowMs: number,
): Promise<void> {
  const day =
    rotateAfterDays === null
      ? undefined
      : rotationDueDayOf(Date.parse(key.createdAt), rotateAfterDays, nowMs);
  try {
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.table,
        Key: { pk: key.pk },
        UpdateExpression: day === undefined ? "REMOVE rotationDueDay" : "SET rotationDueDay = :day",
        ConditionExpression:
          "attribute_exists(pk) AND orgId = :orgId AND attribute_not_exists(revokedAt) AND attribute_not_exists(replacedBy) AND attribute_not_exists(rotationReminded)",
        ExpressionAttributeValues: { ":orgId": orgId, ...(day === undefined ? {} : { ":day": day }) },
      }),
    );
  } catch (error) {
    // Revoked, rotated or reminded since the index was read: nothing to move.
    // By name: the SDK's error classes would pull the client's whole error module into the doors.
    if ((error as { name?: string }).name !== "ConditionalCheckFailedException") throw error;
  }
}
