import { GetCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { rotateKey } from "../../../../lambdas/key-management/rotate-key";
import { ttlFor } from "../../../../lambdas/shared/api-keys/key-record";
import { keyIdFor, NOW, storedKey, VECTOR, WINDOW_START } from "./helpers";
import { givenPolicy } from "./policy-reads";
import {
  ADMIN,
  auditPuts,
  BUSY,
  cancelled,
  conflictOver,
  ddb,
  deps,
  KEY_NOT_FOUND,
  transaction,
  useVerbTestSetup,
} from "./verb-support";

/** `rotateKey` (lambdas/key-management/rotate-key.ts). */
useVerbTestSetup();

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
    // The new key, the old one, two events, the org's active-key counter (unconditional), and the
    // check that the org's key policy is still the one read (none set).
    expect(items).toHaveLength(6);
    expect(items[5]?.ConditionCheck).toEqual({
      TableName: "keys",
      Key: { pk: "KEY_POLICY#acme" },
      ConditionExpression: "attribute_not_exists(pk)",
    });
    expect(items[4]?.Update).toEqual({
      TableName: "keys",
      Key: { pk: "ACTIVE_KEYS#acme" },
      UpdateExpression: "ADD activeKeys :one",
      ExpressionAttributeValues: { ":one": 1 },
    });
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
        counted: 1,
        // Its rotation reminder, under the default policy's 90 days (API.md §12).
        rotationDueDay: "2025-09-15",
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
        // The grace sets the expiry: the old key leaves the expiry reminders' index (API.md §11).
        "SET replacedBy = :replacedBy, expiresAt = :expiresAt, #ttl = :ttl, #revision = :nextRevision REMOVE expiryDay",
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

    expect(await rotateKey(deps(), "acme", keyIdFor(1), {}, ADMIN)).toEqual(conflictOver(message));
    expect(ddb).not.toReceiveCommand(TransactWriteCommand);
  });

  it("loses a race to a concurrent rotation as a conflict, after reading the key again", async () => {
    ddb
      .on(GetCommand)
      .resolvesOnce({ Item: old() })
      .resolves({ Item: old({ replacedBy: keyIdFor(2), revokedAt: NOW }) });
    ddb.on(TransactWriteCommand).rejects(cancelled("None", "ConditionalCheckFailed", "None", "None"));

    const outcome = await rotateKey(deps(), "acme", keyIdFor(1), {}, ADMIN);

    expect(outcome).toMatchObject({ ok: false, failure: { kind: "conflict" } });
    expect(ddb).toReceiveCommandTimes(TransactWriteCommand, 1);
  });

  it("answers not found when the old key vanished between the read and the transaction", async () => {
    ddb.on(GetCommand).resolvesOnce({ Item: old() }).resolves({});
    ddb.on(TransactWriteCommand).rejects(cancelled("None", "ConditionalCheckFailed", "None", "None"));

    expect(await rotateKey(deps(), "acme", keyIdFor(1), {}, ADMIN)).toEqual(KEY_NOT_FOUND);
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

    expect(await rotateKey(deps(), "acme", keyIdFor(1), {}, ADMIN)).toEqual(KEY_NOT_FOUND);
  });

  it("throws busy when conflicts outlast the retries", async () => {
    ddb.on(GetCommand).resolves({ Item: old() });
    ddb.on(TransactWriteCommand).rejects(cancelled("None", "TransactionConflict", "None", "None"));

    await expect(rotateKey(deps(), "acme", keyIdFor(1), {}, ADMIN)).rejects.toEqual(BUSY);
  });
});

describe("rotateKey under a key policy (API.md §12)", () => {
  const OPEN = { maxLifetimeDays: null, allowedScopes: null, requireAllowlist: false, rotateAfterDays: null };
  const DAY = 86_400_000;

  it("gives the new key now plus maxLifetimeDays when the body names no expiresAt, whatever the old key's", async () => {
    // Prepare
    givenPolicy({ ...OPEN, maxLifetimeDays: 30 });
    ddb.on(GetCommand).resolves({ Item: storedKey(1, { expiresAt: NOW + 365 * DAY }) });
    ddb.on(TransactWriteCommand).resolves({});

    // Act
    const outcome = await rotateKey(deps(), "acme", keyIdFor(1), {}, ADMIN);

    // Assess
    expect(outcome.ok && outcome.value.expiresAt).toBe(new Date(NOW + 30 * DAY).toISOString());
    expect(transaction()[0]?.Put?.Item).toMatchObject({ expiresAt: NOW + 30 * DAY });
  });

  it("refuses an expiresAt past the maximum, and inherited scopes or a missing allowlist the policy forbids", async () => {
    // Prepare
    givenPolicy({
      maxLifetimeDays: 30,
      allowedScopes: ["import"],
      requireAllowlist: true,
      rotateAfterDays: null,
    });
    ddb.on(GetCommand).resolves({ Item: storedKey(1, { scopes: ["import", "export"] }) });

    // Act
    const outcome = await rotateKey(deps(), "acme", keyIdFor(1), { expiresAt: NOW + 31 * DAY }, ADMIN);

    // Assess
    expect(outcome).toMatchObject({
      ok: false,
      failure: {
        kind: "invalid_input",
        problems: [{ path: ["expiresAt"] }, { path: ["scopes", 1] }, { path: ["allowedIps"] }],
      },
    });
    expect(ddb).not.toReceiveCommand(TransactWriteCommand);
  });
});
