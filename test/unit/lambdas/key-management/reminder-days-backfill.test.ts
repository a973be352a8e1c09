import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { BatchGetCommand, GetCommand, QueryCommand, ScanCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { beforeEach, describe, expect, it } from "vitest";
import { REMINDER_DAYS_BACKFILL_PK } from "../../../../contract/tables";
import { sendExpiryReminders } from "../../../../lambdas/key-management/expiry-reminders";
import { backfillReminderDays } from "../../../../lambdas/key-management/reminder-days-backfill";
import { keyIdFor, NOW } from "./helpers";
import { ddb, deps, useVerbTestSetup } from "./verb-support";

/**
 * The reminder days' backfill (lambdas/key-management/reminder-days-backfill.ts, docs/DECISIONS.md
 * #333): a resumable, bounded scan for live keys made before `rotationDueDay` and `expiryDay` existed.
 */
useVerbTestSetup();

const DAY = 86_400_000;
const MARKER = { pk: REMINDER_DAYS_BACKFILL_PK };
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const conditionFailed = () => new ConditionalCheckFailedException({ message: "failed", $metadata: {} });

/** A key as the scan projects it: made `ageDays` ago, in `orgId`, without either day. */
const scanned = (n: number, ageDays: number, extra: Record<string, unknown> = {}) => ({
  pk: keyIdFor(n),
  orgId: "acme",
  createdAt: new Date(NOW - ageDays * DAY).toISOString(),
  ...extra,
});

/** The stored policy item of `orgId` with `rotateAfterDays`, as a BatchGetItem answers it. */
const policyItem = (orgId: string, rotateAfterDays: number | null) => ({
  pk: `KEY_POLICY#${orgId}`,
  maxLifetimeDays: null,
  allowedScopes: null,
  requireAllowlist: false,
  rotateAfterDays,
  version: 1,
  updatedAt: "2025-01-01T00:00:00.000Z",
  updatedBy: "someone",
});

const updates = () => ddb.commandCalls(UpdateCommand).map((call) => call.args[0].input);
const keyUpdates = () => updates().filter((input) => input.Key?.pk !== REMINDER_DAYS_BACKFILL_PK);
const markerUpdates = () => updates().filter((input) => input.Key?.pk === REMINDER_DAYS_BACKFILL_PK);
const scans = () => ddb.commandCalls(ScanCommand).map((call) => call.args[0].input);

describe("backfillReminderDays", () => {
  // No policy set in any org (the defaults), unless a test says otherwise.
  beforeEach(() => {
    ddb.on(BatchGetCommand).resolves({ Responses: { keys: [] } });
  });

  it("gives live keys their missing days under their org's current policy, and completes the marker at the scan's end", async () => {
    // Prepare: no marker yet; one page, the end of the table.
    ddb.on(GetCommand, { Key: MARKER }).resolves({});
    ddb.on(ScanCommand).resolves({
      Items: [
        // Default policy (90 days), made 100 days ago: due today, not 10 days ago.
        scanned(1, 100),
        // An org reminding after 30 days, made 10 days ago, expiring in 3 days (no expiryDay either).
        scanned(2, 10, { orgId: "strict", expiresAt: NOW + 3 * DAY }),
        // Its rotation day already set (made after rotationDueDay existed), its expiry day missing.
        scanned(3, 5, { rotationDueDay: day(NOW + 85 * DAY), expiresAt: NOW + 40 * DAY }),
        // An org without rotation reminders: nothing to set.
        scanned(4, 400, { orgId: "quiet" }),
      ],
    });
    ddb.on(BatchGetCommand).resolves({
      Responses: { keys: [policyItem("strict", 30), policyItem("quiet", null)] },
    });
    ddb.on(UpdateCommand).resolves({});

    // Act
    const run = await backfillReminderDays(deps(), NOW);

    // Assess
    expect(run).toEqual({ pages: 1, daysSet: 4, complete: true });
    expect(scans()).toEqual([
      {
        TableName: "keys",
        Limit: 1_000,
        Select: "SPECIFIC_ATTRIBUTES",
        ProjectionExpression:
          "pk, orgId, createdAt, expiresAt, rotationDueDay, rotationReminded, expiryDay, expiryReminder",
        FilterExpression:
          "begins_with(pk, :key) AND attribute_not_exists(revokedAt) AND attribute_not_exists(replacedBy) AND (attribute_not_exists(expiresAt) OR expiresAt > :now) AND ((attribute_not_exists(rotationDueDay) AND attribute_not_exists(rotationReminded)) OR (attribute_exists(expiresAt) AND attribute_not_exists(expiryDay) AND attribute_not_exists(expiryReminder)))",
        ExpressionAttributeValues: { ":key": "key_", ":now": NOW },
      },
    ]);
    // The policies of the orgs whose keys lack a rotation day, in one read.
    expect(ddb).toReceiveCommandTimes(BatchGetCommand, 1);
    const rotation = {
      ConditionExpression:
        "attribute_exists(pk) AND attribute_not_exists(revokedAt) AND attribute_not_exists(replacedBy) AND (attribute_not_exists(expiresAt) OR expiresAt > :now) AND attribute_not_exists(rotationReminded) AND attribute_not_exists(rotationDueDay)",
      UpdateExpression: "SET rotationDueDay = :day",
      TableName: "keys",
    };
    const expiry = {
      ConditionExpression:
        "attribute_exists(pk) AND attribute_not_exists(revokedAt) AND attribute_not_exists(replacedBy) AND expiresAt = :expiresAt AND expiresAt > :now AND attribute_not_exists(expiryReminder) AND attribute_not_exists(expiryDay)",
      UpdateExpression: "SET expiryDay = :day",
      TableName: "keys",
    };
    expect(keyUpdates()).toEqual(
      expect.arrayContaining([
        {
          ...rotation,
          Key: { pk: keyIdFor(1) },
          ExpressionAttributeValues: { ":day": day(NOW), ":now": NOW },
        },
        {
          ...rotation,
          Key: { pk: keyIdFor(2) },
          ExpressionAttributeValues: { ":day": day(NOW + 20 * DAY), ":now": NOW },
        },
        {
          ...expiry,
          Key: { pk: keyIdFor(2) },
          ExpressionAttributeValues: { ":day": day(NOW + 3 * DAY), ":expiresAt": NOW + 3 * DAY, ":now": NOW },
        },
        {
          ...expiry,
          Key: { pk: keyIdFor(3) },
          ExpressionAttributeValues: {
            ":day": day(NOW + 40 * DAY),
            ":expiresAt": NOW + 40 * DAY,
            ":now": NOW,
          },
        },
      ]),
    );
    expect(keyUpdates()).toHaveLength(4);
    expect(markerUpdates()).toEqual([
      {
        TableName: "keys",
        Key: MARKER,
        UpdateExpression: "SET completedAt = :at REMOVE scanAfter",
        ConditionExpression: "attribute_not_exists(scanAfter) AND attribute_not_exists(completedAt)",
        ExpressionAttributeValues: { ":at": new Date(NOW).toISOString() },
      },
    ]);
  });

  it("resumes where the marker says, and stops after its pages with the marker at the last page's end", async () => {
    // Prepare: a run before this one stopped after key 10; every page ends before the table does.
    ddb.on(GetCommand, { Key: MARKER }).resolves({ Item: { ...MARKER, scanAfter: keyIdFor(10) } });
    ddb
      .on(ScanCommand)
      .resolvesOnce({ Items: [], LastEvaluatedKey: { pk: keyIdFor(20) } })
      .resolvesOnce({ Items: [scanned(25, 1)], LastEvaluatedKey: { pk: keyIdFor(30) } });
    ddb.on(UpdateCommand).resolves({});

    // Act
    const run = await backfillReminderDays(deps(), NOW, { pageItems: 10, maxPages: 2 });

    // Assess
    expect(run).toEqual({ pages: 2, daysSet: 1, complete: false });
    expect(scans().map((scan) => [scan.Limit, scan.ExclusiveStartKey])).toEqual([
      [10, { pk: keyIdFor(10) }],
      [10, { pk: keyIdFor(20) }],
    ]);
    expect(
      markerUpdates().map((update) => [
        update.UpdateExpression,
        update.ConditionExpression,
        update.ExpressionAttributeValues,
      ]),
    ).toEqual([
      ["SET scanAfter = :to", "scanAfter = :from", { ":to": keyIdFor(20), ":from": keyIdFor(10) }],
      ["SET scanAfter = :to", "scanAfter = :from", { ":to": keyIdFor(30), ":from": keyIdFor(20) }],
    ]);
  });

  it("starts no page once its time budget is spent, by the run's clock", async () => {
    // Prepare: pages remain; each reading of the clock is 50 seconds later.
    let now = NOW;
    const clock = () => {
      now += 50_000;
      return now;
    };
    ddb.on(GetCommand, { Key: MARKER }).resolves({});
    ddb.on(ScanCommand).resolves({ Items: [], LastEvaluatedKey: { pk: keyIdFor(5) } });
    ddb.on(UpdateCommand).resolves({});

    // Act: 120 seconds, the default budget.
    const run = await backfillReminderDays(deps({ clock }), NOW);

    // Assess: pages at 0 (always one), 50 and 100 seconds; none at 150.
    expect(run).toEqual({ pages: 3, daysSet: 0, complete: false });
  });

  it("costs one GetItem once complete", async () => {
    // Prepare
    ddb
      .on(GetCommand, { Key: MARKER })
      .resolves({ Item: { ...MARKER, completedAt: "2025-06-01T00:00:00.000Z" } });

    // Act
    const run = await backfillReminderDays(deps(), NOW);

    // Assess
    expect(run).toEqual({ pages: 0, daysSet: 0, complete: true });
    expect(ddb.calls()).toHaveLength(1);
    expect(ddb).toReceiveCommandWith(GetCommand, { TableName: "keys", Key: MARKER, ConsistentRead: true });
  });

  it("leaves alone a key rotated, revoked, reminded or given its day since the scan read it, and goes on", async () => {
    // Prepare: the key's condition fails (a concurrent change); the marker still moves.
    ddb.on(GetCommand, { Key: MARKER }).resolves({});
    ddb.on(ScanCommand).resolves({ Items: [scanned(1, 100), scanned(2, 100)] });
    ddb.on(UpdateCommand).resolves({});
    ddb.on(UpdateCommand, { Key: { pk: keyIdFor(1) } }).rejects(conditionFailed());

    // Act
    const run = await backfillReminderDays(deps(), NOW);

    // Assess
    expect(run).toEqual({ pages: 1, daysSet: 1, complete: true });
    expect(markerUpdates()).toHaveLength(1);
  });

  it("stops when another run moved the marker first, so two runs never walk on past each other", async () => {
    // Prepare: pages remain, but the marker's move fails.
    ddb.on(GetCommand, { Key: MARKER }).resolves({});
    ddb.on(ScanCommand).resolves({ Items: [], LastEvaluatedKey: { pk: keyIdFor(5) } });
    ddb.on(UpdateCommand, { Key: MARKER }).rejects(conditionFailed());

    // Act
    const run = await backfillReminderDays(deps(), NOW);

    // Assess
    expect(run).toEqual({ pages: 1, daysSet: 0, complete: false });
    expect(ddb).toReceiveCommandTimes(ScanCommand, 1);
  });

  it("throws what is not a failed condition, leaving the marker where it was", async () => {
    // Prepare
    ddb.on(GetCommand, { Key: MARKER }).resolves({});
    ddb.on(ScanCommand).resolves({ Items: [scanned(1, 100)] });
    ddb
      .on(UpdateCommand)
      .rejects(Object.assign(new Error("busy"), { name: "ProvisionedThroughputExceededException" }));

    // Act and assess
    await expect(backfillReminderDays(deps(), NOW)).rejects.toThrow("busy");
    expect(markerUpdates()).toEqual([]);
  });

  it("leaves alone a key whose createdAt is no date, rather than fail every run", async () => {
    // Prepare
    ddb.on(GetCommand, { Key: MARKER }).resolves({});
    ddb.on(ScanCommand).resolves({ Items: [scanned(1, 100, { createdAt: "long ago" })] });
    ddb.on(BatchGetCommand).resolves({ Responses: { keys: [] } });
    ddb.on(UpdateCommand).resolves({});

    // Act
    const run = await backfillReminderDays(deps(), NOW);

    // Assess
    expect(run).toEqual({ pages: 1, daysSet: 0, complete: true });
  });
});

describe("the daily run", () => {
  it("backfills before it reads the indexes, so a key given its day is reminded by the same run", async () => {
    // Prepare: one old key, made 100 days ago; once backfilled, the rotation index holds it.
    ddb.on(GetCommand, { Key: MARKER }).resolves({});
    ddb.on(ScanCommand).resolves({ Items: [scanned(1, 100)] });
    ddb.on(UpdateCommand).resolves({});
    ddb.on(BatchGetCommand).resolves({ Responses: { keys: [] } });
    ddb.on(QueryCommand).resolves({ Items: [] });

    // Act
    const run = await sendExpiryReminders(deps());

    // Assess
    expect(run.backfilled).toBe(1);
    const first = ddb.calls()[0]?.args[0];
    const scanAt = ddb.calls().findIndex((call) => call.args[0] instanceof ScanCommand);
    const firstQuery = ddb.calls().findIndex((call) => call.args[0] instanceof QueryCommand);
    expect(first).toBeInstanceOf(GetCommand);
    expect(scanAt).toBeLessThan(firstQuery);
  });

  it("still sends the reminders when the backfill fails, and then fails the run", async () => {
    // Prepare: the scan fails (throttled past the SDK's retries); the indexes answer.
    ddb.on(GetCommand, { Key: MARKER }).resolves({});
    ddb.on(ScanCommand).rejects(Object.assign(new Error("throttled"), { name: "ThrottlingException" }));
    ddb.on(BatchGetCommand).resolves({ Responses: { keys: [] } });
    ddb.on(QueryCommand).resolves({ Items: [] });

    // Act and assess
    await expect(sendExpiryReminders(deps())).rejects.toThrow("throttled");
    const queried = ddb.commandCalls(QueryCommand).map((call) => call.args[0].input.IndexName);
    expect(queried).toEqual(expect.arrayContaining(["byExpiryDay", "byRotationDueDay", "countedByExpiry"]));
  });
});
