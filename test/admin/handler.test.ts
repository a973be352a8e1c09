import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
} from "@aws-sdk/lib-dynamodb";
import type { APIGatewayProxyResult } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { allCustomMatcherWithAliases } from "aws-sdk-client-mock-vitest";
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import { ROUTES } from "../../contract/routes";
import { handler } from "../../lambdas/key-management/handler";
import { digestApiKey } from "../../lambdas/shared/api-keys/api-key";
import { ttlFor } from "../../lambdas/shared/api-keys/key-record";
import { encodeCursor } from "../../lambdas/shared/dynamo/cursor";
import {
  type AdminRequest,
  AUDIT_RESOURCE,
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
  ROTATE_RESOURCE,
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

/** The items of the `n`th (1-based) transaction sent. */
const transaction = (n = 1) =>
  ddb.commandCalls(TransactWriteCommand)[n - 1]?.args[0].input.TransactItems ?? [];
const auditPuts = (n = 1) =>
  transaction(n)
    .filter((item) => item.Put?.TableName === "audit")
    .map((item) => item.Put?.Item as Record<string, unknown>);

const cancelled = (...reasons: { Code: string; Item?: Record<string, { S: string }> }[]) =>
  new TransactionCanceledException({
    message: "Transaction cancelled, please refer cancellation reasons for specific reasons",
    $metadata: {},
    CancellationReasons: reasons,
  });
const NONE = { Code: "None" };
const CONDITION = { Code: "ConditionalCheckFailed" };
const CONFLICT = { Code: "TransactionConflict" };

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
    ddb.on(TransactWriteCommand).resolves({});

    // Act
    const result = await http(
      createRequest({ name: " Billing sync ", scopes: ["accounts:read", "accounts:read"] }),
    );

    // Assess
    expect(result.statusCode).toBe(201);
    const body = json(result);
    expect(body.key).toMatch(KEY_PATTERN);
    expect(digestApiKey(body.key).id).toBe(body.id);
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

  it("stores the hash and never the key, with its key.created event", async () => {
    ddb.on(TransactWriteCommand).resolves({});

    const body = json(await http(createRequest({ name: "n", scopes: ["export"], expiresAt: "2025-12-31" })));

    const sent = transaction();
    const expiresAt = Date.parse("2025-12-31T00:00:00Z");
    expect(sent[0]?.Put).toEqual({
      TableName: "keys",
      ConditionExpression: "attribute_not_exists(pk)",
      Item: {
        pk: body.id,
        hash: digestApiKey(body.key).hashHex,
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
    expect(auditPuts()).toEqual([
      expect.objectContaining({ type: "key.created", actor: FIXTURE_USER_ARN, keyId: body.id }),
    ]);
    expect(JSON.stringify(sent)).not.toContain(body.key);
    expect(logged()).not.toContain("fynex_k_");
  });

  it("creates with a per-key limit and an allowlist, normalised", async () => {
    ddb.on(TransactWriteCommand).resolves({});

    const result = await http(
      createRequest({
        name: "n",
        scopes: ["export"],
        rateLimit: { limit: 3 },
        allowedIps: ["::ffff:192.0.2.10", "2001:DB8::/32"],
      }),
    );

    expect(result.statusCode).toBe(201);
    expect(json(result)).toMatchObject({
      rateLimit: { limit: 3, windowSeconds: 900 },
      allowedIps: ["192.0.2.10", "2001:db8::/32"],
    });
    expect(transaction()[0]?.Put?.Item).toMatchObject({
      rateLimit: 3,
      allowedIps: ["192.0.2.10", "2001:db8::/32"],
    });
  });

  it("refuses bad limits and allowlists by path, writing nothing", async () => {
    const result = await http(
      createRequest({
        name: "n",
        scopes: ["export"],
        rateLimit: { limit: 10_001 },
        allowedIps: ["10.0.0.0/8", "nope"],
      }),
    );

    expect(result.statusCode).toBe(400);
    expect(json(result).error.details.map((detail: { path: string }) => detail.path)).toEqual([
      "rateLimit.limit",
      "allowedIps[1]",
    ]);
    expect(ddb).not.toReceiveAnyCommand();
  });

  it("honours Idempotency-Key: the record joins the transaction; a replay is 409 naming the first key", async () => {
    // Prepare: the first create commits; the replay finds the record.
    ddb
      .on(TransactWriteCommand)
      .resolvesOnce({})
      .rejects(
        cancelled(NONE, NONE, { Code: "ConditionalCheckFailed", Item: { keyId: { S: keyIdFor(3) } } }),
      );
    const withKey = (body: unknown) => {
      const event = adminEvent(createRequest(body));
      event.headers["Idempotency-Key"] = "create-ci-key-1";
      event.multiValueHeaders["Idempotency-Key"] = ["create-ci-key-1"];
      return handler(event, lambdaContext());
    };

    // Act
    const first = await withKey({ name: "n", scopes: ["export"] });
    const replay = await withKey({ name: "n", scopes: ["export"] });

    // Assess
    expect(first.statusCode).toBe(201);
    expect(transaction(1)[2]?.Put?.Item).toMatchObject({ keyId: json(first).id });
    expect(replay.statusCode).toBe(409);
    expect(json(replay).error).toEqual({
      code: "conflict",
      message: `This idempotency key was already used to create the API key ${keyIdFor(3)}; the key is not shown again.`,
      requestId: FIXTURE_REQUEST_ID,
      details: [{ path: "headers.Idempotency-Key", message: `Already used to create ${keyIdFor(3)}.` }],
    });
    expect(replay.body).not.toContain("fynex_k_");
  });

  it.each([
    ["empty", [""]],
    ["too long", ["k".repeat(256)]],
    ["not printable ASCII", ["clé"]],
    ["given twice, differently", ["a", "b"]],
  ])("refuses an Idempotency-Key that is %s", async (_, values) => {
    const event = adminEvent(createRequest({ name: "n", scopes: ["export"] }));
    event.headers["Idempotency-Key"] = values.at(-1) ?? "";
    event.multiValueHeaders["Idempotency-Key"] = values;

    const result = await handler(event, lambdaContext());

    expect(result.statusCode).toBe(400);
    expect(json(result).error.details[0].path).toBe("headers.Idempotency-Key");
    expect(ddb).not.toReceiveAnyCommand();
  });

  it("answers a storage failure with a 500 that says nothing internal, and logs no key", async () => {
    ddb
      .on(TransactWriteCommand)
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
    ddb.on(TransactWriteCommand).resolves({});

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
    // Prepare: the first revoke finds the key live; the second finds it revoked.
    const revoked = storedKey(1, { revokedAt: NOW, ttl: ttlFor(NOW) });
    ddb.on(TransactWriteCommand).resolves({});
    ddb
      .on(GetCommand)
      .resolvesOnce({ Item: storedKey(1) })
      .resolves({ Item: revoked });

    // Act
    const first = await http(revokeRequest(keyIdFor(1)));
    clock = NOW + 90_000;
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
  it.each(ROUTES.filter((route) => route.handler === "lambdas/key-management/handler"))(
    "serves $method $path of the route table",
    async (route) => {
      ddb.on(TransactWriteCommand).resolves({});
      ddb.on(QueryCommand).resolves({ Items: [] });
      ddb.on(GetCommand).resolves({ Item: storedKey(1) });

      const result = await http({
        ...createRequest({ name: "n", scopes: ["export"] }),
        method: route.method as AdminRequest["method"],
        resource: route.path,
        pathParameters: { orgId: "acme", keyId: keyIdFor(1) },
        body: route.path === KEYS_RESOURCE ? JSON.stringify({ name: "n", scopes: ["export"] }) : "{}",
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

describe("direct invocation", () => {
  it("creates a key and answers the same body as HTTP, not a proxy result", async () => {
    ddb.on(TransactWriteCommand).resolves({});

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
    expect(digestApiKey(key).id).toBe(id);
    expect(transaction()[0]?.Put?.Item).toMatchObject({ createdBy: "direct-invoke" });
    expect(auditPuts()[0]).toMatchObject({ actor: "direct-invoke" });
    expect(auditPuts()[0]).not.toHaveProperty("claimedActor");
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
    ddb.on(TransactWriteCommand).resolves({});

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
        details: [
          {
            path: "action",
            message:
              "Must be one of createKey, listKeys, getKey, revokeKey, updateKey, rotateKey, listAuditEvents.",
          },
        ],
      },
    });
  });

  it("refuses a payload that is not an object", async () => {
    expect(await invoke("createKey")).toMatchObject({ status: 400, error: { details: [{ path: "body" }] } });
    expect(await invoke(null)).toMatchObject({ status: 400, error: { code: "validation_error" } });
  });

  it("answers a storage failure with a 500 that says nothing internal", async () => {
    ddb
      .on(TransactWriteCommand)
      .rejects(new Error("AccessDeniedException: arn:aws:iam::123456789012:role/admin"));

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

describe("PATCH /admin/v1/orgs/{orgId}/api-keys/{keyId}", () => {
  const patchRequest = (body?: unknown, keyId = keyIdFor(1)): AdminRequest => ({
    method: "PATCH",
    resource: KEY_RESOURCE,
    pathParameters: { orgId: "acme", keyId },
    ...(body === undefined ? {} : { body: JSON.stringify(body), contentType: "application/json" }),
  });

  it("changes the key and answers the record, recording key.updated by the IAM principal", async () => {
    ddb.on(GetCommand).resolves({ Item: storedKey(1) });
    ddb.on(TransactWriteCommand).resolves({});

    const result = await http(
      patchRequest({ scopes: ["export"], rateLimit: { limit: 3 }, allowedIps: ["10.0.0.0/8"] }),
    );

    expect(result.statusCode).toBe(200);
    expect(json(result)).toMatchObject({
      id: keyIdFor(1),
      scopes: ["export"],
      rateLimit: { limit: 3, windowSeconds: 900 },
      allowedIps: ["10.0.0.0/8"],
    });
    expect(auditPuts()[0]).toMatchObject({
      type: "key.updated",
      actor: FIXTURE_USER_ARN,
      changes: {
        scopes: { from: ["accounts:read"], to: ["export"] },
        rateLimit: { from: null, to: { limit: 3 } },
        allowedIps: { from: null, to: ["10.0.0.0/8"] },
      },
    });
  });

  it("takes no body as an empty PATCH: 200, nothing written", async () => {
    ddb.on(GetCommand).resolves({ Item: storedKey(1) });

    const result = await http(patchRequest());

    expect(result.statusCode).toBe(200);
    expect(json(result).id).toBe(keyIdFor(1));
    expect(ddb).not.toReceiveCommand(TransactWriteCommand);
  });

  it("answers 409 for a revoked key and 404 for a missing one", async () => {
    ddb
      .on(GetCommand)
      .resolvesOnce({ Item: storedKey(1, { revokedAt: NOW - 1 }) })
      .resolves({});

    const revoked = await http(patchRequest({ name: "x" }));
    const missing = await http(patchRequest({ name: "x" }));

    expect([revoked.statusCode, json(revoked).error.code]).toEqual([409, "conflict"]);
    expect(json(revoked).error.message).toBe("The API key is revoked; only an active key can be changed.");
    expect([missing.statusCode, json(missing).error.code]).toEqual([404, "not_found"]);
  });

  it("refuses fields it cannot change, and invalid values, by path", async () => {
    const result = await http(patchRequest({ expiresAt: "2030-01-01", name: "", actor: "me" }));

    expect(result.statusCode).toBe(400);
    expect(
      json(result)
        .error.details.map((detail: { path: string }) => detail.path)
        .sort(),
    ).toEqual(["actor", "expiresAt", "name"]);
    expect(ddb).not.toReceiveAnyCommand();
  });

  it("answers 503 with Retry-After when concurrent changes keep cancelling it", async () => {
    ddb.on(GetCommand).resolves({ Item: storedKey(1) });
    ddb.on(TransactWriteCommand).rejects(cancelled(CONFLICT, NONE));
    // No jitter: the backoff's waits are all 0 ms, so the retries take no time.
    vi.spyOn(Math, "random").mockReturnValue(0);

    const result = await http(patchRequest({ name: "x" }));

    expect(result.statusCode).toBe(503);
    expect(json(result).error.code).toBe("unavailable");
    expect(result.headers).toMatchObject({ "Retry-After": "1" });
  });
});

describe("POST /admin/v1/orgs/{orgId}/api-keys/{keyId}/rotate", () => {
  const rotateRequest = (body?: unknown, keyId = keyIdFor(1)): AdminRequest => ({
    method: "POST",
    resource: ROTATE_RESOURCE,
    pathParameters: { orgId: "acme", keyId },
    ...(body === undefined ? {} : { body: JSON.stringify(body), contentType: "application/json" }),
  });

  it("answers 201 with the new record, the key once, replaces and Location", async () => {
    ddb.on(GetCommand).resolves({ Item: storedKey(1, { rateLimit: 9 }) });
    ddb.on(TransactWriteCommand).resolves({});

    const result = await http(rotateRequest({ gracePeriodSeconds: 300 }));

    expect(result.statusCode).toBe(201);
    const body = json(result);
    expect(body.key).toMatch(KEY_PATTERN);
    expect(digestApiKey(body.key).id).toBe(body.id);
    expect(body).toMatchObject({
      replaces: keyIdFor(1),
      name: "Key 1",
      scopes: ["accounts:read"],
      rateLimit: { limit: 9, windowSeconds: 900 },
      createdBy: FIXTURE_USER_ARN,
      status: "active",
    });
    expect(result.headers).toMatchObject({ Location: `/admin/v1/orgs/acme/api-keys/${body.id}` });
    expect(auditPuts().map((event) => event.type)).toEqual(["key.rotated", "key.expired_by_rotation"]);
    expect(logged()).not.toContain("fynex_k_");
  });

  it("answers 409 for a key rotated before, with no key in the body", async () => {
    ddb.on(GetCommand).resolves({ Item: storedKey(1, { replacedBy: keyIdFor(2) }) });

    const result = await http(rotateRequest());

    expect([result.statusCode, json(result).error.code]).toEqual([409, "conflict"]);
    expect(json(result).error.message).toContain(keyIdFor(2));
    expect(ddb).not.toReceiveCommand(TransactWriteCommand);
  });

  it("answers 409 when a concurrent rotation commits first", async () => {
    ddb
      .on(GetCommand)
      .resolvesOnce({ Item: storedKey(1) })
      .resolves({ Item: storedKey(1, { replacedBy: keyIdFor(2), revokedAt: NOW }) });
    ddb.on(TransactWriteCommand).rejects(cancelled(NONE, CONDITION, NONE, NONE));

    const result = await http(rotateRequest({ gracePeriodSeconds: 0 }));

    expect([result.statusCode, json(result).error.code]).toEqual([409, "conflict"]);
  });

  it("refuses a bad grace period and a past expiresAt", async () => {
    const result = await http(rotateRequest({ gracePeriodSeconds: 604_801, expiresAt: "2020-01-01" }));

    expect(result.statusCode).toBe(400);
    expect(json(result).error.details.map((detail: { path: string }) => detail.path)).toEqual([
      "gracePeriodSeconds",
      "expiresAt",
    ]);
  });
});

describe("GET /admin/v1/orgs/{orgId}/audit-events", () => {
  const auditRequest = (query: Record<string, string> = {}): AdminRequest => ({
    method: "GET",
    resource: AUDIT_RESOURCE,
    pathParameters: { orgId: "acme" },
    query,
  });
  const event = {
    orgId: "acme",
    id: `evt_${"0".repeat(26)}`,
    at: "2025-06-17T15:07:42.123Z",
    type: "key.created",
    actor: "direct-invoke",
    claimedActor: "ops-bot",
    keyId: keyIdFor(1),
    changes: { name: "n" },
    ttl: 1,
  };

  it("answers {items, nextCursor} with the events as admins read them", async () => {
    ddb.on(QueryCommand).resolves({ Items: [event] });

    const result = await http(auditRequest({ keyId: keyIdFor(1), limit: "10" }));

    expect(result.statusCode).toBe(200);
    const { orgId: _org, ttl: _ttl, ...shown } = event;
    expect(json(result)).toEqual({ items: [shown], nextCursor: null });
    expect(ddb).toReceiveCommandWith(QueryCommand, {
      TableName: "audit",
      FilterExpression: "keyId = :keyId",
    });
  });

  it("refuses a foreign cursor at query.cursor and a bad keyId at query.keyId", async () => {
    const cursor = await http(auditRequest({ cursor: encodeCursor("globex", { id: event.id }) }));
    const keyId = await http(auditRequest({ keyId: "nope" }));

    expect(json(cursor).error.details).toEqual([
      { path: "query.cursor", message: "The cursor is not valid for this list." },
    ]);
    expect(json(keyId).error.details[0].path).toBe("query.keyId");
    expect(ddb).not.toReceiveAnyCommand();
  });
});

describe("direct invocation of the key lifecycle", () => {
  it("keeps a payload's actor as the event's claimedActor, the actor staying direct-invoke", async () => {
    ddb.on(GetCommand).resolves({ Item: storedKey(1) });
    ddb.on(TransactWriteCommand).resolves({});

    const body = await invoke({
      action: "updateKey",
      orgId: "acme",
      keyId: keyIdFor(1),
      actor: "alice@example.com",
      name: "Renamed",
    });

    expect(body).toMatchObject({ id: keyIdFor(1), name: "Renamed" });
    expect(auditPuts()[0]).toMatchObject({
      type: "key.updated",
      actor: "direct-invoke",
      claimedActor: "alice@example.com",
    });
  });

  it("rotates, revokes and lists audit events", async () => {
    ddb.on(GetCommand).resolves({ Item: storedKey(1) });
    ddb.on(TransactWriteCommand).resolves({});
    ddb.on(QueryCommand).resolves({ Items: [] });

    const rotated = await invoke({
      action: "rotateKey",
      orgId: "acme",
      keyId: keyIdFor(1),
      gracePeriodSeconds: 0,
    });
    const listed = await invoke({ action: "listAuditEvents", orgId: "acme", limit: 5 });

    expect(rotated).toMatchObject({ replaces: keyIdFor(1), key: expect.stringMatching(KEY_PATTERN) });
    expect(auditPuts().map((event) => event.type)).toEqual(["key.rotated", "key.revoked"]);
    expect(listed).toEqual({ items: [], nextCursor: null });
  });

  it("takes idempotencyKey for createKey only, answering a replay with the first key's id", async () => {
    ddb
      .on(TransactWriteCommand)
      .rejects(
        cancelled(NONE, NONE, { Code: "ConditionalCheckFailed", Item: { keyId: { S: keyIdFor(4) } } }),
      );

    const replay = await invoke({
      action: "createKey",
      orgId: "acme",
      idempotencyKey: "nightly-7",
      name: "n",
      scopes: ["export"],
    });
    const elsewhere = await invoke({
      action: "revokeKey",
      orgId: "acme",
      keyId: keyIdFor(1),
      idempotencyKey: "x",
    });

    expect(replay).toMatchObject({
      status: 409,
      error: {
        code: "conflict",
        details: [{ path: "idempotencyKey", message: `Already used to create ${keyIdFor(4)}.` }],
      },
    });
    expect(JSON.stringify(replay)).not.toContain("fynex_k_");
    expect(elsewhere).toMatchObject({
      status: 400,
      error: { details: [{ path: "idempotencyKey", message: "Unknown field." }] },
    });
  });

  it("refuses a claimed actor that is not a non-empty string, and a bad idempotency key", async () => {
    const actor = await invoke({ action: "getKey", orgId: "acme", keyId: keyIdFor(1), actor: 42 });
    const key = await invoke({
      action: "createKey",
      orgId: "acme",
      idempotencyKey: "",
      name: "n",
      scopes: ["export"],
    });

    expect(actor).toMatchObject({ status: 400, error: { details: [{ path: "actor" }] } });
    expect(key).toMatchObject({ status: 400, error: { details: [{ path: "idempotencyKey" }] } });
    expect(ddb).not.toReceiveAnyCommand();
  });
});
