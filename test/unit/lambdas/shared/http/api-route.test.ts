import { format } from "node:util";
import { DynamoDBClient, InternalServerError, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, QueryCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Runtime } from "../../../../../contract/runtime";
import { createHandler as createAccount } from "../../../../../lambdas/accounts/create-account.handler";
import { createHandler as listAccounts } from "../../../../../lambdas/accounts/list-accounts.handler";
import { encodeCursor } from "../../../../../lambdas/shared/dynamo/cursor";
import { lambdaAuthorizerProxyFixture, withHeaders } from "../../../../fixtures/events";

const KEY = "fynex_k_003aUlTJC7tjlCTQj2uNU3MFagCXG9LRKRcwGkBIDlf3oAV0y";
const KEY_ID = "key_5u1a57vZeyw1x9yto1mqYA";
/** The fixture's `requestContext.requestId`. */
const REQUEST_ID = "3c177581-2d03-4af4-9b68-5924083f37fe";
const ROUTE = "/api/v1/accounts";

/** 2025-01-15T10:07:30.250Z: 449.75 s before the window [10:00, 10:15) ends. */
const NOW = Date.UTC(2025, 0, 15, 10, 7, 30, 250);
const RESET_AT = Date.UTC(2025, 0, 15, 10, 15, 0) / 1000;
const SECONDS_TO_RESET = 450;

/** The authorizer's context exactly as API Gateway hands it to the integration: every value a string. */
const LIVE_CONTEXT: Record<string, string> = {
  orgId: "org_acme",
  keyId: KEY_ID,
  scopes: "accounts:read accounts:write",
  limit: "100",
  remaining: "58",
  resetAt: String(RESET_AT),
  windowSeconds: "900",
  throttled: "false",
  ipAllowed: "true",
};

const db = mockClient(DynamoDBDocumentClient);
let now = NOW;
const consoleSpies = (["log", "info", "warn", "error", "debug"] as const).map((method) =>
  vi.spyOn(console, method).mockImplementation(() => undefined),
);

/** What the routes are built over: a clock the tests move, a client the mock answers, the data table. */
const runtime: Runtime = {
  clock: () => now,
  dynamo: new DynamoDBClient({
    region: "eu-west-1",
    credentials: { accessKeyId: "x", secretAccessKey: "y" },
  }),
  settings: { keysTable: "", dataTable: "data", auditTable: "", rateLimit: 100, rateWindowSeconds: 900 },
};
const createAccountHandler = createAccount(runtime);
const listAccountsHandler = listAccounts(runtime);

beforeEach(() => {
  now = NOW;
});

afterEach(() => {
  db.reset();
  for (const spy of consoleSpies) spy.mockClear();
});

afterAll(() => {
  for (const spy of consoleSpies) spy.mockRestore();
});

interface RequestSpec {
  method: "GET" | "POST";
  context?: Record<string, string>;
  query?: Record<string, string[]>;
  body?: string;
  contentType?: string;
}

/** A proxy event for the accounts route, built on the real fixture, with the key's header as sent. */
function apiEvent({ method, context = {}, query, body, contentType }: RequestSpec): APIGatewayProxyEvent {
  const fixture = lambdaAuthorizerProxyFixture();
  const headers: Record<string, string[]> = { "X-API-Key": [KEY] };
  if (contentType !== undefined) headers["Content-Type"] = [contentType];
  return {
    ...withHeaders(fixture, headers),
    resource: ROUTE,
    path: ROUTE,
    httpMethod: method,
    queryStringParameters: query
      ? Object.fromEntries(Object.entries(query).map(([name, values]) => [name, values.at(-1)]))
      : null,
    multiValueQueryStringParameters: query ?? null,
    body: body ?? null,
    requestContext: {
      ...fixture.requestContext,
      resourcePath: ROUTE,
      httpMethod: method,
      path: `/prod${ROUTE}`,
      authorizer: { principalId: KEY_ID, integrationLatency: 12, ...LIVE_CONTEXT, ...context },
    },
  };
}

const LAMBDA_CONTEXT = {} as Context;

async function list(spec: Omit<RequestSpec, "method"> = {}): Promise<APIGatewayProxyResult> {
  return proxyResult(await listAccountsHandler(apiEvent({ method: "GET", ...spec }), LAMBDA_CONTEXT));
}

async function create(spec: Omit<RequestSpec, "method"> = {}): Promise<APIGatewayProxyResult> {
  const event = apiEvent({ method: "POST", contentType: "application/json", ...spec });
  return proxyResult(await createAccountHandler(event, LAMBDA_CONTEXT));
}

function proxyResult(result: unknown): APIGatewayProxyResult {
  if (
    typeof result !== "object" ||
    result === null ||
    !("statusCode" in result) ||
    !("body" in result) ||
    typeof result.body !== "string"
  ) {
    throw new Error(`not an API Gateway proxy result: ${JSON.stringify(result)}`);
  }
  return result as APIGatewayProxyResult;
}

const header = (response: APIGatewayProxyResult, name: string) => response.headers?.[name];

/** The headers every response to a live key carries, errors included. */
function expectKeyHeaders(
  response: APIGatewayProxyResult,
  expected: { limit?: number; remaining?: number; seconds?: number } = {},
): void {
  const { limit = 100, remaining = 58, seconds = SECONDS_TO_RESET } = expected;
  expect(response.headers).toMatchObject({
    "X-Request-Id": REQUEST_ID,
    "RateLimit-Policy": `"default";q=${limit};w=900`,
    RateLimit: `"default";r=${remaining};t=${seconds}`,
    "X-RateLimit-Limit": String(limit),
    "X-RateLimit-Remaining": String(remaining),
    "X-RateLimit-Reset": String(RESET_AT),
  });
}

interface ErrorBody {
  code: string;
  message: string;
  requestId: string;
  details: Array<{ path: string; message: string }>;
}

/** The error of an error response, after checking the envelope's exact shape. */
function errorOf(response: APIGatewayProxyResult, status: number, code: string): ErrorBody {
  expect(response.statusCode).toBe(status);
  expect(header(response, "Content-Type")).toMatch(/^application\/json/);
  const parsed: unknown = JSON.parse(response.body);
  expect(parsed).toEqual({
    error: { code, message: expect.any(String), requestId: REQUEST_ID, details: expect.any(Array) },
  });
  const { error } = parsed as { error: ErrorBody };
  expect(Object.keys(error).sort()).toEqual(["code", "details", "message", "requestId"]);
  expect(error.message.length).toBeGreaterThan(0);
  for (const detail of error.details) {
    expect(detail).toEqual({ path: expect.any(String), message: expect.any(String) });
  }
  return error;
}

const ACCOUNT_ITEM = {
  pk: "ORG#org_acme",
  sk: "ACCOUNT#acc_01JHKZ5V2R0000000000000000",
  id: "acc_01JHKZ5V2R0000000000000000",
  name: "Acme Ltd",
  externalRef: null,
  currency: "EUR",
  balance: 0,
  status: "open",
  createdAt: "2025-01-15T10:07:30.250Z",
  updatedAt: "2025-01-15T10:07:30.250Z",
};

describe("business chain: the order of the checks", () => {
  it("refuses a caller outside the allowlist with 403 ip_not_allowed, even when throttled and lacking the scope", async () => {
    // Act
    const response = await list({ context: { ipAllowed: "false", throttled: "true", scopes: "import" } });

    // Assess
    errorOf(response, 403, "ip_not_allowed");
    expect(header(response, "Retry-After")).toBeUndefined();
    expectKeyHeaders(response);
    expect(db.calls()).toHaveLength(0);
  });

  it("answers a throttled key 429 rate_limited with Retry-After in whole seconds to the window's end", async () => {
    const response = await list({ context: { throttled: "true", remaining: "0" } });

    errorOf(response, 429, "rate_limited");
    expect(header(response, "Retry-After")).toBe(String(SECONDS_TO_RESET));
    expectKeyHeaders(response, { remaining: 0 });
    expect(db.calls()).toHaveLength(0);
  });

  it("answers 429 before checking the scope", async () => {
    const response = await create({
      context: { throttled: "true", remaining: "0", scopes: "accounts:read" },
    });

    errorOf(response, 429, "rate_limited");
  });

  it("rounds Retry-After up and never below 1", async () => {
    // Prepare: 1 ms before the reset, then at it, then after it.
    const retryAfterAt = async (instant: number) => {
      now = instant;
      const response = await list({ context: { throttled: "true", remaining: "0" } });
      return header(response, "Retry-After");
    };

    // Act & Assess
    expect(await retryAfterAt(RESET_AT * 1000 - 1)).toBe("1");
    expect(await retryAfterAt(RESET_AT * 1000 - 1001)).toBe("2");
    expect(await retryAfterAt(RESET_AT * 1000)).toBe("1");
    expect(await retryAfterAt(RESET_AT * 1000 + 5000)).toBe("1");
  });

  it('serves a key whose context says throttled "false"', async () => {
    db.on(QueryCommand).resolves({ Items: [] });

    const response = await list({ context: { throttled: "false", ipAllowed: "true" } });

    expect(response.statusCode).toBe(200);
  });

  it("refuses a key without accounts:read on GET /accounts, naming the scope", async () => {
    const response = await list({ context: { scopes: "accounts:write contacts:read" } });

    const error = errorOf(response, 403, "insufficient_scope");
    expect(error.message).toContain("accounts:read");
    expectKeyHeaders(response);
    expect(db.calls()).toHaveLength(0);
  });

  it("refuses a key without accounts:write on POST /accounts, naming the scope", async () => {
    const response = await create({
      context: { scopes: "accounts:read" },
      body: JSON.stringify({ name: "Acme Ltd", currency: "EUR" }),
    });

    const error = errorOf(response, 403, "insufficient_scope");
    expect(error.message).toContain("accounts:write");
    expect(db.calls()).toHaveLength(0);
  });

  it("checks the scope before the request itself (413, 415, 400)", async () => {
    const readOnly = { scopes: "accounts:read" };

    const oversized = await create({ context: readOnly, body: "x".repeat(1024 * 1024 + 1) });
    const wrongType = await create({ context: readOnly, body: "{}", contentType: "text/plain" });
    const invalid = await create({ context: readOnly, body: "{not json" });
    const unknownQuery = await list({ context: { scopes: "accounts:write" }, query: { limit: ["abc"] } });

    errorOf(oversized, 403, "insufficient_scope");
    errorOf(wrongType, 403, "insufficient_scope");
    errorOf(invalid, 403, "insufficient_scope");
    errorOf(unknownQuery, 403, "insufficient_scope");
  });

  it("validates the request only after the key's checks pass", async () => {
    const oversized = await create({ body: "x".repeat(1024 * 1024 + 1), contentType: "text/plain" });
    const wrongType = await create({ body: '{"name":"Acme","currency":"EUR"}', contentType: "text/plain" });
    const missing = await create({ body: undefined });

    errorOf(oversized, 413, "payload_too_large");
    errorOf(wrongType, 415, "unsupported_media_type");
    expect(errorOf(missing, 400, "validation_error").details[0]?.path).toBe("body");
    for (const response of [oversized, wrongType, missing]) expectKeyHeaders(response);
    expect(db.calls()).toHaveLength(0);
  });
});

describe("business chain: headers on every response", () => {
  it("carries X-Request-Id and the RateLimit fields on a success", async () => {
    db.on(QueryCommand).resolves({ Items: [] });

    const response = await list();

    expect(response.statusCode).toBe(200);
    expectKeyHeaders(response);
  });

  it("reports the key's own limit and remaining count", async () => {
    db.on(QueryCommand).resolves({ Items: [] });

    const response = await list({ context: { limit: "5", remaining: "0" } });

    expectKeyHeaders(response, { limit: 5, remaining: 0 });
  });

  it("repeats the request id in every error body", async () => {
    const responses = [
      await list({ context: { ipAllowed: "false" } }),
      await list({ context: { throttled: "true" } }),
      await list({ context: { scopes: "import" } }),
      await list({ query: { limit: ["0"] } }),
      await create({ body: "[]" }),
    ];

    for (const response of responses) {
      expect(header(response, "X-Request-Id")).toBe(REQUEST_ID);
      expect(JSON.parse(response.body).error.requestId).toBe(REQUEST_ID);
    }
  });

  it("never echoes the key in a body or a header", async () => {
    db.on(QueryCommand).resolves({ Items: [ACCOUNT_ITEM] });

    const responses = [
      await list(),
      await list({ context: { throttled: "true" } }),
      await create({ body: "{" }),
      await create({ body: JSON.stringify({ name: "A", currency: "EUR", key: KEY }) }),
    ];

    for (const response of responses) expect(JSON.stringify(response)).not.toContain(KEY.slice(8, 51));
  });
});

describe("GET /api/v1/accounts", () => {
  it("lists the org's accounts, 25 by default, from the org in the context", async () => {
    // Prepare
    db.on(QueryCommand).resolves({ Items: [ACCOUNT_ITEM] });

    // Act
    const response = await list();

    // Assess
    expect(response.statusCode).toBe(200);
    const { pk: _pk, sk: _sk, ...account } = ACCOUNT_ITEM;
    expect(JSON.parse(response.body)).toEqual({ items: [account], nextCursor: null });
    expect(db).toReceiveCommandExactlyOnceWith(QueryCommand, {
      TableName: "data",
      Limit: 25,
      ExpressionAttributeValues: expect.objectContaining({ ":pk": "ORG#org_acme" }),
    });
  });

  it("passes ?limit=100 through", async () => {
    db.on(QueryCommand).resolves({ Items: [] });

    await list({ query: { limit: ["100"] } });

    expect(db).toReceiveCommandWith(QueryCommand, { Limit: 100 });
  });

  it.each(["abc", "0", "101", "1.5", "-3", ""])("refuses ?limit=%s with 400 at query.limit", async (raw) => {
    const response = await list({ query: { limit: [raw] } });

    expect(errorOf(response, 400, "validation_error").details).toEqual([
      { path: "query.limit", message: expect.any(String) },
    ]);
    expectKeyHeaders(response);
    expect(db.calls()).toHaveLength(0);
  });

  it("refuses a query parameter given twice", async () => {
    const response = await list({ query: { limit: ["10", "20"] } });

    expect(errorOf(response, 400, "validation_error").details[0]?.path).toBe("query.limit");
    expect(db.calls()).toHaveLength(0);
  });

  it("refuses a query that tries to pick the org", async () => {
    const response = await list({ query: { orgId: ["org_other"] } });

    expect(errorOf(response, 400, "validation_error").details).toEqual([
      { path: "query.orgId", message: expect.any(String) },
    ]);
    expect(db.calls()).toHaveLength(0);
  });

  it("refuses another org's cursor instead of reading its data", async () => {
    const foreign = encodeCursor("org_other", { sk: "ACCOUNT#acc_01JHKZ5V2R0000000000000000" });

    const response = await list({ query: { cursor: [foreign] } });

    expect(errorOf(response, 400, "validation_error").details[0]?.path).toBe("query.cursor");
    expect(db.calls()).toHaveLength(0);
  });

  it("answers an SDK error with a 500 that says nothing internal", async () => {
    // Prepare
    db.on(QueryCommand).rejects(
      new InternalServerError({
        message: "Internal server error in partition 7f3a for table data (request 9XYZ)",
        $metadata: { httpStatusCode: 500, requestId: "9XYZ" },
      }),
    );

    // Act
    const response = await list();

    // Assess
    const error = errorOf(response, 500, "internal_error");
    expect(error.details).toEqual([]);
    for (const leak of [
      "partition",
      "7f3a",
      "9XYZ",
      "InternalServerError",
      "stack",
      "node_modules",
      "    at ",
    ]) {
      expect(response.body).not.toContain(leak);
    }
    expectKeyHeaders(response);
  });

  it("answers a programming error with the same generic 500", async () => {
    db.on(QueryCommand).rejects(new TypeError("Cannot read properties of undefined (reading 'S')"));

    const response = await list();

    const error = errorOf(response, 500, "internal_error");
    expect(response.body).not.toContain("Cannot read properties");
    expect(response.body).not.toContain("TypeError");
    expect(error.details).toEqual([]);
  });

  it("logs an internal error without the key", async () => {
    db.on(QueryCommand).rejects(new InternalServerError({ message: "boom", $metadata: {} }));

    await list();

    const written = consoleSpies.flatMap((spy) => spy.mock.calls.map((args) => format(...args)));
    expect(written.length).toBeGreaterThan(0);
    for (const line of written) expect(line).not.toContain(KEY.slice(8, 51));
  });
});

describe("POST /api/v1/accounts", () => {
  it("creates an account in the context's org and answers 201 with its Location", async () => {
    // Prepare
    db.on(TransactWriteCommand).resolves({});

    // Act
    const response = await create({ body: JSON.stringify({ name: "Acme Ltd", currency: "EUR" }) });

    // Assess
    expect(response.statusCode).toBe(201);
    const account = JSON.parse(response.body);
    expect(account).toEqual({
      id: expect.stringMatching(/^acc_[0-9A-Z]{26}$/),
      name: "Acme Ltd",
      externalRef: null,
      currency: "EUR",
      balance: 0,
      status: "open",
      createdAt: "2025-01-15T10:07:30.250Z",
      updatedAt: "2025-01-15T10:07:30.250Z",
    });
    // The event is the fixture's, called on the bare stage URL: the link keeps the stage (API.md §6).
    expect(header(response, "Location")).toBe(`/prod/api/v1/accounts/${account.id}`);
    expect(header(response, "Content-Type")).toMatch(/^application\/json/);
    expectKeyHeaders(response);
    expect(db).toReceiveCommandTimes(TransactWriteCommand, 1);
    const [accountPut, interactionPut, outboxPut, ...rest] =
      db.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(rest).toEqual([]);
    expect(accountPut?.Put).toMatchObject({
      TableName: "data",
      Item: { pk: "ORG#org_acme", sk: `ACCOUNT#${account.id}`, ...account },
      ConditionExpression: "attribute_not_exists(pk)",
    });
    expect(interactionPut?.Put?.Item).toEqual({
      pk: "ORG#org_acme",
      sk: expect.stringMatching(/^INTERACTION#int_[0-9A-Z]{26}$/),
      id: expect.stringMatching(/^int_/),
      accountId: account.id,
      type: "account.created",
      at: "2025-01-15T10:07:30.250Z",
      data: account,
    });
    // The webhook outbox item (API.md §9), in the same transaction: the event exists iff the write does.
    expect(outboxPut?.Put).toEqual({
      TableName: "data",
      Item: {
        pk: "ORG#org_acme",
        sk: `OUTBOX#${interactionPut?.Put?.Item?.id.replace(/^int_/, "evt_")}`,
        id: interactionPut?.Put?.Item?.id.replace(/^int_/, "evt_"),
        type: "account.created",
        createdAt: "2025-01-15T10:07:30.250Z",
        orgId: "org_acme",
        data: account,
        ttl: Math.floor(Date.parse("2025-01-15T10:07:30.250Z") / 1000) + 7 * 86_400,
      },
      ConditionExpression: "attribute_not_exists(pk)",
    });
  });

  it("accepts application/json; charset=utf-8", async () => {
    db.on(TransactWriteCommand).resolves({});

    const response = await create({
      body: JSON.stringify({ name: "Acme Ltd", currency: "EUR" }),
      contentType: "application/json; charset=utf-8",
    });

    expect(response.statusCode).toBe(201);
  });

  it("accepts a body of exactly 1 MiB and refuses one byte more with 413", async () => {
    // Prepare: a valid body padded with JSON whitespace to the byte.
    db.on(TransactWriteCommand).resolves({});
    const json = JSON.stringify({ name: "Acme Ltd", currency: "EUR" });
    const exact = json + " ".repeat(1024 * 1024 - json.length);

    // Act
    const accepted = await create({ body: exact });
    const refused = await create({ body: `${exact} ` });

    // Assess
    expect(accepted.statusCode).toBe(201);
    errorOf(refused, 413, "payload_too_large");
    expect(db.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it.each(["text/plain", "application/x-www-form-urlencoded", "text/csv"])(
    "refuses a %s body with 415",
    async (contentType) => {
      const response = await create({ body: JSON.stringify({ name: "Acme", currency: "EUR" }), contentType });

      errorOf(response, 415, "unsupported_media_type");
      expect(db.calls()).toHaveLength(0);
    },
  );

  it.each([
    ["no body", undefined],
    ["an empty body", ""],
    ["a JSON array", "[]"],
    ["JSON null", "null"],
    ["a JSON string", '"Acme"'],
    ["malformed JSON", '{"name": "Acme",'],
  ])("refuses %s with 400 at body", async (_name, body) => {
    const response = await create({ body });

    expect(errorOf(response, 400, "validation_error").details[0]?.path).toBe("body");
    expect(db.calls()).toHaveLength(0);
  });

  it("refuses a body that tries to set the org, naming each unknown field", async () => {
    const response = await create({
      body: JSON.stringify({ name: "Acme", currency: "EUR", orgId: "org_other", org: "org_other" }),
    });

    const error = errorOf(response, 400, "validation_error");
    expect(error.details.map((detail) => detail.path).sort()).toEqual(["org", "orgId"]);
    expect(db.calls()).toHaveLength(0);
  });

  it("refuses any query parameter, an org among them", async () => {
    const response = await create({
      body: JSON.stringify({ name: "Acme", currency: "EUR" }),
      query: { orgId: ["org_other"] },
    });

    expect(errorOf(response, 400, "validation_error").details[0]?.path).toBe("query.orgId");
    expect(db.calls()).toHaveLength(0);
  });

  it("names every invalid field", async () => {
    const response = await create({ body: JSON.stringify({ name: "", currency: "eur", balance: 1.5 }) });

    const error = errorOf(response, 400, "validation_error");
    expect([...new Set(error.details.map((detail) => detail.path))].sort()).toEqual([
      "balance",
      "currency",
      "name",
    ]);
  });

  it("answers 409 conflict for an externalRef the org already uses", async () => {
    db.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: "Transaction cancelled",
        $metadata: {},
        CancellationReasons: [{ Code: "None" }, { Code: "ConditionalCheckFailed" }],
      }),
    );

    const response = await create({
      body: JSON.stringify({ name: "Acme", currency: "EUR", externalRef: "crm-1" }),
    });

    errorOf(response, 409, "conflict");
    expectKeyHeaders(response);
  });

  it("writes an externalRef guard in the context's org with the account and its interaction", async () => {
    db.on(TransactWriteCommand).resolves({});

    const response = await create({
      body: JSON.stringify({ name: "Acme", currency: "EUR", externalRef: "crm-1" }),
    });

    expect(response.statusCode).toBe(201);
    const items = db.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(items.map((item) => item.Put?.Item?.pk)).toEqual([
      "ORG#org_acme",
      "ORG#org_acme",
      "ORG#org_acme",
      "ORG#org_acme",
    ]);
    expect(items.map((item) => item.Put?.Item?.sk)).toEqual([
      `ACCOUNT#${JSON.parse(response.body).id}`,
      "EXTREF#crm-1",
      expect.stringMatching(/^INTERACTION#/),
      expect.stringMatching(/^OUTBOX#evt_/),
    ]);
  });
});
