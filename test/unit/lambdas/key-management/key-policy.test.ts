import { GetCommand, QueryCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { beforeEach, describe, expect, it } from "vitest";
import { getKeyPolicy } from "../../../../lambdas/key-management/get-key-policy";
import { policyChanges, putKeyPolicy } from "../../../../lambdas/key-management/put-key-policy";
import { NOW } from "./helpers";
import { policyReadsToMock } from "./policy-reads";
import {
  ADMIN,
  auditPuts,
  BUSY,
  cancelled,
  ddb,
  deps,
  EVENT_ID,
  transaction,
  useVerbTestSetup,
} from "./verb-support";

/** `getKeyPolicy` and `putKeyPolicy` (lambdas/key-management/{get,put}-key-policy.ts). */
useVerbTestSetup();
// These tests are about the policy's own reads: they go to the mocked client. The org holds no key
// unless a test says (a change of rotateAfterDays walks them).
beforeEach(() => {
  policyReadsToMock(true);
  ddb.on(QueryCommand).resolves({ Items: [] });
});

const DEFAULTS = { maxLifetimeDays: null, allowedScopes: null, requireAllowlist: false, rotateAfterDays: 90 };
const STRICT = {
  maxLifetimeDays: 90,
  allowedScopes: ["accounts:read" as const],
  requireAllowlist: true,
  rotateAfterDays: 30,
};
const stored = (version: number, rules = STRICT) => ({
  pk: "KEY_POLICY#acme",
  ...rules,
  version,
  updatedAt: "2025-06-01T00:00:00.000Z",
  updatedBy: "someone",
});

describe("getKeyPolicy", () => {
  it("answers the defaults with updatedAt and updatedBy null when the org never set a policy", async () => {
    // Prepare
    ddb.on(GetCommand).resolves({});

    // Act
    const outcome = await getKeyPolicy(deps(), "acme");

    // Assess
    expect(outcome).toEqual({ ok: true, value: { ...DEFAULTS, updatedAt: null, updatedBy: null } });
    expect(ddb).toHaveReceivedCommandWith(GetCommand, {
      TableName: "keys",
      Key: { pk: "KEY_POLICY#acme" },
      ConsistentRead: true,
    });
  });
});

describe("putKeyPolicy", () => {
  it("puts the first policy only if none exists, with its policy.updated event, in one transaction", async () => {
    // Prepare
    ddb.on(GetCommand).resolves({});
    ddb.on(TransactWriteCommand).resolves({});

    // Act
    const outcome = await putKeyPolicy(deps(), "acme", STRICT, ADMIN);

    // Assess
    const at = new Date(NOW).toISOString();
    expect(outcome).toEqual({ ok: true, value: { ...STRICT, updatedAt: at, updatedBy: ADMIN } });
    expect(transaction()[0]).toEqual({
      Put: {
        TableName: "keys",
        // rotateAfterDays changed: marked for the daily run to move the org's keys' days.
        Item: {
          pk: "KEY_POLICY#acme",
          ...STRICT,
          version: 1,
          updatedAt: at,
          updatedBy: ADMIN,
          rotationDueDay: "recompute",
        },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    });
    expect(auditPuts()).toEqual([
      expect.objectContaining({
        id: EVENT_ID,
        orgId: "acme",
        type: "policy.updated",
        actor: ADMIN,
        keyId: null,
        changes: {
          maxLifetimeDays: { from: null, to: 90 },
          allowedScopes: { from: null, to: ["accounts:read"] },
          requireAllowlist: { from: false, to: true },
          rotateAfterDays: { from: 90, to: 30 },
        },
      }),
    ]);
  });

  it("writes nothing when the PUT changes nothing (scopes compared as a set)", async () => {
    // Prepare
    ddb.on(GetCommand).resolves({ Item: stored(4, { ...STRICT, allowedScopes: ["accounts:read"] }) });

    // Act
    const outcome = await putKeyPolicy(deps(), "acme", STRICT, ADMIN);

    // Assess
    expect(outcome).toEqual({
      ok: true,
      value: { ...STRICT, updatedAt: "2025-06-01T00:00:00.000Z", updatedBy: "someone" },
    });
    expect(ddb).not.toHaveReceivedCommand(TransactWriteCommand);
  });

  it("reads again and records its change against what a concurrent PUT stored when its version moved", async () => {
    // Prepare
    ddb
      .on(GetCommand)
      .resolvesOnce({ Item: stored(1) })
      .resolves({ Item: stored(2, { ...STRICT, rotateAfterDays: 60 }) });
    ddb.on(TransactWriteCommand).rejectsOnce(cancelled("ConditionalCheckFailed", "None")).resolves({});

    // Act
    const outcome = await putKeyPolicy(deps(), "acme", { ...STRICT, rotateAfterDays: null }, ADMIN);

    // Assess
    expect(outcome.ok).toBe(true);
    expect(transaction(1)[0]?.Put).toMatchObject({
      ConditionExpression: "version = :policyVersion",
      ExpressionAttributeValues: { ":policyVersion": 1 },
    });
    expect(transaction(2)[0]?.Put).toMatchObject({
      Item: { version: 3 },
      ExpressionAttributeValues: { ":policyVersion": 2 },
    });
    expect(auditPuts(2)[0]?.changes).toEqual({ rotateAfterDays: { from: 60, to: null } });
  });

  it("answers busy (503) when it keeps losing to concurrent PUTs", async () => {
    // Prepare
    let version = 0;
    ddb.on(GetCommand).callsFake(async () => ({ Item: stored(++version) }));
    ddb.on(TransactWriteCommand).rejects(cancelled("ConditionalCheckFailed", "None"));

    // Act
    const outcome = putKeyPolicy(deps(), "acme", DEFAULTS, ADMIN);

    // Assess
    await expect(outcome).rejects.toEqual(BUSY);
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 3);
  });
});

describe("putKeyPolicy and the rotation reminders (API.md §12)", () => {
  it("marks the policy for the daily run when rotateAfterDays changes, and keeps the mark until the run clears it", async () => {
    // Prepare
    ddb
      .on(GetCommand)
      .resolvesOnce({})
      .resolves({ Item: { ...stored(1, { ...STRICT, rotateAfterDays: 5 }), rotationDueDay: "recompute" } });
    ddb.on(TransactWriteCommand).resolves({});

    // Act
    await putKeyPolicy(deps(), "acme", { ...DEFAULTS, rotateAfterDays: 5 }, ADMIN);
    await putKeyPolicy(deps(), "acme", { ...STRICT, rotateAfterDays: 5, maxLifetimeDays: 7 }, ADMIN);

    // Assess: the second PUT leaves rotateAfterDays alone, but the mark the run has not cleared stays.
    expect(transaction(1)[0]?.Put?.Item).toMatchObject({ rotateAfterDays: 5, rotationDueDay: "recompute" });
    expect(transaction(2)[0]?.Put?.Item).toMatchObject({ maxLifetimeDays: 7, rotationDueDay: "recompute" });
  });

  it("marks nothing when rotateAfterDays stays and no mark is pending", async () => {
    // Prepare
    ddb.on(GetCommand).resolves({});
    ddb.on(TransactWriteCommand).resolves({});

    // Act
    await putKeyPolicy(deps(), "acme", { ...DEFAULTS, maxLifetimeDays: 30 }, ADMIN);

    // Assess
    expect(transaction()[0]?.Put?.Item).not.toHaveProperty("rotationDueDay");
  });
});

describe("policyChanges", () => {
  it("names only the rules that differ, null to a value and back", () => {
    // Act
    const changes = policyChanges(STRICT, { ...STRICT, maxLifetimeDays: null, allowedScopes: ["export"] });

    // Assess
    expect(changes).toEqual({
      maxLifetimeDays: { from: 90, to: null },
      allowedScopes: { from: ["accounts:read"], to: ["export"] },
    });
  });
});
