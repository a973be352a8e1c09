import {
  BatchGetCommand,
  GetCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { REMINDER_DAYS_BACKFILL_PK } from "../../../../contract/tables";
import {
  AUDIT_EVENT_ATTRIBUTES,
  BACKFILL_MARKER_ATTRIBUTES,
  BACKFILL_SCAN_ATTRIBUTES,
  COUNTER_MOVE_ATTRIBUTES,
  EXPIRY_DAY_BACKFILL_KEY_ATTRIBUTES,
  EXPIRY_DISCOUNT_KEY_ATTRIBUTES,
  LEAK_REVOCATION_KEY_ATTRIBUTES,
  OUTBOX_ITEM_ATTRIBUTES,
  REMINDER_KEY_ATTRIBUTES,
  ROTATION_DUE_KEY_ATTRIBUTES,
} from "../../../../contract/write-attributes";
import {
  discountExpiredKeys,
  sendExpiryReminders,
} from "../../../../lambdas/key-management/expiry-reminders";
import { expiryDayOf } from "../../../../lambdas/key-management/new-key";
import { backfillReminderDays } from "../../../../lambdas/key-management/reminder-days-backfill";
import { recomputeMarkedOrgs } from "../../../../lambdas/key-management/rotation-due";
import { sendRotationDueReminders } from "../../../../lambdas/key-management/rotation-reminders";
import { handleLeakReport } from "../../../../lambdas/secret-scanning/leak-report";
import { attributesTouched } from "../attributes-touched";
import { keyIdFor, NOW, storedKey, VECTOR } from "./helpers";
import { ddb, deps, transaction, useVerbTestSetup } from "./verb-support";

/**
 * The stack narrows the secret-scanning function's and the expiry reminder's puts and updates to the
 * attributes of `contract/write-attributes.ts` (issue 19 point 4). These check that what their code
 * sends stays inside those lists: a policy narrower than the code passes every local test and fails
 * only deployed.
 */
useVerbTestSetup();

const outside = (input: Parameters<typeof attributesTouched>[0] | undefined, allowed: readonly string[]) =>
  attributesTouched(input ?? {}).filter((name) => !allowed.includes(name));

/** Each action of a transaction with the list its table's policy allows. */
function checkTransaction(keyAttributes: readonly string[]) {
  const lists: Record<string, readonly string[]> = {
    keys: keyAttributes,
    audit: AUDIT_EVENT_ATTRIBUTES,
    data: OUTBOX_ITEM_ATTRIBUTES,
  };
  const items = transaction();
  expect(items.length).toBeGreaterThanOrEqual(3);
  for (const item of items) {
    const write = item.Update ?? item.Put;
    expect(write, "only puts and updates").toBeDefined();
    // The org's active-key counter is an item of the keys table with its own, narrower grant.
    const counter = String(item.Update?.Key?.pk ?? "").startsWith("ACTIVE_KEYS#");
    const allowed = counter ? COUNTER_MOVE_ATTRIBUTES : lists[write?.TableName ?? ""];
    expect(allowed, `a table the function may write: ${write?.TableName}`).toBeDefined();
    expect(outside(write, allowed ?? []), `${write?.TableName}`).toEqual([]);
  }
}

describe("narrowly permitted writers", () => {
  it("a leak report's revocation touches only pk, revokedAt, ttl and counted of the key, pk and activeKeys of the counter, and puts an audit event and outbox items", async () => {
    // Prepare: the reported token is the test vector's key, live and on its org's counter.
    const item = storedKey(1, {
      pk: VECTOR.id,
      hash: VECTOR.hash,
      expiresAt: NOW + 86_400_000,
      counted: 1,
    });
    ddb.on(GetCommand).resolves({ Item: item });
    ddb.on(TransactWriteCommand).resolves({});

    // Act
    const { summary } = await handleLeakReport(deps({ dataTable: "data" }), [
      {
        token: VECTOR.key,
        type: "fynex_api_key",
        url: "https://github.com/acme/repo/blob/x",
        source: "content",
      },
    ]);

    // Assess
    expect(summary.revoked).toBe(1);
    expect(transaction().some((action) => action.Update?.Key?.pk === "ACTIVE_KEYS#acme")).toBe(true);
    checkTransaction(LEAK_REVOCATION_KEY_ATTRIBUTES);
  });

  it("an expiry reminder touches only the key's reminder attributes and its condition's, an audit event and an outbox item", async () => {
    // Prepare: one key expiring in three days.
    const expiresAt = NOW + 3 * 86_400_000;
    const item = storedKey(2, { expiresAt, expiryDay: expiryDayOf(expiresAt) });
    // The reminder days' backfill is complete (#333): its marker's read is all it does.
    ddb
      .on(GetCommand, { Key: { pk: REMINDER_DAYS_BACKFILL_PK } })
      .resolves({ Item: { completedAt: "2025-01-01T00:00:00.000Z" } });
    ddb.on(QueryCommand).resolves({ Items: [{ pk: item.pk }] });
    ddb.on(BatchGetCommand).resolves({ Responses: { keys: [item] } });
    ddb.on(TransactWriteCommand).resolves({});

    // Act
    const run = await sendExpiryReminders(deps({ dataTable: "data" }));

    // Assess
    expect(run.sent).toBe(1);
    checkTransaction(REMINDER_KEY_ATTRIBUTES);
  });

  it("a rotation reminder touches only the key's rotation attributes and its condition's, an audit event and an outbox item", async () => {
    // Prepare: a key made 100 days ago, due under the default policy's 90 days.
    const item = storedKey(3, {
      createdAt: new Date(NOW - 100 * 86_400_000).toISOString(),
      rotationDueDay: "2025-03-19",
    });
    ddb.on(QueryCommand).resolves({ Items: [{ pk: item.pk }] });
    ddb.on(BatchGetCommand).resolves({ Responses: { keys: [item] } });
    ddb.on(TransactWriteCommand).resolves({});

    // Act
    const sent = await sendRotationDueReminders(deps({ dataTable: "data" }));

    // Assess
    expect(sent).toBe(1);
    checkTransaction(ROTATION_DUE_KEY_ATTRIBUTES);
  });

  it("a change of rotateAfterDays moves keys' days and clears the policy's mark within the rotation-due list", async () => {
    // Prepare: one marked org with one live key.
    const policy = {
      pk: "KEY_POLICY#acme",
      maxLifetimeDays: null,
      allowedScopes: null,
      requireAllowlist: false,
    };
    ddb.on(QueryCommand, { IndexName: "byRotationDueDay" }).resolves({ Items: [{ pk: "KEY_POLICY#acme" }] });
    ddb
      .on(QueryCommand, { IndexName: "byOrg" })
      .resolves({ Items: [{ orgId: "acme", pk: keyIdFor(1), createdAt: new Date(NOW).toISOString() }] });
    ddb.on(BatchGetCommand).resolves({
      Responses: {
        keys: [
          {
            ...policy,
            rotateAfterDays: 5,
            version: 2,
            updatedAt: "x",
            updatedBy: "y",
            rotationDueDay: "recompute",
          },
        ],
      },
    });
    ddb.on(UpdateCommand).resolves({});

    // Act
    const orgs = await recomputeMarkedOrgs(deps(), NOW);

    // Assess
    expect(orgs).toBe(1);
    const updates = ddb.commandCalls(UpdateCommand).map((call) => call.args[0].input);
    expect(updates.map((update) => update.Key?.pk)).toEqual([keyIdFor(1), "KEY_POLICY#acme"]);
    for (const update of updates) expect(outside(update, ROTATION_DUE_KEY_ATTRIBUTES)).toEqual([]);
  });

  it("the reminder days' backfill scans within its list, sets days within theirs and moves its marker within its own", async () => {
    // Prepare: one old key without either day, expiring in 20 days; the end of the table.
    ddb.on(GetCommand, { Key: { pk: REMINDER_DAYS_BACKFILL_PK } }).resolves({});
    ddb.on(ScanCommand).resolves({
      Items: [
        {
          pk: keyIdFor(4),
          orgId: "acme",
          createdAt: new Date(NOW).toISOString(),
          expiresAt: NOW + 20 * 86_400_000,
        },
      ],
    });
    ddb.on(BatchGetCommand).resolves({ Responses: { keys: [] } });
    ddb.on(UpdateCommand).resolves({});

    // Act
    const run = await backfillReminderDays(deps(), NOW);

    // Assess
    expect(run.daysSet).toBe(2);
    const [scan] = ddb.commandCalls(ScanCommand).map((call) => call.args[0].input);
    expect(scan?.Select).toBe("SPECIFIC_ATTRIBUTES");
    const read = {
      UpdateExpression: scan?.ProjectionExpression,
      ConditionExpression: scan?.FilterExpression,
    };
    expect(outside(read, BACKFILL_SCAN_ATTRIBUTES)).toEqual([]);
    const updates = ddb.commandCalls(UpdateCommand).map((call) => call.args[0].input);
    const listOf = (update: (typeof updates)[number]) =>
      update.Key?.pk === REMINDER_DAYS_BACKFILL_PK
        ? BACKFILL_MARKER_ATTRIBUTES
        : update.UpdateExpression?.includes("rotationDueDay")
          ? ROTATION_DUE_KEY_ATTRIBUTES
          : EXPIRY_DAY_BACKFILL_KEY_ATTRIBUTES;
    expect(updates).toHaveLength(3);
    for (const update of updates)
      expect(outside(update, listOf(update)), update.UpdateExpression).toEqual([]);
  });

  it("the daily run's discount of an expired key touches only pk, counted and expiresAt of the key, pk and activeKeys of the counter", async () => {
    // Prepare: one counted key expired a moment ago.
    ddb
      .on(QueryCommand)
      .resolves({ Items: [{ pk: keyIdFor(3), orgId: "acme", counted: 1, expiresAt: NOW - 1 }] });
    ddb.on(TransactWriteCommand).resolves({});

    // Act
    const discounted = await discountExpiredKeys(deps(), NOW);

    // Assess
    expect(discounted).toBe(1);
    const [key, counter] = transaction();
    expect(outside(key?.Update, EXPIRY_DISCOUNT_KEY_ATTRIBUTES)).toEqual([]);
    expect(counter?.Update?.Key).toEqual({ pk: "ACTIVE_KEYS#acme" });
    expect(outside(counter?.Update, COUNTER_MOVE_ATTRIBUTES)).toEqual([]);
    expect(transaction()).toHaveLength(2);
  });
});
