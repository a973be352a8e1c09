import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { type AwsClientStub, mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { afterAll, afterEach, beforeEach, expect, type MockInstance, vi } from "vitest";
import type { Runtime } from "../../../../../contract/runtime";
import { createHandler as createAccount } from "../../../../../lambdas/accounts/create-account.handler";
import { createHandler as listAccounts } from "../../../../../lambdas/accounts/list-accounts.handler";
import { lambdaAuthorizerProxyFixture, withHeaders } from "../../../../fixtures/events";
import { offlineDynamo } from "../../../../offline-dynamo";

/**
 * What the business chain's tests (`api-route-happy`, `-errors` and `-security.test.ts`) share: the
 * accounts routes built over a clock the tests move and a mocked document client, proxy events as API
 * Gateway hands them over behind the authorizer, and the checks of the envelope and the key's headers.
 */

export const KEY = "fynex_k_003aUlTJC7tjlCTQj2uNU3MFagCXG9LRKRcwGkBIDlf3oAV0y";
const KEY_ID = "key_5u1a57vZeyw1x9yto1mqYA";
/** The fixture's `requestContext.requestId`. */
export const REQUEST_ID = "3c177581-2d03-4af4-9b68-5924083f37fe";
const ROUTE = "/api/v1/accounts";

/** 2025-01-15T10:07:30.250Z: 449.75 s before the window [10:00, 10:15) ends. */
const NOW = Date.UTC(2025, 0, 15, 10, 7, 30, 250);
export const RESET_AT = Date.UTC(2025, 0, 15, 10, 15, 0) / 1000;
export const SECONDS_TO_RESET = 450;

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

/** The mocked document client, made anew for each file by `useApiRouteTestSetup`. */
export let db: AwsClientStub<DynamoDBDocumentClient>;
let now = NOW;
/** The console, captured for each file: what the chain logs, for the tests that read it. */
export let consoleSpies: MockInstance[] = [];

/** What the routes are built over: a clock the tests move, a client the mock answers, the data table. */
const runtime: Runtime = {
  clock: () => now,
  dynamo: offlineDynamo(),
  settings: { keysTable: "", dataTable: "data", auditTable: "", rateLimit: 100, rateWindowSeconds: 900 },
};
const createAccountHandler = createAccount(runtime);
const listAccountsHandler = listAccounts(runtime);

/** Moves the routes' clock (back at `NOW` before each test). */
export const setNow = (instant: number) => {
  now = instant;
};

/** Registers the per-test setup: the clock back at `NOW`, fresh mocks, a quiet console restored at the end. */
export function useApiRouteTestSetup(): void {
  db = mockClient(DynamoDBDocumentClient);
  consoleSpies = (["log", "info", "warn", "error", "debug"] as const).map((method) =>
    vi.spyOn(console, method).mockImplementation(() => undefined),
  );
  beforeEach(() => {
    now = NOW;
  });

  afterEach(() => {
    db.reset();
    for (const spy of consoleSpies) spy.mockClear();
  });

  afterAll(() => {
    db.restore();
    for (const spy of consoleSpies) spy.mockRestore();
  });
}

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

export async function list(spec: Omit<RequestSpec, "method"> = {}): Promise<APIGatewayProxyResult> {
  return proxyResult(await listAccountsHandler(apiEvent({ method: "GET", ...spec }), LAMBDA_CONTEXT));
}

export async function create(spec: Omit<RequestSpec, "method"> = {}): Promise<APIGatewayProxyResult> {
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

export const header = (response: APIGatewayProxyResult, name: string) => response.headers?.[name];

/** The headers every response to a live key carries, errors included. */
export function expectKeyHeaders(
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
export function errorOf(response: APIGatewayProxyResult, status: number, code: string): ErrorBody {
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

export const ACCOUNT_ITEM = {
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
