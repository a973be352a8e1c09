import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
} from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { allCustomMatcherWithAliases } from "aws-sdk-client-mock-vitest";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  createKey,
  findKeyByToken,
  getKey,
  idempotencyRecordKey,
  type KeyServiceDeps,
  listAuditEvents,
  listKeys,
  revokeKey,
  rotateKey,
  updateKey,
} from "../../lambdas/key-management/key-service";
import { digestApiKey } from "../../lambdas/shared/api-keys/api-key";
import { AUDIT_RETENTION_SECONDS } from "../../lambdas/shared/api-keys/audit-events";
import { ttlFor } from "../../lambdas/shared/api-keys/key-record";
import { encodeCursor } from "../../lambdas/shared/dynamo/cursor";
import {
  cursorAt,
  indexEntry,
  KEY_PATTERN,
  keyIdFor,
  NOW,
  offlineDynamo,
  positionIn,
  storedKey,
  VECTOR,
  WINDOW_START,
} from "./helpers";

expect.extend(allCustomMatcherWithAliases);

const ddb = mockClient(DynamoDBDocumentClient);

afterEach(() => {
  ddb.reset();
});

function deps(overrides: Partial<KeyServiceDeps> = {}): KeyServiceDeps {
  return {
    db: DynamoDBDocumentClient.from(offlineDynamo()),
    table: "keys",
    auditTable: "audit",
    clock: () => NOW,
    settings: { rateLimit: 100, rateWindowSeconds: 900 },
    random: () => VECTOR.random,
    pause: async () => undefined,
    jitter: () => 0.5,
    ...overrides,
  };
}

const ADMIN = "arn:aws:sts::123456789012:assumed-role/Admin/alice";

/** A cancelled transaction, one reason per item (a code, or a code with the item DynamoDB returned). */
const cancelled = (...reasons: (string | { Code: string; Item?: Record<string, unknown> })[]) =>
  new TransactionCanceledException({
    message: "Transaction cancelled, please refer cancellation reasons for specific reasons",
    $metadata: {},
    CancellationReasons: reasons.map((reason) =>
      typeof reason === "string" ? { Code: reason } : (reason as { Code: string }),
    ),
  });

/** The items of the `n`th (1-based) transaction sent. */
const transaction = (n = 1) =>
  ddb.commandCalls(TransactWriteCommand)[n - 1]?.args[0].input.TransactItems ?? [];

/** The audit items a transaction put. */
const auditPuts = (n = 1) =>
  transaction(n)
    .filter((item) => item.Put?.TableName === "audit")
    .map((item) => item.Put?.Item as Record<string, unknown>);

const EVENT_ID = expect.stringMatching(/^evt_[0-9A-Z]{26}$/);
const auditTtl = Math.ceil(NOW / 1000) + AUDIT_RETENTION_SECONDS;

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
    };
    expect(ddb.calls()).toHaveLength(1);
    expect(transaction()).toEqual([
      { Put: { TableName: "keys", Item: item, ConditionExpression: "attribute_not_exists(pk)" } },
      {
        Put: {
          TableName: "audit",
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

    expect(outcome).toEqual({ ok: false, reason: "idempotency_replay", keyId: keyIdFor(7) });
    expect(ddb).toReceiveCommandTimes(TransactWriteCommand, 1);
  });

  it("reads the record when the cancellation does not carry it", async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled("None", "None", "ConditionalCheckFailed"));
    ddb.on(GetCommand).resolves({ Item: { pk: "IDEMPOTENCY#x", keyId: keyIdFor(7), ttl: NOW / 1000 + 60 } });

    const outcome = await createKey(deps(), "acme", { name: "n", scopes: ["export"] }, ADMIN, {
      idempotencyKey: "order-42",
    });

    expect(outcome).toEqual({ ok: false, reason: "idempotency_replay", keyId: keyIdFor(7) });
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

  it("retries a transaction cancelled by a conflict, with jittered backoff, then answers busy", async () => {
    const pause = vi.fn(async (_ms: number) => undefined);
    ddb.on(TransactWriteCommand).rejects(cancelled("None", "TransactionConflict"));

    const outcome = await createKey(deps({ pause }), "acme", { name: "n", scopes: ["export"] }, ADMIN);

    expect(outcome).toEqual({ ok: false, reason: "busy" });
    expect(ddb).toReceiveCommandTimes(TransactWriteCommand, 6);
    expect(pause.mock.calls.map(([ms]) => ms)).toEqual([10, 20, 40, 80, 160]);
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

  it("throws on a cancellation reason that is neither a condition nor a conflict", async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled("None", "ThrottlingError"));

    await expect(createKey(deps(), "acme", { name: "n", scopes: ["export"] }, "a")).rejects.toThrow(
      "Transaction cancelled",
    );
  });
});

describe("getKey", () => {
  it("reads the key strongly consistently", async () => {
    ddb.on(GetCommand).resolves({ Item: storedKey(1, { lastUsedAt: NOW - 1000 }) });

    const outcome = await getKey(deps(), "acme", keyIdFor(1));

    expect(ddb).toReceiveCommandWith(GetCommand, {
      TableName: "keys",
      Key: { pk: keyIdFor(1) },
      ConsistentRead: true,
    });
    expect(outcome.ok && outcome.value).toMatchObject({
      id: keyIdFor(1),
      lastUsedAt: "2025-06-17T15:07:41.123Z",
      usage: { windowStart: "2025-06-17T15:00:00.000Z", count: 7 },
    });
  });

  it("answers not found for another org's key", async () => {
    ddb.on(GetCommand).resolves({ Item: storedKey(1, { orgId: "globex" }) });

    expect(await getKey(deps(), "acme", keyIdFor(1))).toEqual({ ok: false, reason: "not_found" });
  });

  it("answers not found for a missing key", async () => {
    ddb.on(GetCommand).resolves({});

    expect(await getKey(deps(), "acme", keyIdFor(1))).toEqual({ ok: false, reason: "not_found" });
  });

  it("answers not found for an id that cannot be a key's, without asking DynamoDB", async () => {
    expect(await getKey(deps(), "acme", `key_${"x".repeat(3000)}`)).toEqual({
      ok: false,
      reason: "not_found",
    });
    expect(ddb).not.toReceiveAnyCommand();
  });
});

describe("revokeKey", () => {
  const liveCondition =
    "attribute_exists(pk) AND orgId = :orgId AND attribute_not_exists(revokedAt) AND (attribute_not_exists(expiresAt) OR expiresAt > :now)";

  it("revokes a live key and records key.revoked in one transaction", async () => {
    ddb.on(GetCommand).resolves({ Item: storedKey(1) });
    ddb.on(TransactWriteCommand).resolves({});

    const outcome = await revokeKey(deps(), "acme", keyIdFor(1), ADMIN);

    expect(ddb).toReceiveCommandWith(GetCommand, { Key: { pk: keyIdFor(1) }, ConsistentRead: true });
    expect(transaction()).toEqual([
      {
        Update: {
          TableName: "keys",
          Key: { pk: keyIdFor(1) },
          UpdateExpression: "SET revokedAt = :now, #ttl = :ttl",
          ConditionExpression: liveCondition,
          ExpressionAttributeNames: { "#ttl": "ttl" },
          ExpressionAttributeValues: { ":now": NOW, ":orgId": "acme", ":ttl": ttlFor(NOW) },
        },
      },
      {
        Put: {
          TableName: "audit",
          Item: {
            orgId: "acme",
            id: EVENT_ID,
            at: "2025-06-17T15:07:42.123Z",
            type: "key.revoked",
            actor: ADMIN,
            keyId: keyIdFor(1),
            changes: { revokedAt: "2025-06-17T15:07:42.123Z" },
            ttl: auditTtl,
          },
        },
      },
    ]);
    expect(outcome.ok && outcome.value).toMatchObject({
      status: "revoked",
      revokedAt: "2025-06-17T15:07:42.123Z",
    });
  });

  it("records the event type and changes a caller names (the leaked-key route)", async () => {
    ddb.on(GetCommand).resolves({ Item: storedKey(1) });
    ddb.on(TransactWriteCommand).resolves({});

    await revokeKey(deps(), "acme", keyIdFor(1), "secret-scanning", {
      eventType: "key.leak_reported",
      changes: { url: "https://github.com/o/r/blob/main/.env", revokedAt: "forged" },
    });

    expect(auditPuts()[0]).toMatchObject({
      type: "key.leak_reported",
      actor: "secret-scanning",
      changes: { url: "https://github.com/o/r/blob/main/.env", revokedAt: "2025-06-17T15:07:42.123Z" },
    });
  });

  it("answers an already revoked key as it is, writing nothing and recording nothing", async () => {
    ddb
      .on(GetCommand)
      .resolves({ Item: storedKey(1, { revokedAt: NOW - 60_000, ttl: ttlFor(NOW - 60_000) }) });

    const outcome = await revokeKey(deps(), "acme", keyIdFor(1), ADMIN);

    expect(outcome.ok && outcome.value.revokedAt).toBe(new Date(NOW - 60_000).toISOString());
    expect(ddb).not.toReceiveCommand(TransactWriteCommand);
  });

  it("answers not found for a missing key and another org's key, and writes nothing", async () => {
    ddb
      .on(GetCommand)
      .resolvesOnce({})
      .resolves({ Item: storedKey(1, { orgId: "globex" }) });

    expect(await revokeKey(deps(), "acme", keyIdFor(1), ADMIN)).toEqual({ ok: false, reason: "not_found" });
    expect(await revokeKey(deps(), "acme", keyIdFor(1), ADMIN)).toEqual({ ok: false, reason: "not_found" });
    expect(ddb).not.toReceiveCommand(TransactWriteCommand);
  });

  it("counts the TTL of an already expired key from its expiry, on condition it is still that expiry", async () => {
    const expiresAt = NOW - 3_600_000;
    ddb.on(GetCommand).resolves({ Item: storedKey(1, { expiresAt, ttl: ttlFor(expiresAt) }) });
    ddb.on(TransactWriteCommand).resolves({});

    const outcome = await revokeKey(deps(), "acme", keyIdFor(1), ADMIN);

    expect(transaction()[0]?.Update).toMatchObject({
      ConditionExpression:
        "attribute_exists(pk) AND orgId = :orgId AND attribute_not_exists(revokedAt) AND expiresAt = :expiredAt",
      ExpressionAttributeValues: {
        ":now": NOW,
        ":orgId": "acme",
        ":ttl": ttlFor(expiresAt),
        ":expiredAt": expiresAt,
      },
    });
    expect(outcome.ok && outcome.value.status).toBe("revoked");
  });

  it("reads again when the key changed under it, and answers what it finds", async () => {
    ddb
      .on(GetCommand)
      .resolvesOnce({ Item: storedKey(1) })
      .resolves({ Item: storedKey(1, { revokedAt: NOW - 1, ttl: ttlFor(NOW - 1) }) });
    ddb.on(TransactWriteCommand).rejects(cancelled("ConditionalCheckFailed", "None"));

    const outcome = await revokeKey(deps(), "acme", keyIdFor(1), ADMIN);

    expect(outcome.ok && outcome.value.revokedAt).toBe(new Date(NOW - 1).toISOString());
    expect(ddb).toReceiveCommandTimes(TransactWriteCommand, 1);
  });

  it("gives up with an error when the key keeps changing under it", async () => {
    ddb.on(GetCommand).resolves({ Item: storedKey(1) });
    ddb.on(TransactWriteCommand).rejects(cancelled("ConditionalCheckFailed", "None"));

    await expect(revokeKey(deps(), "acme", keyIdFor(1), ADMIN)).rejects.toThrow("kept losing races");
    expect(ddb).toReceiveCommandTimes(TransactWriteCommand, 3);
  });

  it("answers busy when conflicts outlast the retries", async () => {
    ddb.on(GetCommand).resolves({ Item: storedKey(1) });
    ddb.on(TransactWriteCommand).rejects(cancelled("TransactionConflict", "None"));

    expect(await revokeKey(deps(), "acme", keyIdFor(1), ADMIN)).toEqual({ ok: false, reason: "busy" });
  });

  it("answers not found for a malformed id without asking DynamoDB", async () => {
    expect(await revokeKey(deps(), "acme", "key_../../etc", ADMIN)).toEqual({
      ok: false,
      reason: "not_found",
    });
    expect(ddb).not.toReceiveAnyCommand();
  });
});

describe("updateKey", () => {
  const live = (overrides = {}) =>
    storedKey(1, {
      rateLimit: 50,
      allowedIps: ["10.0.0.0/8"],
      scopes: ["accounts:read", "export"],
      ...overrides,
    });

  it("changes what differs, bumps the revision, and records from and to, in one transaction", async () => {
    // Prepare
    ddb.on(GetCommand).resolves({ Item: live() });
    ddb.on(TransactWriteCommand).resolves({});

    // Act
    const outcome = await updateKey(
      deps(),
      "acme",
      keyIdFor(1),
      { name: "Renamed", scopes: ["export", "accounts:read"], rateLimit: null, allowedIps: ["192.0.2.1"] },
      ADMIN,
    );

    // Assess: scopes in another order are no change; the limit override is removed.
    expect(transaction()).toEqual([
      {
        Update: {
          TableName: "keys",
          Key: { pk: keyIdFor(1) },
          UpdateExpression:
            "SET #revision = :nextRevision, #name = :name, #allowedIps = :allowedIps REMOVE #rateLimit",
          ConditionExpression:
            "attribute_exists(pk) AND orgId = :orgId AND attribute_not_exists(revokedAt) AND (attribute_not_exists(expiresAt) OR expiresAt > :now) AND attribute_not_exists(#revision)",
          ExpressionAttributeNames: {
            "#revision": "revision",
            "#name": "name",
            "#rateLimit": "rateLimit",
            "#allowedIps": "allowedIps",
          },
          ExpressionAttributeValues: {
            ":nextRevision": 1,
            ":now": NOW,
            ":name": "Renamed",
            ":allowedIps": ["192.0.2.1"],
            ":orgId": "acme",
          },
        },
      },
      {
        Put: {
          TableName: "audit",
          Item: expect.objectContaining({
            type: "key.updated",
            actor: ADMIN,
            keyId: keyIdFor(1),
            changes: {
              name: { from: "Key 1", to: "Renamed" },
              rateLimit: { from: { limit: 50 }, to: null },
              allowedIps: { from: ["10.0.0.0/8"], to: ["192.0.2.1"] },
            },
          }),
        },
      },
    ]);
    expect(outcome.ok && outcome.value).toMatchObject({
      name: "Renamed",
      scopes: ["accounts:read", "export"],
      rateLimit: { limit: 100, windowSeconds: 900 },
      allowedIps: ["192.0.2.1"],
    });
  });

  it("conditions on the revision it read", async () => {
    ddb.on(GetCommand).resolves({ Item: live({ revision: 4 }) });
    ddb.on(TransactWriteCommand).resolves({});

    await updateKey(deps(), "acme", keyIdFor(1), { rateLimit: { limit: 7 } }, ADMIN);

    expect(transaction()[0]?.Update).toMatchObject({
      ConditionExpression: expect.stringMatching(/AND #revision = :revision$/),
      ExpressionAttributeValues: expect.objectContaining({
        ":revision": 4,
        ":nextRevision": 5,
        ":rateLimit": 7,
      }),
    });
    expect(auditPuts()[0]?.changes).toEqual({ rateLimit: { from: { limit: 50 }, to: { limit: 7 } } });
  });

  it("writes nothing and records nothing when nothing changes", async () => {
    ddb.on(GetCommand).resolves({ Item: live() });

    const empty = await updateKey(deps(), "acme", keyIdFor(1), {}, ADMIN);
    const same = await updateKey(
      deps(),
      "acme",
      keyIdFor(1),
      {
        name: "Key 1",
        scopes: ["export", "accounts:read"],
        rateLimit: { limit: 50 },
        allowedIps: ["10.0.0.0/8"],
      },
      ADMIN,
    );

    expect(empty.ok && same.ok).toBe(true);
    expect(ddb).not.toReceiveCommand(TransactWriteCommand);
  });

  it.each([
    ["revoked", { revokedAt: NOW - 1 }],
    ["expired", { expiresAt: NOW }],
  ])("refuses a %s key as a conflict", async (status, overrides) => {
    ddb.on(GetCommand).resolves({ Item: live(overrides) });

    expect(await updateKey(deps(), "acme", keyIdFor(1), { name: "x" }, ADMIN)).toEqual({
      ok: false,
      reason: "conflict",
      message: `The API key is ${status}; only an active key can be changed.`,
    });
    expect(ddb).not.toReceiveCommand(TransactWriteCommand);
  });

  it("answers not found for another org's key", async () => {
    ddb.on(GetCommand).resolves({ Item: live({ orgId: "globex" }) });

    expect(await updateKey(deps(), "acme", keyIdFor(1), { name: "x" }, ADMIN)).toEqual({
      ok: false,
      reason: "not_found",
    });
  });

  it("retries a conflict and commits once it clears", async () => {
    ddb.on(GetCommand).resolves({ Item: live() });
    ddb.on(TransactWriteCommand).rejectsOnce(cancelled("TransactionConflict", "None")).resolves({});

    const outcome = await updateKey(deps(), "acme", keyIdFor(1), { name: "x" }, ADMIN);

    expect(outcome.ok && outcome.value.name).toBe("x");
    expect(ddb).toReceiveCommandTimes(TransactWriteCommand, 2);
    expect(ddb).toReceiveCommandTimes(GetCommand, 1);
  });

  it("answers not found when the key vanished between the read and the transaction", async () => {
    ddb.on(GetCommand).resolvesOnce({ Item: live() }).resolves({});
    ddb.on(TransactWriteCommand).rejects(cancelled("ConditionalCheckFailed", "None"));

    expect(await updateKey(deps(), "acme", keyIdFor(1), { name: "x" }, ADMIN)).toEqual({
      ok: false,
      reason: "not_found",
    });
  });

  it("decides again from a fresh read when another change won the race", async () => {
    ddb
      .on(GetCommand)
      .resolvesOnce({ Item: live() })
      .resolves({ Item: live({ revokedAt: NOW - 1 }) });
    ddb.on(TransactWriteCommand).rejects(cancelled("ConditionalCheckFailed", "None"));

    const outcome = await updateKey(deps(), "acme", keyIdFor(1), { name: "x" }, ADMIN);

    expect(outcome).toMatchObject({ ok: false, reason: "conflict" });
    expect(ddb).toReceiveCommandTimes(GetCommand, 2);
  });
});

describe("rotateKey", () => {
  const old = (overrides = {}) =>
    storedKey(1, { rateLimit: 5, allowedIps: ["10.0.0.0/8"], scopes: ["export"], ...overrides });

  it("without grace: puts the new key, revokes the old, and records both events in one transaction", async () => {
    // Prepare
    ddb.on(GetCommand).resolves({ Item: old() });
    ddb.on(TransactWriteCommand).resolves({});

    // Act
    const outcome = await rotateKey(deps(), "acme", keyIdFor(1), {}, ADMIN);

    // Assess
    const items = transaction();
    expect(items).toHaveLength(4);
    expect(items[0]?.Put).toEqual({
      TableName: "keys",
      ConditionExpression: "attribute_not_exists(pk)",
      Item: {
        pk: VECTOR.id,
        hash: VECTOR.hash,
        orgId: "acme",
        name: "Key 1",
        scopes: ["export"],
        hint: VECTOR.hint,
        createdAt: "2025-06-17T15:07:42.123Z",
        createdBy: ADMIN,
        windowStart: WINDOW_START,
        windowCount: 0,
        rateLimit: 5,
        allowedIps: ["10.0.0.0/8"],
        replaces: keyIdFor(1),
      },
    });
    expect(items[1]?.Update).toEqual({
      TableName: "keys",
      Key: { pk: keyIdFor(1) },
      UpdateExpression:
        "SET replacedBy = :replacedBy, revokedAt = :now, #ttl = :ttl, #revision = :nextRevision",
      ConditionExpression:
        "attribute_exists(pk) AND orgId = :orgId AND attribute_not_exists(revokedAt) AND (attribute_not_exists(expiresAt) OR expiresAt > :now) AND attribute_not_exists(replacedBy) AND attribute_not_exists(#revision)",
      ExpressionAttributeNames: { "#ttl": "ttl", "#revision": "revision" },
      ExpressionAttributeValues: {
        ":replacedBy": VECTOR.id,
        ":ttl": ttlFor(NOW),
        ":nextRevision": 1,
        ":now": NOW,
        ":orgId": "acme",
      },
    });
    const [rotated, revoked] = auditPuts();
    expect(rotated).toMatchObject({
      type: "key.rotated",
      keyId: VECTOR.id,
      actor: ADMIN,
      changes: {
        replaces: keyIdFor(1),
        name: "Key 1",
        scopes: ["export"],
        expiresAt: null,
        rateLimit: { limit: 5 },
        allowedIps: ["10.0.0.0/8"],
      },
    });
    expect(revoked).toMatchObject({
      type: "key.revoked",
      keyId: keyIdFor(1),
      changes: { reason: "rotation", revokedAt: "2025-06-17T15:07:42.123Z", replacedBy: VECTOR.id },
    });
    // Newest first: the new key's event sorts after the old key's.
    expect(String(rotated?.id) > String(revoked?.id)).toBe(true);
    expect(JSON.stringify(items)).not.toContain(VECTOR.key);
    expect(outcome.ok && outcome.value).toMatchObject({
      id: VECTOR.id,
      key: VECTOR.key,
      replaces: keyIdFor(1),
      status: "active",
      expiresAt: null,
      rateLimit: { limit: 5, windowSeconds: 900 },
      allowedIps: ["10.0.0.0/8"],
    });
  });

  it("with grace: the old key expires at now + grace and records key.expired_by_rotation", async () => {
    ddb.on(GetCommand).resolves({ Item: old({ revision: 2 }) });
    ddb.on(TransactWriteCommand).resolves({});
    const newExpiry = Date.parse("2031-01-01T00:00:00Z");

    const outcome = await rotateKey(
      deps(),
      "acme",
      keyIdFor(1),
      { gracePeriodSeconds: 60, expiresAt: newExpiry },
      ADMIN,
    );

    const items = transaction();
    expect(items[0]?.Put?.Item).toMatchObject({ expiresAt: newExpiry, ttl: ttlFor(newExpiry) });
    expect(items[1]?.Update).toMatchObject({
      UpdateExpression:
        "SET replacedBy = :replacedBy, expiresAt = :expiresAt, #ttl = :ttl, #revision = :nextRevision",
      ExpressionAttributeValues: {
        ":expiresAt": NOW + 60_000,
        ":ttl": ttlFor(NOW + 60_000),
        ":revision": 2,
        ":nextRevision": 3,
      },
    });
    expect(auditPuts()[1]).toMatchObject({
      type: "key.expired_by_rotation",
      keyId: keyIdFor(1),
      changes: {
        expiresAt: new Date(NOW + 60_000).toISOString(),
        previousExpiresAt: null,
        gracePeriodSeconds: 60,
        replacedBy: VECTOR.id,
      },
    });
    expect(outcome.ok && outcome.value.expiresAt).toBe("2031-01-01T00:00:00.000Z");
  });

  it("with grace past the old key's own expiry: the old key keeps its earlier expiry", async () => {
    const ownExpiry = NOW + 30_000;
    ddb.on(GetCommand).resolves({ Item: old({ expiresAt: ownExpiry }) });
    ddb.on(TransactWriteCommand).resolves({});

    await rotateKey(deps(), "acme", keyIdFor(1), { gracePeriodSeconds: 3600 }, ADMIN);

    expect(transaction()[1]?.Update?.ExpressionAttributeValues).toMatchObject({ ":expiresAt": ownExpiry });
    expect(auditPuts()[1]?.changes).toMatchObject({
      expiresAt: new Date(ownExpiry).toISOString(),
      previousExpiresAt: new Date(ownExpiry).toISOString(),
    });
  });

  it.each([
    ["revoked", { revokedAt: NOW - 1 }, "The API key is revoked; only an active key can be rotated."],
    ["expired", { expiresAt: NOW - 1 }, "The API key is expired; only an active key can be rotated."],
    [
      "already rotated",
      { replacedBy: keyIdFor(2), expiresAt: NOW + 60_000 },
      `The API key was already rotated (replaced by ${keyIdFor(2)}); rotate its replacement instead.`,
    ],
  ])("refuses a key that is %s as a conflict", async (_, overrides, message) => {
    ddb.on(GetCommand).resolves({ Item: old(overrides) });

    expect(await rotateKey(deps(), "acme", keyIdFor(1), {}, ADMIN)).toEqual({
      ok: false,
      reason: "conflict",
      message,
    });
    expect(ddb).not.toReceiveCommand(TransactWriteCommand);
  });

  it("loses a race to a concurrent rotation as a conflict, after reading the key again", async () => {
    ddb
      .on(GetCommand)
      .resolvesOnce({ Item: old() })
      .resolves({ Item: old({ replacedBy: keyIdFor(2), revokedAt: NOW }) });
    ddb.on(TransactWriteCommand).rejects(cancelled("None", "ConditionalCheckFailed", "None", "None"));

    const outcome = await rotateKey(deps(), "acme", keyIdFor(1), {}, ADMIN);

    expect(outcome).toMatchObject({ ok: false, reason: "conflict" });
    expect(ddb).toReceiveCommandTimes(TransactWriteCommand, 1);
  });

  it("answers not found when the old key vanished between the read and the transaction", async () => {
    ddb.on(GetCommand).resolvesOnce({ Item: old() }).resolves({});
    ddb.on(TransactWriteCommand).rejects(cancelled("None", "ConditionalCheckFailed", "None", "None"));

    expect(await rotateKey(deps(), "acme", keyIdFor(1), {}, ADMIN)).toEqual({
      ok: false,
      reason: "not_found",
    });
  });

  it("rotates on the second read when a PATCH changed the key in between, inheriting the new settings", async () => {
    ddb
      .on(GetCommand)
      .resolvesOnce({ Item: old() })
      .resolves({ Item: old({ scopes: ["accounts:read"], revision: 1 }) });
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled("None", "ConditionalCheckFailed", "None", "None"))
      .resolves({});

    const outcome = await rotateKey(deps(), "acme", keyIdFor(1), {}, ADMIN);

    expect(outcome.ok && outcome.value.scopes).toEqual(["accounts:read"]);
    expect(transaction(2)[1]?.Update?.ExpressionAttributeValues).toMatchObject({
      ":revision": 1,
      ":nextRevision": 2,
    });
  });

  it("throws when the new key's own put fails its condition (an id collision cannot happen)", async () => {
    ddb.on(GetCommand).resolves({ Item: old() });
    ddb.on(TransactWriteCommand).rejects(cancelled("ConditionalCheckFailed", "None", "None", "None"));

    await expect(rotateKey(deps(), "acme", keyIdFor(1), {}, ADMIN)).rejects.toThrow("cannot fail");
  });

  it("answers not found for a missing key", async () => {
    ddb.on(GetCommand).resolves({});

    expect(await rotateKey(deps(), "acme", keyIdFor(1), {}, ADMIN)).toEqual({
      ok: false,
      reason: "not_found",
    });
  });

  it("answers busy when conflicts outlast the retries", async () => {
    ddb.on(GetCommand).resolves({ Item: old() });
    ddb.on(TransactWriteCommand).rejects(cancelled("None", "TransactionConflict", "None", "None"));

    expect(await rotateKey(deps(), "acme", keyIdFor(1), {}, ADMIN)).toEqual({ ok: false, reason: "busy" });
  });
});

describe("findKeyByToken", () => {
  it("finds a key by the token alone, whatever its org, when the full hash matches", async () => {
    ddb
      .on(GetCommand)
      .resolves({ Item: storedKey(1, { pk: VECTOR.id, hash: VECTOR.hash, orgId: "globex" }) });

    const found = await findKeyByToken(deps(), VECTOR.key);

    expect(found).toMatchObject({ id: VECTOR.id, orgId: "globex" });
    expect(ddb).toReceiveCommandWith(GetCommand, { Key: { pk: VECTOR.id }, ConsistentRead: true });
  });

  it("finds nothing for another hash under the same id, a malformed token or a missing item", async () => {
    ddb
      .on(GetCommand)
      .resolvesOnce({ Item: storedKey(1, { pk: VECTOR.id }) })
      .resolves({});

    expect(await findKeyByToken(deps(), VECTOR.key)).toBeUndefined();
    expect(await findKeyByToken(deps(), VECTOR.key)).toBeUndefined();
    expect(await findKeyByToken(deps(), "fynex_k_nope")).toBeUndefined();
    expect(ddb).toReceiveCommandTimes(GetCommand, 2);
  });
});

describe("listAuditEvents", () => {
  const event = (n: number, keyId = keyIdFor(1)) => ({
    orgId: "acme",
    id: `evt_01JXZ${String(n).padStart(21, "0")}`,
    at: "2025-06-17T15:07:42.123Z",
    type: "key.created",
    actor: ADMIN,
    keyId,
    changes: {},
    ttl: auditTtl,
  });

  it("lists newest first without the partition and TTL, with a cursor when more remain", async () => {
    ddb.on(QueryCommand).resolves({
      Items: [event(3), event(2), event(1)],
      LastEvaluatedKey: { orgId: "acme", id: event(1).id },
    });

    const outcome = await listAuditEvents(deps(), "acme", { limit: 2 });

    expect(ddb).toReceiveCommandExactlyOnceWith(QueryCommand, {
      TableName: "audit",
      KeyConditionExpression: "orgId = :orgId",
      ExpressionAttributeValues: { ":orgId": "acme" },
      ScanIndexForward: false,
      Limit: 3,
    });
    if (!outcome.ok) throw new Error("expected a page");
    expect(outcome.value.items).toEqual([
      {
        id: event(3).id,
        at: event(3).at,
        type: "key.created",
        actor: ADMIN,
        keyId: keyIdFor(1),
        changes: {},
      },
      {
        id: event(2).id,
        at: event(2).at,
        type: "key.created",
        actor: ADMIN,
        keyId: keyIdFor(1),
        changes: {},
      },
    ]);
    expect(outcome.value.nextCursor).toBe(encodeCursor("acme", { id: event(2).id }));
  });

  it("resumes after its cursor and filters by key", async () => {
    ddb.on(QueryCommand).resolves({ Items: [event(1, keyIdFor(9))] });

    const outcome = await listAuditEvents(deps(), "acme", {
      limit: 5,
      keyId: keyIdFor(9),
      cursor: encodeCursor("acme", { id: event(2).id }),
    });

    expect(ddb).toReceiveCommandWith(QueryCommand, {
      FilterExpression: "keyId = :keyId",
      ExpressionAttributeValues: { ":orgId": "acme", ":keyId": keyIdFor(9) },
      ExclusiveStartKey: { orgId: "acme", id: event(2).id },
      Limit: 100,
    });
    expect(outcome).toMatchObject({ ok: true, value: { nextCursor: null } });
  });

  it("stops a filtered walk at its read budget with a cursor where it stopped", async () => {
    // Prepare: every page reads 100 events of other keys and says more remain.
    const positionAfter = (page: number) => ({
      orgId: "acme",
      id: `evt_${"0".repeat(24)}${String(page).padStart(2, "0")}`,
    });
    ddb.on(QueryCommand).callsFake(() => ({
      Items: [],
      ScannedCount: 100,
      LastEvaluatedKey: positionAfter(ddb.commandCalls(QueryCommand).length),
    }));

    const outcome = await listAuditEvents(deps(), "acme", { limit: 25, keyId: keyIdFor(9) });

    expect(ddb).toReceiveCommandTimes(QueryCommand, 10);
    expect(outcome).toEqual({
      ok: true,
      value: { items: [], nextCursor: encodeCursor("acme", { id: positionAfter(10).id }) },
    });
  });

  it.each([
    ["garbage", "%%%"],
    ["another org's cursor", encodeCursor("globex", { id: `evt_${"0".repeat(26)}` })],
    [
      "a key list's cursor",
      cursorAt({ orgId: "acme", createdAt: "2025-06-01T00:00:00.000Z", pk: keyIdFor(1) }),
    ],
  ])("refuses %s without querying", async (_, cursor) => {
    expect(await listAuditEvents(deps(), "acme", { limit: 25, cursor })).toEqual({
      ok: false,
      reason: "invalid_cursor",
    });
    expect(ddb).not.toReceiveAnyCommand();
  });
});

describe("listKeys", () => {
  const queryBase = {
    TableName: "keys",
    IndexName: "byOrg",
    KeyConditionExpression: "orgId = :orgId",
    ScanIndexForward: false,
  };
  const positionOf = (n: number) => ({ orgId: "acme", createdAt: storedKey(n).createdAt, pk: keyIdFor(n) });

  it("lists newest first with usage from the base items, and a cursor when more remain", async () => {
    // Prepare: keys 5..3 of the index (newest first) and one more; the base items hold the usage.
    const stored = (n: number) => storedKey(n, { lastUsedAt: NOW - n });
    ddb
      .on(QueryCommand)
      .resolves({ Items: [5, 4, 3, 2].map((n) => indexEntry(stored(n))), LastEvaluatedKey: positionOf(2) });
    ddb.on(BatchGetCommand).resolves({ Responses: { keys: [stored(3), stored(5), stored(4)] } });

    // Act
    const outcome = await listKeys(deps(), "acme", { limit: 3 });

    // Assess
    expect(ddb.commandCalls(QueryCommand).map((call) => call.args[0].input)).toEqual([
      {
        ...queryBase,
        ExpressionAttributeValues: { ":orgId": "acme" },
        Limit: 4,
        ExclusiveStartKey: undefined,
      },
    ]);
    expect(ddb).toReceiveCommandExactlyOnceWith(BatchGetCommand, {
      RequestItems: { keys: { Keys: [5, 4, 3].map((n) => ({ pk: keyIdFor(n) })), ConsistentRead: true } },
    });
    if (!outcome.ok) throw new Error("expected a page");
    expect(outcome.value.items.map((item) => item.id)).toEqual([5, 4, 3].map(keyIdFor));
    expect(outcome.value.items[0]).toMatchObject({
      lastUsedAt: new Date(NOW - 5).toISOString(),
      usage: { count: 7 },
    });
    expect(outcome.value.nextCursor).not.toBeNull();
    expect(positionIn(outcome.value.nextCursor ?? "", "acme")).toEqual(positionOf(3));
  });

  it("answers no cursor when the index ends on this page", async () => {
    ddb.on(QueryCommand).resolves({ Items: [storedKey(2), storedKey(1)].map(indexEntry) });
    ddb.on(BatchGetCommand).resolves({ Responses: { keys: [storedKey(1), storedKey(2)] } });

    const outcome = await listKeys(deps(), "acme", { limit: 2 });

    expect(outcome).toMatchObject({ ok: true, value: { nextCursor: null } });
    expect(outcome.ok && outcome.value.items.map((item) => item.id)).toEqual([keyIdFor(2), keyIdFor(1)]);
  });

  it("walks as many filtered pages as it takes to fill the page", async () => {
    // Prepare: DynamoDB applies Limit before the filter, so pages come back short or empty.
    const revoked = (n: number) => storedKey(n, { revokedAt: NOW - 1000 });
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [indexEntry(revoked(9))], LastEvaluatedKey: positionOf(7) })
      .resolvesOnce({ Items: [], LastEvaluatedKey: positionOf(4) })
      .resolvesOnce({ Items: [revoked(3), revoked(2)].map(indexEntry), LastEvaluatedKey: positionOf(1) });
    ddb.on(BatchGetCommand).resolves({ Responses: { keys: [revoked(9), revoked(3)] } });

    // Act
    const outcome = await listKeys(deps(), "acme", { limit: 2, status: "revoked" });

    // Assess: each page resumes where the previous stopped; the third finds the page's last key and one more.
    const filtered = { ...queryBase, FilterExpression: "attribute_exists(revokedAt)", Limit: 100 };
    expect(ddb.commandCalls(QueryCommand).map((call) => call.args[0].input)).toEqual([
      { ...filtered, ExpressionAttributeValues: { ":orgId": "acme" }, ExclusiveStartKey: undefined },
      { ...filtered, ExpressionAttributeValues: { ":orgId": "acme" }, ExclusiveStartKey: positionOf(7) },
      { ...filtered, ExpressionAttributeValues: { ":orgId": "acme" }, ExclusiveStartKey: positionOf(4) },
    ]);
    if (!outcome.ok) throw new Error("expected a page");
    expect(outcome.value.items.map((item) => [item.id, item.status])).toEqual([
      [keyIdFor(9), "revoked"],
      [keyIdFor(3), "revoked"],
    ]);
    expect(positionIn(outcome.value.nextCursor ?? "", "acme")).toEqual(positionOf(3));
  });

  it("reads one key past a full page to tell whether another page exists", async () => {
    // Prepare: the first page fills the answer exactly; only the second shows that more remain.
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [9, 8].map((n) => indexEntry(storedKey(n))), LastEvaluatedKey: positionOf(5) })
      .resolvesOnce({ Items: [indexEntry(storedKey(4))], LastEvaluatedKey: positionOf(4) });
    ddb.on(BatchGetCommand).resolves({ Responses: { keys: [storedKey(8), storedKey(9)] } });

    const outcome = await listKeys(deps(), "acme", { limit: 2, status: "active" });

    expect(ddb).toReceiveCommandTimes(QueryCommand, 2);
    expect(ddb).toReceiveNthCommandWith(QueryCommand, 2, { ExclusiveStartKey: positionOf(5) });
    if (!outcome.ok) throw new Error("expected a page");
    expect(outcome.value.items.map((item) => item.id)).toEqual([keyIdFor(9), keyIdFor(8)]);
    expect(positionIn(outcome.value.nextCursor ?? "", "acme")).toEqual(positionOf(8));
  });

  it("filters expired and active keys against the clock", async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });

    await listKeys(deps(), "acme", { limit: 25, status: "expired" });
    await listKeys(deps(), "acme", { limit: 25, status: "active" });

    const inputs = ddb.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(inputs.map((input) => [input.FilterExpression, input.ExpressionAttributeValues])).toEqual([
      ["attribute_not_exists(revokedAt) AND expiresAt <= :now", { ":orgId": "acme", ":now": NOW }],
      [
        "attribute_not_exists(revokedAt) AND (attribute_not_exists(expiresAt) OR expiresAt > :now)",
        { ":orgId": "acme", ":now": NOW },
      ],
    ]);
    expect(ddb).not.toReceiveCommand(BatchGetCommand);
  });

  it("skips keys that vanished since the index was read, keeping the order", async () => {
    ddb.on(QueryCommand).resolves({ Items: [3, 2, 1].map((n) => indexEntry(storedKey(n))) });
    ddb.on(BatchGetCommand).resolves({ Responses: { keys: [storedKey(1), storedKey(3)] } });

    const outcome = await listKeys(deps(), "acme", { limit: 25 });

    expect(outcome.ok && outcome.value.items.map((item) => item.id)).toEqual([keyIdFor(3), keyIdFor(1)]);
  });

  it("retries the keys a batch read left unprocessed, backing off", async () => {
    const pause = vi.fn(async (_ms: number) => undefined);
    ddb.on(QueryCommand).resolves({ Items: [2, 1].map((n) => indexEntry(storedKey(n))) });
    ddb
      .on(BatchGetCommand)
      .resolvesOnce({
        Responses: { keys: [storedKey(2)] },
        UnprocessedKeys: { keys: { Keys: [{ pk: keyIdFor(1) }], ConsistentRead: true } },
      })
      .resolves({ Responses: { keys: [storedKey(1)] } });

    const outcome = await listKeys(deps({ pause }), "acme", { limit: 25 });

    expect(ddb).toReceiveNthCommandWith(BatchGetCommand, 2, {
      RequestItems: { keys: { Keys: [{ pk: keyIdFor(1) }], ConsistentRead: true } },
    });
    expect(pause).toHaveBeenCalledExactlyOnceWith(50);
    expect(outcome.ok && outcome.value.items.map((item) => item.id)).toEqual([keyIdFor(2), keyIdFor(1)]);
  });

  it("fails rather than answer a partial page when reads stay unprocessed", async () => {
    ddb.on(QueryCommand).resolves({ Items: [indexEntry(storedKey(1))] });
    ddb.on(BatchGetCommand).resolves({ UnprocessedKeys: { keys: { Keys: [{ pk: keyIdFor(1) }] } } });

    await expect(listKeys(deps(), "acme", { limit: 25 })).rejects.toThrow("unprocessed");
    expect(ddb).toReceiveCommandTimes(BatchGetCommand, 5);
  });

  it("resumes after the position its cursor names", async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });

    await listKeys(deps(), "acme", { limit: 10, cursor: cursorAt(positionOf(3)) });

    expect(ddb).toReceiveCommandWith(QueryCommand, { ExclusiveStartKey: positionOf(3), Limit: 11 });
  });

  it.each([
    ["not base64url", "%%%"],
    ["not JSON", Buffer.from("{pk:").toString("base64url")],
    ["the wrong shape", Buffer.from(JSON.stringify({ pk: keyIdFor(1) })).toString("base64url")],
    ["extra fields", Buffer.from(JSON.stringify({ ...positionOf(1), IndexName: "x" })).toString("base64url")],
    ["a bad key id", cursorAt({ ...positionOf(1), pk: "nope" })],
    ["a tampered character", cursorAt(positionOf(1)).replace(/^./, (c) => (c === "A" ? "B" : "A"))],
  ])("refuses a cursor with %s, without querying", async (_, cursor) => {
    expect(await listKeys(deps(), "acme", { limit: 25, cursor })).toEqual({
      ok: false,
      reason: "invalid_cursor",
    });
    expect(ddb).not.toReceiveAnyCommand();
  });

  it("refuses another org's cursor, without querying", async () => {
    const foreign = cursorAt({ ...positionOf(1), orgId: "globex" });

    expect(await listKeys(deps(), "acme", { limit: 25, cursor: foreign })).toEqual({
      ok: false,
      reason: "invalid_cursor",
    });
    expect(ddb).not.toReceiveAnyCommand();
  });
});
