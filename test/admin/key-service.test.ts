import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { allCustomMatcherWithAliases } from "aws-sdk-client-mock-vitest";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createKey, getKey, type KeyServiceDeps, listKeys, revokeKey } from "../../lambdas/admin/key-service";
import { ttlFor } from "../../lambdas/shared/key-record";
import { digestKey } from "../../lambdas/shared/keys";
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
    clock: () => NOW,
    settings: { rateLimit: 100, rateWindowSeconds: 900 },
    random: () => VECTOR.random,
    pause: async () => undefined,
    ...overrides,
  };
}

const conditionFailed = () =>
  new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} });

describe("createKey", () => {
  it("stores exactly the key item: hash and hint, never the key", async () => {
    // Prepare
    ddb.on(PutCommand).resolves({});

    // Act
    const outcome = await createKey(
      deps(),
      "acme",
      { name: "Billing sync", scopes: ["accounts:read", "export"] },
      "arn:aws:sts::123456789012:assumed-role/Admin/alice",
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
      createdBy: "arn:aws:sts::123456789012:assumed-role/Admin/alice",
      windowStart: WINDOW_START,
      windowCount: 0,
    };
    expect(ddb).toReceiveCommandExactlyOnceWith(PutCommand, {
      TableName: "keys",
      Item: item,
      ConditionExpression: "attribute_not_exists(pk)",
    });
    const sent = ddb.commandCalls(PutCommand)[0]?.args[0].input;
    expect(sent).toEqual({ TableName: "keys", Item: item, ConditionExpression: "attribute_not_exists(pk)" });
    expect(JSON.stringify(sent)).not.toContain(VECTOR.key);
    expect(ddb.calls()).toHaveLength(1);
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
        createdBy: "arn:aws:sts::123456789012:assumed-role/Admin/alice",
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

  it("sets the TTL from expiresAt plus 90 days when the key expires", async () => {
    ddb.on(PutCommand).resolves({});
    const expiresAt = Date.parse("2025-07-01T00:00:00Z");

    const outcome = await createKey(
      deps(),
      "acme",
      { name: "Temp", scopes: ["import"], expiresAt },
      "direct-invoke",
    );

    expect(ddb).toReceiveCommandWith(PutCommand, {
      Item: expect.objectContaining({ expiresAt, ttl: expiresAt / 1000 + 90 * 24 * 3600 }),
    });
    expect(outcome.ok && outcome.value.expiresAt).toBe("2025-07-01T00:00:00.000Z");
  });

  it("makes a fresh crypto-random key whose id is derived from it", async () => {
    ddb.on(PutCommand).resolves({});

    const outcome = await createKey(
      deps({ random: undefined }),
      "acme",
      { name: "n", scopes: ["export"] },
      "a",
    );

    if (!outcome.ok) throw new Error("expected a created key");
    expect(outcome.value.key).toMatch(KEY_PATTERN);
    expect(outcome.value.key).not.toBe(VECTOR.key);
    expect(digestKey(outcome.value.key).id).toBe(outcome.value.id);
  });

  it("lets a storage failure through, without the key in it", async () => {
    ddb.on(PutCommand).rejects(new Error("ProvisionedThroughputExceededException"));

    await expect(createKey(deps(), "acme", { name: "n", scopes: ["export"] }, "a")).rejects.toThrow(
      "ProvisionedThroughputExceededException",
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

  it("revokes a live key in one conditional update", async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: storedKey(1, { revokedAt: NOW, ttl: ttlFor(NOW) }) });

    const outcome = await revokeKey(deps(), "acme", keyIdFor(1));

    expect(ddb.calls()).toHaveLength(1);
    expect(ddb.commandCalls(UpdateCommand)[0]?.args[0].input).toEqual({
      TableName: "keys",
      Key: { pk: keyIdFor(1) },
      UpdateExpression: "SET revokedAt = :now, #ttl = :ttl",
      ConditionExpression: liveCondition,
      ExpressionAttributeNames: { "#ttl": "ttl" },
      ExpressionAttributeValues: { ":now": NOW, ":orgId": "acme", ":ttl": ttlFor(NOW) },
      ReturnValues: "ALL_NEW",
    });
    expect(outcome.ok && outcome.value).toMatchObject({
      status: "revoked",
      revokedAt: "2025-06-17T15:07:42.123Z",
    });
  });

  it("answers a second revoke with the first one's revokedAt", async () => {
    let clock = NOW;
    ddb
      .on(UpdateCommand)
      .resolvesOnce({ Attributes: storedKey(1, { revokedAt: NOW, ttl: ttlFor(NOW) }) })
      .rejects(conditionFailed());
    ddb.on(GetCommand).resolves({ Item: storedKey(1, { revokedAt: NOW, ttl: ttlFor(NOW) }) });

    const first = await revokeKey(deps({ clock: () => clock }), "acme", keyIdFor(1));
    clock = NOW + 60_000;
    const second = await revokeKey(deps({ clock: () => clock }), "acme", keyIdFor(1));

    expect(first.ok && first.value.revokedAt).toBe("2025-06-17T15:07:42.123Z");
    expect(second).toEqual(first);
    expect(ddb).toReceiveCommandTimes(UpdateCommand, 2);
    expect(ddb).toReceiveCommandWith(GetCommand, { Key: { pk: keyIdFor(1) }, ConsistentRead: true });
  });

  it("answers not found for a missing key, and creates nothing", async () => {
    ddb.on(UpdateCommand).rejects(conditionFailed());
    ddb.on(GetCommand).resolves({});

    expect(await revokeKey(deps(), "acme", keyIdFor(1))).toEqual({ ok: false, reason: "not_found" });
    expect(ddb).toReceiveCommandTimes(UpdateCommand, 1);
  });

  it("answers not found for another org's key and leaves it alone", async () => {
    ddb.on(UpdateCommand).rejects(conditionFailed());
    ddb.on(GetCommand).resolves({ Item: storedKey(1, { orgId: "globex" }) });

    expect(await revokeKey(deps(), "acme", keyIdFor(1))).toEqual({ ok: false, reason: "not_found" });
    expect(ddb).toReceiveCommandTimes(UpdateCommand, 1);
  });

  it("counts the TTL of an already expired key from its expiry", async () => {
    const expiresAt = NOW - 3_600_000;
    ddb
      .on(UpdateCommand)
      .rejectsOnce(conditionFailed())
      .resolves({ Attributes: storedKey(1, { expiresAt, revokedAt: NOW, ttl: ttlFor(expiresAt) }) });
    ddb.on(GetCommand).resolves({ Item: storedKey(1, { expiresAt, ttl: ttlFor(expiresAt) }) });

    const outcome = await revokeKey(deps(), "acme", keyIdFor(1));

    expect(ddb).toReceiveNthCommandWith(UpdateCommand, 2, {
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

  it("gives up with an error when the key keeps changing under it", async () => {
    ddb.on(UpdateCommand).rejects(conditionFailed());
    ddb.on(GetCommand).resolves({ Item: storedKey(1) });

    await expect(revokeKey(deps(), "acme", keyIdFor(1))).rejects.toThrow("kept losing races");
    expect(ddb).toReceiveCommandTimes(UpdateCommand, 3);
  });

  it("answers not found for a malformed id without asking DynamoDB", async () => {
    expect(await revokeKey(deps(), "acme", "key_../../etc")).toEqual({ ok: false, reason: "not_found" });
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
