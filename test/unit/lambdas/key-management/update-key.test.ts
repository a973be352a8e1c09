import { GetCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { updateKey } from "../../../../lambdas/key-management/update-key";
import { keyIdFor, NOW, storedKey } from "./helpers";
import { givenPolicy } from "./policy-reads";
import {
  ADMIN,
  auditPuts,
  cancelled,
  conflictOver,
  ddb,
  deps,
  KEY_NOT_FOUND,
  transaction,
  useVerbTestSetup,
} from "./verb-support";

/** `updateKey` (lambdas/key-management/update-key.ts). */
useVerbTestSetup();

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
          ConditionExpression: "attribute_not_exists(id)",
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
      // The org's key policy is still none set (API.md §12).
      {
        ConditionCheck: {
          TableName: "keys",
          Key: { pk: "KEY_POLICY#acme" },
          ConditionExpression: "attribute_not_exists(pk)",
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

    expect(await updateKey(deps(), "acme", keyIdFor(1), { name: "x" }, ADMIN)).toEqual(
      conflictOver(`The API key is ${status}; only an active key can be changed.`),
    );
    expect(ddb).not.toReceiveCommand(TransactWriteCommand);
  });

  it("answers not found for another org's key", async () => {
    ddb.on(GetCommand).resolves({ Item: live({ orgId: "globex" }) });

    expect(await updateKey(deps(), "acme", keyIdFor(1), { name: "x" }, ADMIN)).toEqual(KEY_NOT_FOUND);
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

    expect(await updateKey(deps(), "acme", keyIdFor(1), { name: "x" }, ADMIN)).toEqual(KEY_NOT_FOUND);
  });

  it("decides again from a fresh read when another change won the race", async () => {
    ddb
      .on(GetCommand)
      .resolvesOnce({ Item: live() })
      .resolves({ Item: live({ revokedAt: NOW - 1 }) });
    ddb.on(TransactWriteCommand).rejects(cancelled("ConditionalCheckFailed", "None"));

    const outcome = await updateKey(deps(), "acme", keyIdFor(1), { name: "x" }, ADMIN);

    expect(outcome).toMatchObject({ ok: false, failure: { kind: "conflict" } });
    expect(ddb).toReceiveCommandTimes(GetCommand, 2);
  });
});

describe("updateKey: scopes sent with duplicates", () => {
  it("folds them before comparing and storing: the same set again is no change, a new one is stored once", async () => {
    // Prepare
    ddb.on(GetCommand).resolves({ Item: storedKey(1, { scopes: ["accounts:read", "export"] }) });
    ddb.on(TransactWriteCommand).resolves({});

    // Act
    const same = await updateKey(
      deps(),
      "acme",
      keyIdFor(1),
      { scopes: ["export", "accounts:read", "export"] },
      ADMIN,
    );
    const sentNothing = ddb.commandCalls(TransactWriteCommand).length;
    const changed = await updateKey(deps(), "acme", keyIdFor(1), { scopes: ["import", "import"] }, ADMIN);

    // Assess
    expect(same).toMatchObject({ ok: true, value: { scopes: ["accounts:read", "export"] } });
    expect(sentNothing).toBe(0);
    expect(changed).toMatchObject({ ok: true, value: { scopes: ["import"] } });
    expect(transaction()[0]?.Update?.ExpressionAttributeValues?.[":scopes"]).toEqual(["import"]);
    expect(auditPuts()[0]?.changes).toEqual({
      scopes: { from: ["accounts:read", "export"], to: ["import"] },
    });
  });
});

describe("updateKey under a key policy (API.md §12)", () => {
  const STRICT = {
    maxLifetimeDays: 30,
    allowedScopes: ["export" as const],
    requireAllowlist: true,
    rotateAfterDays: null,
  };

  it("renames a key that breaks the policy: only the fields sent are checked", async () => {
    // Prepare
    givenPolicy(STRICT);
    ddb.on(GetCommand).resolves({ Item: storedKey(1, { scopes: ["import"] }) });
    ddb.on(TransactWriteCommand).resolves({});

    // Act
    const outcome = await updateKey(deps(), "acme", keyIdFor(1), { name: "Renamed" }, ADMIN);

    // Assess
    expect(outcome.ok).toBe(true);
  });

  it("refuses scopes outside the policy and removing a required allowlist, writing nothing", async () => {
    // Prepare
    givenPolicy(STRICT);
    ddb.on(GetCommand).resolves({ Item: storedKey(1, { allowedIps: ["192.0.2.1"] }) });

    // Act
    const outcome = await updateKey(
      deps(),
      "acme",
      keyIdFor(1),
      { scopes: ["import", "export"], allowedIps: null },
      ADMIN,
    );

    // Assess
    expect(outcome).toMatchObject({
      ok: false,
      failure: { kind: "invalid_input", problems: [{ path: ["scopes", 0] }, { path: ["allowedIps"] }] },
    });
    expect(ddb).not.toReceiveCommand(TransactWriteCommand);
  });
});
