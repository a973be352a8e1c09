import { DEFAULT_KEY_POLICY, type KeyPolicyBody } from "../../contract/api-types";
import type { ReminderRun } from "../../contract/runtime";
import { KEYS_BY_EXPIRY_DAY_INDEX, KEYS_COUNTED_BY_EXPIRY_INDEX } from "../../contract/tables";
import { auditItem } from "../shared/api-keys/audit-events";
import { type ApiKeyItem, keyStatus, toKeyRecord } from "../shared/api-keys/key-record";
import { queryPages } from "../shared/dynamo/query-pages";
import type { TransactItem } from "../shared/dynamo/transact";
import { uncountKey } from "./active-key-count";
import { keyIdsOnDays } from "./day-index";
import { keyEvents } from "./key-events";
import { readPolicies } from "./key-policy-store";
import { commit, type KeyServiceDeps, putAudit } from "./key-store";
import { readKeys } from "./list-keys";
import { expiryDayOf } from "./new-key";
import { backfillReminderDays } from "./reminder-days-backfill";
import { sendRotationDueReminders } from "./rotation-reminders";

/**
 * Expiry reminders (API.md §11): an active key with an admin-chosen `expiresAt` gets
 * `api_key.expiring_soon` (and the audit event `key.expiring_soon`, actor `scheduler`) once with 7 days
 * or less left and once more with 1 day or less; a key first seen with under a day left gets only the
 * 1-day one. Run daily deployed (EventBridge), at start and hourly locally; running it more often
 * changes nothing: each reminder is a conditional write on the key item. The same run takes the keys
 * that expired since the last one off their org's active-key counter (`discountExpiredKeys`).
 */

export type ReminderThreshold = "7d" | "1d";

const DAY_MS = 86_400_000;
/** Days of the expiry index a run reads: today's and the next 7 (a key expiring in 7 days is in the 8th). */
const DAYS_AHEAD = 7;

/** The reminder a key is due at `nowMs`, if any: pure, so the once-only rules are tested on their own. */
export function reminderDue(
  item: Pick<ApiKeyItem, "expiresAt" | "revokedAt" | "expiryDay" | "expiryReminder">,
  nowMs: number,
): ReminderThreshold | undefined {
  if (item.expiryDay === undefined || item.expiresAt === undefined) return undefined;
  if (keyStatus(item, nowMs) !== "active") return undefined;
  const left = item.expiresAt - nowMs;
  if (left <= DAY_MS) return item.expiryReminder === "1d" ? undefined : "1d";
  if (left <= 7 * DAY_MS) return item.expiryReminder === undefined ? "7d" : undefined;
  return undefined;
}

/** The expiry index's partitions a run at `nowMs` reads: the UTC days from today to 7 days ahead. */
export function reminderDays(nowMs: number): string[] {
  return Array.from({ length: DAYS_AHEAD + 1 }, (_, i) => expiryDayOf(nowMs + i * DAY_MS));
}

/**
 * Sends the reminders due now, after the backfill's bounded pages while it is not complete (#333).
 * Candidates come from the expiry index (never a scan); each is judged on its base item, read
 * strongly consistently, and reminded in one transaction: the key item's
 * `expiryReminder` (conditional on the key still live, with that expiry, not reminded so already),
 * the audit event and the outbox item. A concurrent run, a revoke or a rotation in between makes the
 * condition fail and the reminder is simply not sent by this run. After the 1-day reminder the key
 * leaves the index.
 */
export async function sendExpiryReminders(deps: KeyServiceDeps): Promise<ReminderRun> {
  const now = deps.clock();
  // First, keys made before their reminder days existed get them (#333), so this run finds them. A
  // failed backfill fails the run only once the reminders went: they never wait on it.
  const backfill = await backfillReminderDays(deps, now).then(
    (done) => ({ daysSet: done.daysSet }),
    (error: unknown) => ({ daysSet: 0, error }),
  );
  const ids = await keyIdsOnDays(deps, KEYS_BY_EXPIRY_DAY_INDEX, "expiryDay", reminderDays(now));
  const items = await readKeys(deps, ids);
  const due = [...items.values()].flatMap((item) => {
    const threshold = reminderDue(item, now);
    return threshold ? [{ item, threshold }] : [];
  });
  // The event's key record shows its `policyViolations` (API.md §12): one read per org reminded.
  const policies = await readPolicies(
    deps,
    due.map(({ item }) => item.orgId),
  );
  let sent = 0;
  for (const { item, threshold } of due) {
    const policy = policies.get(item.orgId)?.rules ?? DEFAULT_KEY_POLICY;
    if (await remind(deps, item, threshold, now, policy)) sent++;
  }
  const run: ReminderRun = {
    checked: ids.length,
    sent,
    discounted: await discountExpiredKeys(deps, now),
    // The same daily run sends the rotation reminders (API.md §12).
    rotationDue: await sendRotationDueReminders(deps),
    backfilled: backfill.daysSet,
  };
  if ("error" in backfill) throw backfill.error;
  return run;
}

/**
 * Takes the keys that stopped by the clock (their `expiresAt`, a rotation's grace end included) off
 * their org's active-key counter (API.md §5 cap; docs/DECISIONS.md #212): the `countedByExpiry` index
 * holds exactly the counted keys with an expiry, by expiry, so `counted = 1 AND expiresAt <= now` is
 * the expired ones still counted, never a scan. Each is one transaction: `REMOVE counted` on the key,
 * conditional on it still being counted and expired (so a concurrent revoke, refusal walk or run
 * never takes it off twice, and a key whose expiry was moved later is left alone), with the counter's
 * `ADD activeKeys -1`. The condition reads `counted` and `expiresAt` only (this function's IAM list):
 * a key's org never changes, so the index's `orgId` names its counter. Run daily, so a key is off the
 * count at most one period after it stopped, far within the 90 days before TTL deletes it.
 */
export async function discountExpiredKeys(deps: KeyServiceDeps, nowMs: number): Promise<number> {
  let discounted = 0;
  const pages = queryPages(deps.db, {
    TableName: deps.table,
    IndexName: KEYS_COUNTED_BY_EXPIRY_INDEX,
    KeyConditionExpression: "counted = :one AND expiresAt <= :now",
    ExpressionAttributeValues: { ":one": 1, ":now": nowMs },
  });
  for await (const entries of pages) {
    for (const entry of entries) {
      if (typeof entry.pk !== "string" || typeof entry.orgId !== "string") continue;
      const result = await commit(deps, [
        {
          Update: {
            TableName: deps.table,
            Key: { pk: entry.pk },
            UpdateExpression: "REMOVE counted",
            ConditionExpression: "attribute_exists(counted) AND expiresAt <= :now",
            ExpressionAttributeValues: { ":now": nowMs },
          },
        },
        uncountKey(deps, entry.orgId),
      ]);
      if (result.committed) discounted++;
    }
  }
  return discounted;
}

async function remind(
  deps: KeyServiceDeps,
  item: ApiKeyItem,
  threshold: ReminderThreshold,
  nowMs: number,
  policy: KeyPolicyBody,
): Promise<boolean> {
  const reminded: ApiKeyItem = { ...item, expiryReminder: threshold };
  if (threshold === "1d") delete reminded.expiryDay;
  const record = toKeyRecord(reminded, nowMs, deps.settings, policy);
  const notYet =
    threshold === "1d"
      ? "(attribute_not_exists(expiryReminder) OR expiryReminder = :sevenDays)"
      : "attribute_not_exists(expiryReminder)";
  const result = await commit(deps, [
    {
      Update: {
        TableName: deps.table,
        Key: { pk: item.pk },
        UpdateExpression: `SET expiryReminder = :threshold${threshold === "1d" ? " REMOVE expiryDay" : ""}`,
        ConditionExpression: `attribute_exists(pk) AND attribute_not_exists(revokedAt) AND expiresAt = :expiresAt AND expiresAt > :now AND ${notYet}`,
        ExpressionAttributeValues: {
          ":threshold": threshold,
          ":expiresAt": item.expiresAt,
          ":now": nowMs,
          ...(threshold === "1d" ? { ":sevenDays": "7d" } : {}),
        },
      },
    },
    reminderAudit(deps, item, threshold, nowMs),
    ...keyEvents(deps, item.orgId, [{ type: "api_key.expiring_soon", record, extra: { threshold } }], nowMs),
  ]);
  return result.committed;
}

/** The reminder's audit event `key.expiring_soon` (actor `scheduler`), put only if its id is new. */
export function reminderAudit(
  deps: KeyServiceDeps,
  item: Pick<ApiKeyItem, "pk" | "orgId" | "expiresAt">,
  threshold: ReminderThreshold,
  nowMs: number,
): TransactItem {
  const expiresAt = new Date(item.expiresAt ?? 0).toISOString();
  return putAudit(
    deps,
    auditItem(
      item.orgId,
      { type: "key.expiring_soon", actor: "scheduler", keyId: item.pk, changes: { expiresAt, threshold } },
      nowMs,
    ),
  );
}
