import { BatchGetCommand, GetCommand, QueryCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { ROUTES } from "../../../../contract/routes";
import { ttlFor } from "../../../../lambdas/shared/api-keys/key-record";
import {
  auditPuts,
  CONDITION,
  cancelled,
  createRequest,
  ddb,
  http,
  json,
  NONE,
  positionOf,
  setClock,
  transaction,
  useDoorTestSetup,
} from "./door-support";
import {
  type AdminRequest,
  cursorAt,
  FIXTURE_REQUEST_ID,
  FIXTURE_USER_ARN,
  indexEntry,
  KEY_RESOURCE,
  KEYS_RESOURCE,
  keyIdFor,
  NOW,
  REVOKE_RESOURCE,
  ROTATE_RESOURCE,
  storedKey,
} from "./helpers";

/** The admin door (API Gateway, IAM): reading, revoking and listing keys, and routing. */
useDoorTestSetup();

describe("GET /admin/v1/orgs/{orgId}/api-keys/{keyId}", () => {
  const getRequest = (keyId: string, orgId = "acme"): AdminRequest => ({
    method: "GET",
    resource: KEY_RESOURCE,
    pathParameters: { orgId, keyId },
  });

  it("answers the key with its usage", async () => {
    ddb.on(GetCommand).resolves({ Item: storedKey(1, { lastUsedAt: NOW - 5000 }) });

    const result = await http(getRequest(keyIdFor(1)));

    expect(result.statusCode).toBe(200);
    expect(json(result)).toMatchObject({
      id: keyIdFor(1),
      status: "active",
      lastUsedAt: "2025-06-17T15:07:37.123Z",
      usage: { windowStart: "2025-06-17T15:00:00.000Z", count: 7 },
    });
    expect(ddb).toReceiveCommandExactlyOnceWith(GetCommand, {
      TableName: "keys",
      Key: { pk: keyIdFor(1) },
      ConsistentRead: true,
    });
  });

  it("answers 404 for another org's key", async () => {
    ddb.on(GetCommand).resolves({ Item: storedKey(1, { orgId: "globex" }) });

    const result = await http(getRequest(keyIdFor(1)));

    expect(result.statusCode).toBe(404);
    expect(json(result)).toEqual({
      error: {
        code: "not_found",
        message: "The API key was not found.",
        requestId: FIXTURE_REQUEST_ID,
        details: [],
      },
    });
    expect(result.body).not.toContain("globex");
  });

  it("answers 404 for an id that is not a key id, without a database call", async () => {
    const result = await http(getRequest("key_short"));

    expect(result.statusCode).toBe(404);
    expect(ddb).not.toReceiveAnyCommand();
  });
});

describe("POST /admin/v1/orgs/{orgId}/api-keys/{keyId}/revoke", () => {
  const revokeRequest = (keyId: string, body?: string): AdminRequest => ({
    method: "POST",
    resource: REVOKE_RESOURCE,
    pathParameters: { orgId: "acme", keyId },
    ...(body === undefined ? {} : { body, contentType: "application/json" }),
  });

  it("revokes with no body; a second revoke answers the same revokedAt", async () => {
    // Prepare: the first revoke finds the key live; the second finds it revoked.
    const revoked = storedKey(1, { revokedAt: NOW, ttl: ttlFor(NOW) });
    ddb.on(TransactWriteCommand).resolves({});
    ddb
      .on(GetCommand)
      .resolvesOnce({ Item: storedKey(1) })
      .resolves({ Item: revoked });

    // Act
    const first = await http(revokeRequest(keyIdFor(1)));
    setClock(NOW + 90_000);
    const second = await http(revokeRequest(keyIdFor(1), "{}"));

    // Assess
    expect([first.statusCode, second.statusCode]).toEqual([200, 200]);
    expect(json(first)).toMatchObject({ status: "revoked", revokedAt: "2025-06-17T15:07:42.123Z" });
    expect(json(second).revokedAt).toBe(json(first).revokedAt);
    expect(ddb).toReceiveCommandTimes(TransactWriteCommand, 1);
    expect(transaction()[0]?.Update).toMatchObject({
      Key: { pk: keyIdFor(1) },
      ExpressionAttributeValues: { ":now": NOW, ":orgId": "acme", ":ttl": ttlFor(NOW) },
    });
    expect(auditPuts()).toEqual([
      expect.objectContaining({ type: "key.revoked", actor: FIXTURE_USER_ARN, keyId: keyIdFor(1) }),
    ]);
  });

  it("answers 404 for a key that is not there", async () => {
    ddb.on(GetCommand).resolves({});

    const result = await http(revokeRequest(keyIdFor(1)));

    expect([result.statusCode, json(result).error.code]).toEqual([404, "not_found"]);
  });

  it("answers 404 when the key vanished between its read and the revoke's transaction", async () => {
    ddb
      .on(GetCommand)
      .resolvesOnce({ Item: storedKey(1) })
      .resolves({});
    ddb.on(TransactWriteCommand).rejects(cancelled(CONDITION, NONE));

    const result = await http(revokeRequest(keyIdFor(1)));

    expect([result.statusCode, json(result).error.code]).toEqual([404, "not_found"]);
  });

  it("answers a DynamoDB failure with a bare 500", async () => {
    ddb.on(GetCommand).resolves({ Item: storedKey(1) });
    ddb.on(TransactWriteCommand).rejects(cancelled(NONE, { Code: "ValidationError" }));

    const result = await http(revokeRequest(keyIdFor(1)));

    expect([result.statusCode, json(result).error]).toEqual([
      500,
      {
        code: "internal_error",
        message: "Something went wrong on our side.",
        requestId: FIXTURE_REQUEST_ID,
        details: [],
      },
    ]);
  });

  it("refuses a body field it does not know", async () => {
    const result = await http(revokeRequest(keyIdFor(1), JSON.stringify({ reason: "leaked" })));

    expect([result.statusCode, json(result).error.details]).toEqual([
      400,
      [{ path: "reason", message: "Unknown field." }],
    ]);
    expect(ddb).not.toReceiveAnyCommand();
  });
});

describe("GET /admin/v1/orgs/{orgId}/api-keys", () => {
  const listRequest = (query: Record<string, string | string[]> = {}, orgId = "acme"): AdminRequest => ({
    method: "GET",
    resource: KEYS_RESOURCE,
    pathParameters: { orgId },
    query,
  });

  it("lists a filtered page that takes several queries, and its cursor resumes after it", async () => {
    // Prepare
    const expired = (n: number) => storedKey(n, { expiresAt: NOW - 1 });
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [], LastEvaluatedKey: positionOf(8) })
      .resolvesOnce({ Items: [indexEntry(expired(6))], LastEvaluatedKey: positionOf(5) })
      .resolvesOnce({ Items: [expired(4), expired(2)].map(indexEntry), LastEvaluatedKey: positionOf(2) })
      .resolves({ Items: [] });
    ddb.on(BatchGetCommand).resolves({ Responses: { keys: [expired(2), expired(4), expired(6)] } });

    // Act
    const first = await http(listRequest({ status: "expired", limit: "2" }));

    // Assess
    expect(first.statusCode).toBe(200);
    const page = json(first);
    expect(page.items.map((item: { id: string; status: string }) => [item.id, item.status])).toEqual([
      [keyIdFor(6), "expired"],
      [keyIdFor(4), "expired"],
    ]);
    expect(page.nextCursor).toEqual(expect.any(String));
    expect(ddb).toReceiveCommandTimes(QueryCommand, 3);
    expect(ddb).toReceiveNthCommandWith(QueryCommand, 3, {
      ExpressionAttributeValues: { ":orgId": "acme" },
      ExclusiveStartKey: positionOf(5),
    });
    // The lagging index only orders: the base items, read consistently, decide what is listed.
    const filters = ddb.commandCalls(QueryCommand).map((call) => call.args[0].input.FilterExpression);
    expect(filters).toEqual([undefined, undefined, undefined]);

    // Act: the next page starts after the last key of this one.
    const second = await http(listRequest({ status: "expired", limit: "2", cursor: page.nextCursor }));

    expect(second.statusCode).toBe(200);
    expect(json(second)).toEqual({ items: [], nextCursor: null });
    expect(ddb).toReceiveNthCommandWith(QueryCommand, 4, { ExclusiveStartKey: positionOf(4) });
  });

  it("lists under ?status=active no key revoked since the index was written, and shows what it filtered on", async () => {
    // Prepare: the index still has key 3 as active (no revokedAt yet); its base item is revoked.
    const revoked = storedKey(3, { revokedAt: NOW - 500 });
    ddb.on(QueryCommand).resolves({ Items: [storedKey(3), storedKey(2), storedKey(1)].map(indexEntry) });
    ddb.on(BatchGetCommand).resolves({ Responses: { keys: [revoked, storedKey(2), storedKey(1)] } });

    // Act
    const active = json(await http(listRequest({ status: "active" })));
    const revokedList = json(await http(listRequest({ status: "revoked" })));

    // Assess
    expect(active.items.map((item: { id: string; status: string }) => [item.id, item.status])).toEqual([
      [keyIdFor(2), "active"],
      [keyIdFor(1), "active"],
    ]);
    expect(revokedList.items.map((item: { id: string; status: string }) => [item.id, item.status])).toEqual([
      [keyIdFor(3), "revoked"],
    ]);
  });

  it("defaults to 25 keys per page", async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });

    const result = await http(listRequest());

    expect(json(result)).toEqual({ items: [], nextCursor: null });
    expect(ddb).toReceiveCommandWith(QueryCommand, {
      Limit: 26,
      IndexName: "byOrg",
      ScanIndexForward: false,
    });
  });

  it("refuses a tampered cursor at query.cursor", async () => {
    const cursor = cursorAt(positionOf(3));
    const tampered = `${cursor.slice(0, 10)}${cursor[10] === "x" ? "y" : "x"}${cursor.slice(11)}`;

    const result = await http(listRequest({ cursor: tampered }));

    expect(result.statusCode).toBe(400);
    expect(json(result).error).toMatchObject({
      code: "validation_error",
      details: [{ path: "query.cursor" }],
    });
    expect(ddb).not.toReceiveAnyCommand();
  });

  it("refuses another org's cursor at query.cursor, never showing its keys", async () => {
    const result = await http(listRequest({ cursor: cursorAt(positionOf(3, "globex")) }));

    expect(result.statusCode).toBe(400);
    expect(json(result).error.details).toEqual([
      { path: "query.cursor", message: "The cursor is not valid for this list." },
    ]);
    expect(ddb).not.toReceiveAnyCommand();
  });

  it("refuses bad and repeated parameters", async () => {
    const bad = await http(listRequest({ limit: "abc" }));
    expect(json(bad).error.details).toEqual([
      { path: "query.limit", message: "Must be a whole number from 1 to 100." },
    ]);

    const twice = await http(listRequest({ limit: ["5", "6"] }));
    expect([twice.statusCode, json(twice).error.details[0].path]).toEqual([400, "query.limit"]);
    expect(ddb).not.toReceiveAnyCommand();
  });
});

describe("routing", () => {
  it.each(ROUTES.filter((route) => route.handler === "lambdas/key-management/doors/http.handler"))(
    "serves $method $path of the route table",
    async (route) => {
      ddb.on(TransactWriteCommand).resolves({});
      ddb.on(QueryCommand).resolves({ Items: [] });
      ddb.on(GetCommand).resolves({ Item: storedKey(1) });
      const policy = {
        maxLifetimeDays: null,
        allowedScopes: null,
        requireAllowlist: false,
        rotateAfterDays: 9,
      };

      const result = await http({
        ...createRequest({ name: "n", scopes: ["export"] }),
        method: route.method as AdminRequest["method"],
        resource: route.path,
        pathParameters: { orgId: "acme", keyId: keyIdFor(1) },
        body:
          route.path === KEYS_RESOURCE
            ? JSON.stringify({ name: "n", scopes: ["export"] })
            : JSON.stringify(route.method === "PUT" ? policy : {}),
      });

      const creates =
        route.method === "POST" && (route.path === KEYS_RESOURCE || route.path === ROTATE_RESOURCE);
      expect(result.statusCode).toBe(creates ? 201 : 200);
    },
  );

  it("answers 404 for a route the admin Lambda does not serve", async () => {
    const result = await http({
      method: "GET",
      resource: "/admin/v1/orgs/{orgId}/secrets",
      pathParameters: { orgId: "acme" },
    });

    expect([result.statusCode, json(result).error.code]).toEqual([404, "not_found"]);
  });
});
