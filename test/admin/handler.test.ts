import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { APIGatewayProxyResult } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { allCustomMatcherWithAliases } from "aws-sdk-client-mock-vitest";
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import { handler } from "../../lambdas/admin/handler";
import { ttlFor } from "../../lambdas/shared/key-record";
import { digestKey } from "../../lambdas/shared/keys";
import { ROUTES } from "../../lib/routes";
import {
  type AdminRequest,
  adminEvent,
  cursorAt,
  FIXTURE_REQUEST_ID,
  FIXTURE_USER_ARN,
  indexEntry,
  KEY_PATTERN,
  KEY_RESOURCE,
  KEYS_RESOURCE,
  keyIdFor,
  lambdaContext,
  NOW,
  REVOKE_RESOURCE,
  storedKey,
  useTestRuntime,
  WINDOW_START,
} from "./helpers";

expect.extend(allCustomMatcherWithAliases);

const ddb = mockClient(DynamoDBDocumentClient);
let clock = NOW;
let logs: MockInstance[] = [];

beforeEach(() => {
  clock = NOW;
  useTestRuntime(() => clock);
  logs = [vi.spyOn(console, "log"), vi.spyOn(console, "warn"), vi.spyOn(console, "error")].map((spy) =>
    spy.mockImplementation(() => undefined),
  );
});

afterEach(() => {
  ddb.reset();
  vi.restoreAllMocks();
});

/** Everything the handler wrote to the console during the test. */
const logged = () => logs.flatMap((spy) => spy.mock.calls.map((args) => args.join(" "))).join("\n");

async function http(request: AdminRequest): Promise<APIGatewayProxyResult> {
  return handler(adminEvent(request), lambdaContext());
}

const json = (result: APIGatewayProxyResult) => JSON.parse(result.body);

const DIRECT_REQUEST_ID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
const invoke = (payload: unknown) => handler(payload, lambdaContext(DIRECT_REQUEST_ID));

const createRequest = (body: unknown, orgId = "acme"): AdminRequest => ({
  method: "POST",
  resource: KEYS_RESOURCE,
  pathParameters: { orgId },
  body: typeof body === "string" ? body : JSON.stringify(body),
  contentType: "application/json",
});

const positionOf = (n: number, orgId = "acme") => ({
  orgId,
  createdAt: storedKey(n).createdAt,
  pk: keyIdFor(n),
});

describe("POST /admin/v1/orgs/{orgId}/api-keys", () => {
  it("creates a key: 201, Location, the record and the key exactly once", async () => {
    // Prepare
    ddb.on(PutCommand).resolves({});

    // Act
    const result = await http(
      createRequest({ name: " Billing sync ", scopes: ["accounts:read", "accounts:read"] }),
    );

    // Assess
    expect(result.statusCode).toBe(201);
    const body = json(result);
    expect(body.key).toMatch(KEY_PATTERN);
    expect(digestKey(body.key).id).toBe(body.id);
    expect(result.body.split(body.key)).toHaveLength(2);
    expect(result.headers).toEqual({
      "Content-Type": "application/json",
      Location: `/admin/v1/orgs/acme/api-keys/${body.id}`,
      "X-Request-Id": FIXTURE_REQUEST_ID,
    });
    expect(body).toEqual({
      id: body.id,
      orgId: "acme",
      name: "Billing sync",
      scopes: ["accounts:read"],
      hint: `${body.key.slice(0, 12)}…${body.key.slice(-4)}`,
      status: "active",
      createdAt: "2025-06-17T15:07:42.123Z",
      createdBy: FIXTURE_USER_ARN,
      expiresAt: null,
      revokedAt: null,
      lastUsedAt: null,
      rateLimit: { limit: 100, windowSeconds: 900 },
      allowedIps: null,
      replacedBy: null,
      usage: { windowStart: "2025-06-17T15:00:00.000Z", count: 0 },
      key: body.key,
    });
  });

  it("stores the hash and never the key", async () => {
    ddb.on(PutCommand).resolves({});

    const body = json(await http(createRequest({ name: "n", scopes: ["export"], expiresAt: "2025-12-31" })));

    const sent = ddb.commandCalls(PutCommand)[0]?.args[0].input;
    const expiresAt = Date.parse("2025-12-31T00:00:00Z");
    expect(sent).toEqual({
      TableName: "keys",
      ConditionExpression: "attribute_not_exists(pk)",
      Item: {
        pk: body.id,
        hash: digestKey(body.key).hashHex,
        orgId: "acme",
        name: "n",
        scopes: ["export"],
        hint: body.hint,
        createdAt: "2025-06-17T15:07:42.123Z",
        createdBy: FIXTURE_USER_ARN,
        expiresAt,
        ttl: ttlFor(expiresAt),
        windowStart: WINDOW_START,
        windowCount: 0,
      },
    });
    expect(JSON.stringify(sent)).not.toContain(body.key);
    expect(logged()).not.toContain("fynex_k_");
  });

  it("answers a storage failure with a 500 that says nothing internal, and logs no key", async () => {
    ddb
      .on(PutCommand)
      .rejects(
        new Error("ProvisionedThroughputExceededException: table arn:aws:dynamodb:eu-west-1:1:table/keys"),
      );

    const result = await http(createRequest({ name: "n", scopes: ["export"] }));

    expect(result.statusCode).toBe(500);
    expect(json(result)).toEqual({
      error: {
        code: "internal_error",
        message: "Something went wrong on our side.",
        requestId: FIXTURE_REQUEST_ID,
        details: [],
      },
    });
    expect(result.headers).toMatchObject({ "X-Request-Id": FIXTURE_REQUEST_ID });
    expect(logged()).toContain("ProvisionedThroughputExceededException");
    expect(logged()).not.toContain("fynex_k_");
  });

  it("refuses a misspelt field by its path", async () => {
    const result = await http(createRequest({ name: "n", scopes: ["export"], expires_at: "2030-01-01" }));

    expect(result.statusCode).toBe(400);
    expect(json(result).error).toMatchObject({
      code: "validation_error",
      requestId: FIXTURE_REQUEST_ID,
      details: [{ path: "expires_at", message: "Unknown field." }],
    });
    expect(ddb).not.toReceiveAnyCommand();
  });

  it("refuses an org id outside the allowed characters at orgId", async () => {
    const result = await http(createRequest({ name: "n", scopes: ["export"] }, "acme corp"));

    expect(result.statusCode).toBe(400);
    expect(json(result).error.details[0].path).toBe("orgId");
  });

  it("refuses a missing body, a non-JSON content type and query parameters", async () => {
    const missing = await http({ ...createRequest({}), body: undefined });
    expect([missing.statusCode, json(missing).error.details[0].path]).toEqual([400, "body"]);

    const text = await http({
      ...createRequest({ name: "n", scopes: ["export"] }),
      contentType: "text/plain",
    });
    expect([text.statusCode, json(text).error.code]).toEqual([415, "unsupported_media_type"]);

    const query = await http({ ...createRequest({ name: "n", scopes: ["export"] }), query: { dryRun: "1" } });
    expect([query.statusCode, json(query).error.details[0].path]).toEqual([400, "query.dryRun"]);
    expect(ddb).not.toReceiveAnyCommand();
  });

  it("takes a JSON content type with parameters", async () => {
    ddb.on(PutCommand).resolves({});

    const result = await http({
      ...createRequest({ name: "n", scopes: ["export"] }),
      contentType: "application/json; charset=utf-8",
    });

    expect(result.statusCode).toBe(201);
  });

  it("refuses an event without an IAM principal", async () => {
    const result = await http({ ...createRequest({ name: "n", scopes: ["export"] }), userArn: null });

    expect([result.statusCode, json(result).error.code]).toEqual([403, "forbidden"]);
    expect(ddb).not.toReceiveAnyCommand();
  });
});

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
    // Prepare: the first revoke wins; afterwards the condition fails and the read shows it revoked.
    const revoked = storedKey(1, { revokedAt: NOW, ttl: ttlFor(NOW) });
    ddb
      .on(UpdateCommand)
      .resolvesOnce({ Attributes: revoked })
      .rejects(
        new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} }),
      );
    ddb.on(GetCommand).resolves({ Item: revoked });

    // Act
    const first = await http(revokeRequest(keyIdFor(1)));
    clock = NOW + 90_000;
    const second = await http(revokeRequest(keyIdFor(1), "{}"));

    // Assess
    expect([first.statusCode, second.statusCode]).toEqual([200, 200]);
    expect(json(first)).toMatchObject({ status: "revoked", revokedAt: "2025-06-17T15:07:42.123Z" });
    expect(json(second).revokedAt).toBe(json(first).revokedAt);
    expect(ddb).toReceiveNthCommandWith(UpdateCommand, 1, {
      Key: { pk: keyIdFor(1) },
      ExpressionAttributeValues: { ":now": NOW, ":orgId": "acme", ":ttl": ttlFor(NOW) },
    });
  });

  it("answers 404 for a key that is not there", async () => {
    ddb
      .on(UpdateCommand)
      .rejects(
        new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} }),
      );
    ddb.on(GetCommand).resolves({});

    const result = await http(revokeRequest(keyIdFor(1)));

    expect([result.statusCode, json(result).error.code]).toEqual([404, "not_found"]);
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
    ddb.on(BatchGetCommand).resolves({ Responses: { keys: [expired(4), expired(6)] } });

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
      FilterExpression: "attribute_not_exists(revokedAt) AND expiresAt <= :now",
      ExpressionAttributeValues: { ":orgId": "acme", ":now": NOW },
      ExclusiveStartKey: positionOf(5),
    });

    // Act: the next page starts after the last key of this one.
    const second = await http(listRequest({ status: "expired", limit: "2", cursor: page.nextCursor }));

    expect(second.statusCode).toBe(200);
    expect(json(second)).toEqual({ items: [], nextCursor: null });
    expect(ddb).toReceiveNthCommandWith(QueryCommand, 4, { ExclusiveStartKey: positionOf(4) });
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
  it.each(ROUTES.filter((route) => route.handler === "lambdas/admin/handler"))(
    "serves $method $path of the route table",
    async (route) => {
      ddb.on(PutCommand).resolves({});
      ddb.on(QueryCommand).resolves({ Items: [] });
      ddb.on(GetCommand).resolves({ Item: storedKey(1) });
      ddb.on(UpdateCommand).resolves({ Attributes: storedKey(1, { revokedAt: NOW }) });

      const result = await http({
        ...createRequest({ name: "n", scopes: ["export"] }),
        method: route.method === "GET" ? "GET" : "POST",
        resource: route.path,
        pathParameters: { orgId: "acme", keyId: keyIdFor(1) },
        body: route.path === KEYS_RESOURCE ? JSON.stringify({ name: "n", scopes: ["export"] }) : "{}",
      });

      expect(result.statusCode).toBe(route.method === "POST" && route.path === KEYS_RESOURCE ? 201 : 200);
    },
  );

  it("answers 404 for a route the admin Lambda does not serve", async () => {
    const result = await http({
      method: "GET",
      resource: "/admin/v1/orgs/{orgId}/audit-events",
      pathParameters: { orgId: "acme" },
    });

    expect([result.statusCode, json(result).error.code]).toEqual([404, "not_found"]);
  });
});

describe("direct invocation", () => {
  it("creates a key and answers the same body as HTTP, not a proxy result", async () => {
    ddb.on(PutCommand).resolves({});

    const body = await invoke({
      action: "createKey",
      orgId: "acme",
      name: "Console key",
      scopes: ["export"],
    });

    expect(body).toMatchObject({
      orgId: "acme",
      name: "Console key",
      status: "active",
      createdBy: "direct-invoke",
    });
    expect(body).not.toHaveProperty("statusCode");
    const { key, id } = body as { key: string; id: string };
    expect(key).toMatch(KEY_PATTERN);
    expect(digestKey(key).id).toBe(id);
    expect(ddb).toReceiveCommandWith(PutCommand, {
      Item: expect.objectContaining({ createdBy: "direct-invoke" }),
    });
  });

  it("lists with a number limit", async () => {
    ddb.on(QueryCommand).resolves({ Items: [indexEntry(storedKey(1))] });
    ddb.on(BatchGetCommand).resolves({ Responses: { keys: [storedKey(1)] } });

    const body = await invoke({ action: "listKeys", orgId: "acme", limit: 5, status: "active" });

    expect(body).toMatchObject({ items: [{ id: keyIdFor(1), status: "active" }], nextCursor: null });
    expect(ddb).toReceiveCommandWith(QueryCommand, {
      Limit: 100,
      ExpressionAttributeValues: { ":orgId": "acme", ":now": NOW },
    });
  });

  it("gets and revokes a key", async () => {
    ddb.on(GetCommand).resolves({ Item: storedKey(1) });
    ddb.on(UpdateCommand).resolves({ Attributes: storedKey(1, { revokedAt: NOW, ttl: ttlFor(NOW) }) });

    const got = await invoke({ action: "getKey", orgId: "acme", keyId: keyIdFor(1) });
    const revoked = await invoke({ action: "revokeKey", orgId: "acme", keyId: keyIdFor(1) });

    expect(got).toMatchObject({ id: keyIdFor(1), status: "active" });
    expect(revoked).toMatchObject({
      id: keyIdFor(1),
      status: "revoked",
      revokedAt: "2025-06-17T15:07:42.123Z",
    });
  });

  it("answers errors as the envelope plus status, with the invocation's request id", async () => {
    ddb.on(GetCommand).resolves({ Item: storedKey(1, { orgId: "globex" }) });

    const body = await invoke({ action: "getKey", orgId: "acme", keyId: keyIdFor(1) });

    expect(body).toEqual({
      status: 404,
      error: {
        code: "not_found",
        message: "The API key was not found.",
        requestId: DIRECT_REQUEST_ID,
        details: [],
      },
    });
  });

  it("names invalid fields without an HTTP prefix", async () => {
    const cursor = await invoke({
      action: "listKeys",
      orgId: "acme",
      cursor: cursorAt(positionOf(1, "globex")),
    });
    expect(cursor).toMatchObject({
      status: 400,
      error: { code: "validation_error", details: [{ path: "cursor" }] },
    });

    const limit = await invoke({ action: "listKeys", orgId: "acme", limit: "5" });
    expect(limit).toMatchObject({ status: 400, error: { details: [{ path: "limit" }] } });

    const misspelt = await invoke({
      action: "createKey",
      orgId: "acme",
      name: "n",
      scopes: ["export"],
      expires_at: "x",
    });
    expect(misspelt).toMatchObject({ status: 400, error: { details: [{ path: "expires_at" }] } });

    const stray = await invoke({
      action: "createKey",
      orgId: "acme",
      keyId: keyIdFor(1),
      name: "n",
      scopes: ["export"],
    });
    expect(stray).toMatchObject({
      status: 400,
      error: { details: [{ path: "keyId", message: "Unknown field." }] },
    });

    const noKey = await invoke({ action: "revokeKey", orgId: "acme" });
    expect(noKey).toMatchObject({ status: 400, error: { details: [{ path: "keyId" }] } });

    const org = await invoke({ action: "getKey", orgId: "../globex", keyId: keyIdFor(1) });
    expect(org).toMatchObject({ status: 400, error: { details: [{ path: "orgId" }] } });
    expect(ddb).not.toReceiveAnyCommand();
  });

  it.each([
    ["an unknown action", { action: "deleteKey", orgId: "acme" }],
    ["no action", { orgId: "acme" }],
    ["an inherited property name", { action: "toString", orgId: "acme" }],
  ])("refuses %s with a 400 at action", async (_, payload) => {
    const body = await invoke(payload);

    expect(body).toEqual({
      status: 400,
      error: {
        code: "validation_error",
        message: "The request is not valid.",
        requestId: DIRECT_REQUEST_ID,
        details: [{ path: "action", message: "Must be one of createKey, listKeys, getKey, revokeKey." }],
      },
    });
  });

  it("refuses a payload that is not an object", async () => {
    expect(await invoke("createKey")).toMatchObject({ status: 400, error: { details: [{ path: "body" }] } });
    expect(await invoke(null)).toMatchObject({ status: 400, error: { code: "validation_error" } });
  });

  it("answers a storage failure with a 500 that says nothing internal", async () => {
    ddb.on(PutCommand).rejects(new Error("AccessDeniedException: arn:aws:iam::123456789012:role/admin"));

    const body = await invoke({ action: "createKey", orgId: "acme", name: "n", scopes: ["export"] });

    expect(body).toEqual({
      status: 500,
      error: {
        code: "internal_error",
        message: "Something went wrong on our side.",
        requestId: DIRECT_REQUEST_ID,
        details: [],
      },
    });
    expect(logged()).not.toContain("fynex_k_");
  });
});
