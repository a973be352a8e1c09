import { GetCommand, ScanCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { REMINDER_DAYS_BACKFILL_PK } from "../../contract/tables";
import { readPolicies } from "./key-policy-store";
import type { KeyServiceDeps } from "./key-store";
import { expiryDayOf } from "./new-key";
import { rotationDueDayOf } from "./rotation-due";

/**
 * The reminder days' backfill (docs/DECISIONS.md #333): keys made before the code that sets
 * `rotationDueDay` (API.md §12) and `expiryDay` (§11) hold neither, so neither index finds them and
 * they are never reminded. The daily run scans the keys table for them, a bounded number of pages per
 * run, resuming where the last run stopped; the scan's position lives in one item of the keys table
 * (`REMINDER_DAYS_BACKFILL_PK`). Once the scan is done the item says so, and a run costs one GetItem.
 */

/** Items one Scan page evaluates (DynamoDB's `Limit`: before the filter; a page also stops at 1 MB). */
export const BACKFILL_PAGE_ITEMS = 1_000;
/** Scan pages a run reads at most: 50,000 items, then the next run goes on. */
export const BACKFILL_PAGES_PER_RUN = 50;
/**
 * No new page once the backfill has taken this long (by the run's clock): the reminders come after it
 * in the same run, whose function stops at 5 minutes (`lib/constructs/expiry-reminders.ts`).
 */
export const BACKFILL_BUDGET_MS = 120_000;
/** Keys updated at once. */
const CONCURRENCY = 8;

/** What a run of the backfill did. */
export interface BackfillRun {
  /** Scan pages read (0 once complete). */
  pages: number;
  /** Days it set: `rotationDueDay`s and `expiryDay`s. */
  daysSet: number;
  /** The scan has reached the end of the table (in this run or an earlier one). */
  complete: boolean;
}

/** A key as the scan projects it. */
interface Candidate {
  pk: string;
  orgId: string;
  createdAt: string;
  expiresAt?: number;
  rotationDueDay?: string;
  rotationReminded?: number;
  expiryDay?: string;
  expiryReminder?: string;
}

/** A live key's item (its id starts `key_`), never rotated, short of a day it should hold. */
const SCAN_FILTER = [
  "begins_with(pk, :key)",
  "attribute_not_exists(revokedAt)",
  "attribute_not_exists(replacedBy)",
  "(attribute_not_exists(expiresAt) OR expiresAt > :now)",
  "((attribute_not_exists(rotationDueDay) AND attribute_not_exists(rotationReminded)) OR (attribute_exists(expiresAt) AND attribute_not_exists(expiryDay) AND attribute_not_exists(expiryReminder)))",
].join(" AND ");
const PROJECTION =
  "pk, orgId, createdAt, expiresAt, rotationDueDay, rotationReminded, expiryDay, expiryReminder";
/** The conditions every backfill update of a key holds: still live, never rotated. */
const LIVE = "attribute_exists(pk) AND attribute_not_exists(revokedAt) AND attribute_not_exists(replacedBy)";

/**
 * Runs the backfill for at most `maxPages` pages of `pageItems` items, starting no page once
 * `budgetMs` have passed since `nowMs` (by `deps.clock`): each page's keys short of a rotation day
 * get creation + their org's current `rotateAfterDays` (today at the earliest; none when it is null),
 * those short of an expiry day get their expiry's day, each one conditional UpdateItem that leaves
 * alone a key created, rotated, revoked or reminded meanwhile. After each page the marker moves to the
 * page's end, conditional on where this run found it: a run that finds it moved (a concurrent run)
 * stops, and the keys they both saw were updated once (the conditions).
 */
export async function backfillReminderDays(
  deps: KeyServiceDeps,
  nowMs: number,
  { pageItems = BACKFILL_PAGE_ITEMS, maxPages = BACKFILL_PAGES_PER_RUN, budgetMs = BACKFILL_BUDGET_MS } = {},
): Promise<BackfillRun> {
  const marker = { pk: REMINDER_DAYS_BACKFILL_PK };
  const { Item } = await deps.db.send(
    new GetCommand({ TableName: deps.table, Key: marker, ConsistentRead: true }),
  );
  if (Item?.completedAt !== undefined) return { pages: 0, daysSet: 0, complete: true };
  let after = Item?.scanAfter as string | undefined;
  const rotateAfter = new Map<string, number | null>();
  const run: BackfillRun = { pages: 0, daysSet: 0, complete: false };
  while (run.pages < maxPages && (run.pages === 0 || deps.clock() - nowMs < budgetMs)) {
    const page = await deps.db.send(
      new ScanCommand({
        TableName: deps.table,
        Limit: pageItems,
        ...(after === undefined ? {} : { ExclusiveStartKey: { pk: after } }),
        Select: "SPECIFIC_ATTRIBUTES",
        ProjectionExpression: PROJECTION,
        FilterExpression: SCAN_FILTER,
        ExpressionAttributeValues: { ":key": "key_", ":now": nowMs },
      }),
    );
    run.pages++;
    const keys = (page.Items ?? []) as Candidate[];
    const orgs = keys
      .filter((key) => key.rotationDueDay === undefined && !rotateAfter.has(key.orgId))
      .map((key) => key.orgId);
    for (const [orgId, policy] of await readPolicies(deps, orgs)) {
      rotateAfter.set(orgId, policy.rules.rotateAfterDays);
    }
    let next = 0;
    const worker = async () => {
      while (next < keys.length) {
        const key = keys[next++];
        if (!key) continue;
        // Awaited first: `daysSet += await …` would add to a count read before the wait (lost updates).
        const set = await fillDays(deps, key, rotateAfter.get(key.orgId) ?? null, nowMs);
        run.daysSet += set;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const end = page.LastEvaluatedKey?.pk as string | undefined;
    if (!(await moveMarker(deps, after, end, nowMs))) break;
    after = end;
    if (end === undefined) {
      run.complete = true;
      break;
    }
  }
  return run;
}

/** Sets the days `key` is short of; answers how many it set. */
async function fillDays(
  deps: KeyServiceDeps,
  key: Candidate,
  rotateAfterDays: number | null,
  nowMs: number,
): Promise<number> {
  let set = 0;
  const createdAt = Date.parse(key.createdAt);
  // (A createdAt that is no date would throw below and stop every later run: such a key is left.)
  if (
    key.rotationDueDay === undefined &&
    key.rotationReminded === undefined &&
    rotateAfterDays !== null &&
    !Number.isNaN(createdAt)
  ) {
    const day = rotationDueDayOf(createdAt, rotateAfterDays, nowMs);
    // Within ROTATION_DUE_KEY_ATTRIBUTES: not reminded, no day yet (a rotation's new key has its own).
    const done = await setDay(deps, key.pk, "rotationDueDay", day, {
      condition:
        "(attribute_not_exists(expiresAt) OR expiresAt > :now) AND attribute_not_exists(rotationReminded) AND attribute_not_exists(rotationDueDay)",
      values: { ":now": nowMs },
    });
    if (done) set++;
  }
  if (key.expiresAt !== undefined && key.expiryDay === undefined && key.expiryReminder === undefined) {
    // Within EXPIRY_DAY_BACKFILL_KEY_ATTRIBUTES: that very expiry, not past, no day nor reminder yet.
    const done = await setDay(deps, key.pk, "expiryDay", expiryDayOf(key.expiresAt), {
      condition:
        "expiresAt = :expiresAt AND expiresAt > :now AND attribute_not_exists(expiryReminder) AND attribute_not_exists(expiryDay)",
      values: { ":expiresAt": key.expiresAt, ":now": nowMs },
    });
    if (done) set++;
  }
  return set;
}

/** One conditional `SET <attribute> = :day` on a key; false when its condition no longer holds. */
async function setDay(
  deps: KeyServiceDeps,
  keyId: string,
  attribute: "rotationDueDay" | "expiryDay",
  day: string,
  { condition, values }: { condition: string; values: Record<string, unknown> },
): Promise<boolean> {
  return conditional(
    deps.db.send(
      new UpdateCommand({
        TableName: deps.table,
        Key: { pk: keyId },
        UpdateExpression: `SET ${attribute} = :day`,
        ConditionExpression: `${LIVE} AND ${condition}`,
        ExpressionAttributeValues: { ":day": day, ...values },
      }),
    ),
  );
}

/**
 * Moves the marker from `from` (where this run found it; none: the scan's start) to `to`, or marks
 * the backfill complete when `to` is none. False when another run moved it first.
 */
function moveMarker(
  deps: KeyServiceDeps,
  from: string | undefined,
  to: string | undefined,
  nowMs: number,
): Promise<boolean> {
  return conditional(
    deps.db.send(
      new UpdateCommand({
        TableName: deps.table,
        Key: { pk: REMINDER_DAYS_BACKFILL_PK },
        UpdateExpression: to === undefined ? "SET completedAt = :at REMOVE scanAfter" : "SET scanAfter = :to",
        ConditionExpression:
          from === undefined
            ? "attribute_not_exists(scanAfter) AND attribute_not_exists(completedAt)"
            : "scanAfter = :from",
        ExpressionAttributeValues: {
          ...(to === undefined ? { ":at": new Date(nowMs).toISOString() } : { ":to": to }),
          ...(from === undefined ? {} : { ":from": from }),
        },
      }),
    ),
  );
}

/** True once `write` succeeded, false when its condition failed; any other error is thrown. */
async function conditional(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    // By name, as everywhere in these modules (the SDK's error classes weigh on the bundle).
    if ((error as { name?: string }).name !== "ConditionalCheckFailedException") throw error;
    return false;
  }
}
