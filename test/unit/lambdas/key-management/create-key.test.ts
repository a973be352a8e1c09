import { GetCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it, vi } from "vitest";
import { createKey, idempotencyRecordKey } from "../../../../lambdas/key-management/create-key";
import { digestApiKey } from "../../../../lambdas/shared/api-keys/api-key";
import { KEY_PATTERN, keyIdFor, NOW, VECTOR, WINDOW_START } from "./helpers";
import { givenPolicy } from "./policy-reads";
import {
  ADMIN,
  auditPuts,
  auditTtl,
  BUSY,
  cancelled,
  ddb,
  deps,
  EVENT_ID,
  replayOf,
  testRetry,
  transaction,
  useVerbTestSetup,
} from "./verb-support";

/** `createKey` (lambdas/key-management/create-key.ts). */
useVerbTestSetup();

describe("createKey", () => {
  it("stores the key item and its key.created event in one transaction: hash and hint, never the key", async () => {
    // Prepare
    ddb.on(TransactWriteCommand).resolves({});

    // Act
    const outcome = await createKey(
      deps(),
      "acme",
      { name: "Billing sync", scopes: ["accounts:read", "export"] },
      ADMIN,
    );

    // Assess
    const item = {
      pk: VECTOR.id,
      hash: VECTOR.hash,
      orgId: "acme",
      name: "Billing sync",
      scopes: ["accounts:read", "export"],
      hint: VECTOR.hint,
      createdAt: "2025-06-17T15:07:42.123Z",
      createdBy: ADMIN,
      windowStart: WINDOW_START,
      windowCount: 0,
      counted: 1,
      // Its rotation reminder, under the default policy's 90 days (API.md §12).
      rotationDueDay: "2025-09-15",
    };
    expect(ddb.calls()).toHaveLength(1);
    expect(transaction()).toEqual([
      { Put: { TableName: "keys", Item: item, ConditionExpression: "attribute_not_exists(pk)" } },
      {
        Put: {
          TableName: "audit",
          ConditionExpression: "attribute_not_exists(id)",
          Item: {
            orgId: "acme",
            id: EVENT_ID,
            at: "2025-06-17T15:07:42.123Z",
            type: "key.created",
            actor: ADMIN,
            keyId: VECTOR.id,
            changes: {
              name: "Billing sync",
              scopes: ["accounts:read", "export"],
              expiresAt: null,
              rateLimit: null,
              allowedIps: null,
            },
            ttl: auditTtl,
          },
        },
      },
      // The org's active-key counter, only under the cap (API.md §5).
      {
        Update: {
          TableName: "keys",
          Key: { pk: "ACTIVE_KEYS#acme" },
          UpdateExpression: "ADD activeKeys :one",
          ConditionExpression: "attribute_not_exists(activeKeys) OR activeKeys < :cap",
          ExpressionAttributeValues: { ":one": 1, ":cap": 1000 },
        },
      },
      // The org's key policy is still none set: a policy written meanwhile cancels it (API.md §12).
      {
        ConditionCheck: {
          TableName: "keys",
          Key: { pk: "KEY_POLICY#acme" },
          ConditionExpression: "attribute_not_exists(pk)",
        },
      },
    ]);
    expect(JSON.stringify(transaction())).not.toContain(VECTOR.key);
    expect(JSON.stringify(auditPuts())).not.toContain(VECTOR.hash);
    expect(outcome).toEqual({
      ok: true,
      value: {
        id: VECTOR.id,
        orgId: "acme",
        name: "Billing sync",
        scopes: ["accounts:read", "export"],
        hint: VECTOR.hint,
        status: "active",
        createdAt: "2025-06-17T15:07:42.123Z",
        createdBy: ADMIN,
        expiresAt: null,
        revokedAt: null,
        lastUsedAt: null,
        rateLimit: { limit: 100, windowSeconds: 900 },
        allowedIps: null,
        replacedBy: null,
        usage: { windowStart: "2025-06-17T15:00:00.000Z", count: 0 },
        policyViolations: [],
        key: VECTOR.key,
      },
    });
  });

  it("stores a per-key limit and an allowlist, shows the effective limit and records both", async () => {
    ddb.on(TransactWriteCommand).resolves({});

    const outcome = await createKey(
      deps(),
      "acme",
      { name: "n", scopes: ["export"], rateLimit: { limit: 3 }, allowedIps: ["203.0.113.0/24"] },
      { actor: "direct-invoke", claimedActor: "ops-bot" },
    );

    expect(transaction()[0]?.Put?.Item).toMatchObject({ rateLimit: 3, allowedIps: ["203.0.113.0/24"] });
    expect(auditPuts()[0]).toMatchObject({
      actor: "direct-invoke",
      claimedActor: "ops-bot",
      changes: { rateLimit: { limit: 3 }, allowedIps: ["203.0.113.0/24"] },
    });
    expect(outcome.ok && outcome.value).toMatchObject({
      rateLimit: { limit: 3, windowSeconds: 900 },
      allowedIps: ["203.0.113.0/24"],
      createdBy: "direct-invoke",
    });
  });

  it("sets the TTL from expiresAt plus 90 days when the key expires", async () => {
    ddb.on(TransactWriteCommand).resolves({});
    const expiresAt = Date.parse("2025-07-01T00:00:00Z");

    const outcome = await createKey(
      deps(),
      "acme",
      { name: "Temp", scopes: ["import"], expiresAt },
      "direct-invoke",
    );

    expect(transaction()[0]?.Put?.Item).toMatchObject({ expiresAt, ttl: expiresAt / 1000 + 90 * 24 * 3600 });
    expect(auditPuts()[0]?.changes).toMatchObject({ expiresAt: "2025-07-01T00:00:00.000Z" });
    expect(outcome.ok && outcome.value.expiresAt).toBe("2025-07-01T00:00:00.000Z");
  });

  it("makes a fresh crypto-random key whose id is derived from it", async () => {
    ddb.on(TransactWriteCommand).resolves({});

    const outcome = await createKey(
      deps({ random: undefined }),
      "acme",
      { name: "n", scopes: ["export"] },
      "a",
    );

    if (!outcome.ok) throw new Error("expected a created key");
    expect(outcome.value.key).toMatch(KEY_PATTERN);
    expect(outcome.value.key).not.toBe(VECTOR.key);
    expect(digestApiKey(outcome.value.key).id).toBe(outcome.value.id);
  });

  it("writes the idempotency record in the same transaction, keyed by a hash of org and key", async () => {
    ddb.on(TransactWriteCommand).resolves({});

    await createKey(deps(), "acme", { name: "n", scopes: ["export"] }, ADMIN, { idempotencyKey: "order-42" });

    const recordKey = idempotencyRecordKey("acme", "order-42");
    expect(recordKey).toMatch(/^IDEMPOTENCY#[0-9a-f]{64}$/);
    expect(recordKey).not.toBe(idempotencyRecordKey("acm", "eorder-42"));
    expect(transaction()[2]).toEqual({
      Put: {
        TableName: "keys",
        Item: { pk: recordKey, keyId: VECTOR.id, at: NOW, ttl: Math.ceil(NOW / 1000) + 24 * 3600 },
        ConditionExpression: "attribute_not_exists(pk) OR #ttl <= :nowSeconds",
        ExpressionAttributeNames: { "#ttl": "ttl" },
        ExpressionAttributeValues: { ":nowSeconds": Math.floor(NOW / 1000) },
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      },
    });
    // The record has no orgId or createdAt: it never enters the org index, so no list shows it.
    expect(transaction()[2]?.Put?.Item).not.toHaveProperty("orgId");
  });

  it("answers a replay with the first key's id from the cancellation, creating nothing", async () => {
    ddb
      .on(TransactWriteCommand)
      .rejects(
        cancelled("None", "None", { Code: "ConditionalCheckFailed", Item: { keyId: { S: keyIdFor(7) } } }),
      );

    const outcome = await createKey(deps(), "acme", { name: "n", scopes: ["export"] }, ADMIN, {
      idempotencyKey: "order-42",
    });

    expect(outcome).toEqual(replayOf(keyIdFor(7)));
    expect(ddb).toReceiveCommandTimes(TransactWriteCommand, 1);
  });

  it("reads the record when the cancellation does not carry it", async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled("None", "None", "ConditionalCheckFailed"));
    ddb.on(GetCommand).resolves({ Item: { pk: "IDEMPOTENCY#x", keyId: keyIdFor(7), ttl: NOW / 1000 + 60 } });

    const outcome = await createKey(deps(), "acme", { name: "n", scopes: ["export"] }, ADMIN, {
      idempotencyKey: "order-42",
    });

    expect(outcome).toEqual(replayOf(keyIdFor(7)));
    expect(ddb).toReceiveCommandWith(GetCommand, {
      Key: { pk: idempotencyRecordKey("acme", "order-42") },
      ConsistentRead: true,
    });
  });

  it("creates anew when the record named by the cancellation expired before it could be read", async () => {
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled("None", "None", "ConditionalCheckFailed"))
      .resolves({});
    ddb.on(GetCommand).resolves({ Item: { keyId: keyIdFor(7), ttl: Math.floor(NOW / 1000) } });

    const outcome = await createKey(deps(), "acme", { name: "n", scopes: ["export"] }, ADMIN, {
      idempotencyKey: "order-42",
    });

    expect(outcome.ok).toBe(true);
    expect(ddb).toReceiveCommandTimes(TransactWriteCommand, 2);
  });

  it("retries a transaction cancelled by a conflict under the one retry policy, then throws busy", async () => {
    const pause = vi.fn(async (_ms: number) => undefined);
    ddb.on(TransactWriteCommand).rejects(cancelled("None", "TransactionConflict"));

    const outcome = createKey(
      deps({ retry: testRetry(pause) }),
      "acme",
      { name: "n", scopes: ["export"] },
      ADMIN,
    );

    await expect(outcome).rejects.toEqual(BUSY);
    expect(ddb).toReceiveCommandTimes(TransactWriteCommand, 12);
    expect(pause.mock.calls.map(([ms]) => ms)).toEqual([10, 20, 40, 80, 160, 320, 500, 500, 500, 500, 500]);
  });

  it("commits after a conflict clears", async () => {
    ddb.on(TransactWriteCommand).rejectsOnce(cancelled("TransactionConflict", "None")).resolves({});

    const outcome = await createKey(deps(), "acme", { name: "n", scopes: ["export"] }, ADMIN);

    expect(outcome.ok).toBe(true);
    expect(ddb).toReceiveCommandTimes(TransactWriteCommand, 2);
  });

  it("lets a storage failure through, without the key in it", async () => {
    ddb.on(TransactWriteCommand).rejects(new Error("ProvisionedThroughputExceededException"));

    await expect(createKey(deps(), "acme", { name: "n", scopes: ["export"] }, "a")).rejects.toThrow(
      "ProvisionedThroughputExceededException",
    );
  });

  it("retries a transaction cancelled for capacity (throttling, provisioned throughput) like a conflict", async () => {
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled("None", "ThrottlingError"))
      .rejectsOnce(cancelled("ProvisionedThroughputExceeded", "None"))
      .resolves({});

    const outcome = await createKey(deps(), "acme", { name: "n", scopes: ["export"] }, ADMIN);

    expect(outcome.ok).toBe(true);
    expect(ddb).toReceiveCommandTimes(TransactWriteCommand, 3);
  });

  it("throws busy when capacity cancellations outlast the retries", async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled("ThrottlingError", "None"));

    await expect(createKey(deps(), "acme", { name: "n", scopes: ["export"] }, ADMIN)).rejects.toEqual(BUSY);
    expect(ddb).toReceiveCommandTimes(TransactWriteCommand, 12);
  });

  it("throws on a cancellation reason that is neither a condition nor transient", async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled("None", "ValidationError"));

    await expect(createKey(deps(), "acme", { name: "n", scopes: ["export"] }, "a")).rejects.toThrow(
      "Transaction cancelled",
    );
  });
});

describe("createKey: scopes sent with duplicates", () => {
  it("stores, records and answers each scope once, in the order of first appearance", async () => {
    // Prepare
    ddb.on(TransactWriteCommand).resolves({});

    // Act
    const outcome = await createKey(
      deps(),
      "acme",
      { name: "n", scopes: ["export", "accounts:read", "export"] },
      ADMIN,
    );

    // Assess
    expect(outcome).toMatchObject({ ok: true, value: { scopes: ["export", "accounts:read"] } });
    expect(transaction()[0]?.Put?.Item?.scopes).toEqual(["export", "accounts:read"]);
    expect(auditPuts()[0]?.changes).toMatchObject({ scopes: ["export", "accounts:read"] });
  });
});

describe("createKey under a key policy (API.md §12)", () => {
  const STRICT = {
    maxLifetimeDays: 30,
    allowedScopes: ["export" as const],
    requireAllowlist: false,
    rotateAfterDays: null,
  };

  it("refuses what the policy forbids before writing anything", async () => {
    // Prepare
    givenPolicy(STRICT, 3);

    // Act
    const outcome = await createKey(deps(), "acme", { name: "n", scopes: ["accounts:read"] }, ADMIN);

    // Assess
    expect(outcome).toEqual({
      ok: false,
      failure: {
        kind: "invalid_input",
        problems: [
          { path: ["expiresAt"], message: expect.stringContaining("key policy") },
          { path: ["scopes", 0], message: expect.stringContaining("key policy") },
        ],
      },
    });
    expect(ddb).not.toReceiveCommand(TransactWriteCommand);
  });

  it("checks in its transaction that the policy is still the version it validated against", async () => {
    // Prepare
    givenPolicy(STRICT, 3);
    ddb.on(TransactWriteCommand).resolves({});

    // Act
    const outcome = await createKey(
      deps(),
      "acme",
      { name: "n", scopes: ["export"], expiresAt: NOW + 86_400_000 },
      ADMIN,
    );

    // Assess
    expect(outcome.ok).toBe(true);
    expect(transaction().at(-1)).toEqual({
      ConditionCheck: {
        TableName: "keys",
        Key: { pk: "KEY_POLICY#acme" },
        ConditionExpression: "version = :policyVersion",
        ExpressionAttributeValues: { ":policyVersion": 3 },
      },
    });
  });

  it("validates again against the new policy when one was written meanwhile", async () => {
    // Prepare: the commit finds the policy changed (its check is the last action); the new one forbids export.
    ddb.on(TransactWriteCommand).callsFake(() => {
      givenPolicy({ ...STRICT, maxLifetimeDays: null, allowedScopes: ["import"] }, 4);
      throw cancelled("None", "None", "None", "ConditionalCheckFailed");
    });

    // Act
    const outcome = await createKey(deps(), "acme", { name: "n", scopes: ["export"] }, ADMIN);

    // Assess
    expect(outcome).toMatchObject({
      ok: false,
      failure: { kind: "invalid_input", problems: [{ path: ["scopes", 0] }] },
    });
    expect(ddb).toReceiveCommandTimes(TransactWriteCommand, 1);
  });
});
