import { BatchGetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it, vi } from "vitest";
import { listKeys } from "../../../../lambdas/key-management/list-keys";
import { cursorAt, indexEntry, keyIdFor, NOW, positionIn, storedKey } from "./helpers";
import { ddb, deps, INVALID_CURSOR, testRetry, useVerbTestSetup } from "./verb-support";

/** `listKeys` (lambdas/key-management/list-keys.ts). */
useVerbTestSetup();

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
    // Prepare: index pages may hold few matching keys, or none.
    const revoked = (n: number) => storedKey(n, { revokedAt: NOW - 1000 });
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [indexEntry(revoked(9))], LastEvaluatedKey: positionOf(7) })
      .resolvesOnce({ Items: [], LastEvaluatedKey: positionOf(4) })
      .resolvesOnce({ Items: [revoked(3), revoked(2)].map(indexEntry), LastEvaluatedKey: positionOf(1) });
    ddb.on(BatchGetCommand).resolves({ Responses: { keys: [revoked(9), revoked(3), revoked(2)] } });

    // Act
    const outcome = await listKeys(deps(), "acme", { limit: 2, status: "revoked" });

    // Assess: each page resumes where the previous stopped; the third finds the page's last key and one more.
    // No filter on the lagging index: the base items decide (see the stale-index test below).
    const filtered = { ...queryBase, Limit: 100 };
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
    expect(positionIn(outcome.value.nextCursor ?? "", "acme")).toEqual({
      ...positionOf(3),
      filter: "status=revoked",
    });
  });

  it("reads one key past a full page to tell whether another page exists", async () => {
    // Prepare: the first page fills the answer exactly; only the second shows that more remain.
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [9, 8].map((n) => indexEntry(storedKey(n))), LastEvaluatedKey: positionOf(5) })
      .resolvesOnce({ Items: [indexEntry(storedKey(4))], LastEvaluatedKey: positionOf(4) });
    ddb.on(BatchGetCommand).resolves({ Responses: { keys: [storedKey(8), storedKey(9), storedKey(4)] } });

    const outcome = await listKeys(deps(), "acme", { limit: 2, status: "active" });

    expect(ddb).toReceiveCommandTimes(QueryCommand, 2);
    expect(ddb).toReceiveNthCommandWith(QueryCommand, 2, { ExclusiveStartKey: positionOf(5) });
    if (!outcome.ok) throw new Error("expected a page");
    expect(outcome.value.items.map((item) => item.id)).toEqual([keyIdFor(9), keyIdFor(8)]);
    expect(positionIn(outcome.value.nextCursor ?? "", "acme")).toEqual({
      ...positionOf(8),
      filter: "status=active",
    });
  });

  it("filters expired and active keys against the clock", async () => {
    // Prepare: key 3 expires a millisecond from now, key 2 expired right now, key 1 never expires.
    const keys = [storedKey(3, { expiresAt: NOW + 1 }), storedKey(2, { expiresAt: NOW }), storedKey(1)];
    ddb.on(QueryCommand).resolves({ Items: keys.map(indexEntry) });
    ddb.on(BatchGetCommand).resolves({ Responses: { keys } });

    const expired = await listKeys(deps(), "acme", { limit: 25, status: "expired" });
    const active = await listKeys(deps(), "acme", { limit: 25, status: "active" });

    expect(expired.ok && expired.value.items.map((item) => item.id)).toEqual([keyIdFor(2)]);
    expect(active.ok && active.value.items.map((item) => item.id)).toEqual([keyIdFor(3), keyIdFor(1)]);
  });

  it("lists under ?status=active no key the lagging index still has as active but is revoked", async () => {
    // Prepare: the index entry of key 2 predates its revocation; its base item (read consistently) does not.
    ddb.on(QueryCommand).resolves({ Items: [storedKey(2), storedKey(1)].map(indexEntry) });
    ddb.on(BatchGetCommand).resolves({
      Responses: { keys: [storedKey(2, { revokedAt: NOW - 100 }), storedKey(1)] },
    });

    const outcome = await listKeys(deps(), "acme", { limit: 25, status: "active" });

    expect(outcome.ok && outcome.value.items.map((item) => [item.id, item.status])).toEqual([
      [keyIdFor(1), "active"],
    ]);
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

    const outcome = await listKeys(deps({ retry: testRetry(pause) }), "acme", { limit: 25 });

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
    expect(await listKeys(deps(), "acme", { limit: 25, cursor })).toEqual(INVALID_CURSOR);
    expect(ddb).not.toReceiveAnyCommand();
  });

  it("refuses another org's cursor, without querying", async () => {
    const foreign = cursorAt({ ...positionOf(1), orgId: "globex" });

    expect(await listKeys(deps(), "acme", { limit: 25, cursor: foreign })).toEqual(INVALID_CURSOR);
    expect(ddb).not.toReceiveAnyCommand();
  });
});
