import { GetCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { revokeKey } from "../../../../lambdas/key-management/revoke-key";
import { ttlFor } from "../../../../lambdas/shared/api-keys/key-record";
import { keyIdFor, NOW, storedKey } from "./helpers";
import {
  ADMIN,
  auditPuts,
  auditTtl,
  BUSY,
  cancelled,
  ddb,
  deps,
  EVENT_ID,
  KEY_NOT_FOUND,
  transaction,
  useVerbTestSetup,
} from "./verb-support";

/** `revokeKey` (lambdas/key-management/revoke-key.ts). */
useVerbTestSetup();

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
          ConditionExpression: "attribute_not_exists(id)",
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

    expect(await revokeKey(deps(), "acme", keyIdFor(1), ADMIN)).toEqual(KEY_NOT_FOUND);
    expect(await revokeKey(deps(), "acme", keyIdFor(1), ADMIN)).toEqual(KEY_NOT_FOUND);
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

  it("throws busy when conflicts outlast the retries", async () => {
    ddb.on(GetCommand).resolves({ Item: storedKey(1) });
    ddb.on(TransactWriteCommand).rejects(cancelled("TransactionConflict", "None"));

    await expect(revokeKey(deps(), "acme", keyIdFor(1), ADMIN)).rejects.toEqual(BUSY);
  });

  it("answers not found for a malformed id without asking DynamoDB", async () => {
    expect(await revokeKey(deps(), "acme", "key_../../etc", ADMIN)).toEqual(KEY_NOT_FOUND);
    expect(ddb).not.toReceiveAnyCommand();
  });
});
