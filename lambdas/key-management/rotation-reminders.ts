import { DEFAULT_KEY_POLICY } from "../../contract/api-types";
import { KEYS_BY_ROTATION_DUE_DAY_INDEX } from "../../contract/tables";
import { auditItem } from "../shared/api-keys/audit-events";
import { type ApiKeyItem, keyStatus, toKeyRecord } from "../shared/api-keys/key-record";
import { keyIdsOnDays } from "./day-index";
import { keyEvents } from "./key-events";
import { readPolicies } from "./key-policy-store";
import { commit, type KeyServiceDeps, putAudit } from "./key-store";
import { readKeys } from "./list-keys";
import { expiryDayOf } from "./new-key";
import { recomputeMarkedOrgs } from "./rotation-due";

/**
 * The daily run's rotation reminders (API.md §12; docs/DECISIONS.md #317), beside the expiry
 * reminders: the keys `rotation-due.ts` keeps in the `byRotationDueDay` index, each reminded once.
 * Not in `rotation-due.ts`: the doors bundle that one, and need none of this.
 */

const DAY_MS = 86_400_000;
/**
 * Days of the index a run reads: today's and the 30 before, so a key stays found through a month of
 * failed runs, and a key due later today (a day's partition holds the whole day) at the next run.
 */
const DAYS_BACK = 30;

/** The index's partitions a run at `nowMs` reads: the UTC days from 30 days ago to today. */
export function rotationDueDays(nowMs: number): string[] {
  return Array.from({ length: DAYS_BACK + 1 }, (_, i) => expiryDayOf(nowMs - (DAYS_BACK - i) * DAY_MS));
}

/** Whole days since the key was made. */
const ageDaysOf = (item: Pick<ApiKeyItem, "createdAt">, nowMs: number) =>
  Math.floor((nowMs - Date.parse(item.createdAt)) / DAY_MS);

/**
 * Sends the rotation reminders due now: candidates from the index's last 31 days, each judged on its
 * base item (strongly consistent) under its org's current policy (one BatchGetItem for the orgs), and
 * reminded in one transaction: the key's `rotationReminded` mark (conditional on it still live, not
 * rotated, not reminded), the audit event and the outbox item. Answers how many committed.
 */
export async function sendRotationDueReminders(deps: KeyServiceDeps): Promise<number> {
  const now = deps.clock();
  // First the days of orgs whose rotateAfterDays changed since the last run.
  await recomputeMarkedOrgs(deps, now);
  const ids = await keyIdsOnDays(
    deps,
    KEYS_BY_ROTATION_DUE_DAY_INDEX,
    "rotationDueDay",
    rotationDueDays(now),
  );
  const items = [...(await readKeys(deps, ids)).values()].filter(
    (item) =>
      keyStatus(item, now) === "active" &&
      item.replacedBy === undefined &&
      item.rotationReminded === undefined,
  );
  const policies = await readPolicies(
    deps,
    items.map((item) => item.orgId),
  );
  let sent = 0;
  for (const item of items) {
    const policy = policies.get(item.orgId)?.rules ?? DEFAULT_KEY_POLICY;
    const after = policy.rotateAfterDays;
    // Not yet (due later today, or the policy moved the day on since the index was written), or off.
    if (after === null || now - Date.parse(item.createdAt) < after * DAY_MS) continue;
    const ageDays = ageDaysOf(item, now);
    const reminded: ApiKeyItem = { ...item, rotationReminded: 1 };
    delete reminded.rotationDueDay;
    const record = toKeyRecord(reminded, now, deps.settings, policy);
    const result = await commit(deps, [
      {
        Update: {
          TableName: deps.table,
          Key: { pk: item.pk },
          UpdateExpression: "SET rotationReminded = :one REMOVE rotationDueDay",
          ConditionExpression:
            "attribute_exists(pk) AND attribute_not_exists(revokedAt) AND (attribute_not_exists(expiresAt) OR expiresAt > :now) AND attribute_not_exists(replacedBy) AND attribute_not_exists(rotationReminded)",
          ExpressionAttributeValues: { ":one": 1, ":now": now },
        },
      },
      putAudit(
        deps,
        auditItem(
          item.orgId,
          {
            type: "key.rotation_due",
            actor: "scheduler",
            keyId: item.pk,
            changes: { createdAt: item.createdAt, ageDays, rotateAfterDays: after },
          },
          now,
        ),
      ),
      ...keyEvents(deps, item.orgId, [{ type: "api_key.rotation_due", record, extra: { ageDays } }], now),
    ]);
    if (result.committed) sent++;
  }
  return sent;
}
