/** The authorizer unit tests' shared fixtures: API.md §1's test vector, a key item, DynamoDB's answers. */
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DynamoDBClient,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { type AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, expect, type MockInstance, vi } from "vitest";
import type { Runtime, Settings } from "../../../../contract/runtime";
import { createHandler } from "../../../../lambdas/authorizer/authorizer.handler";
import { generateApiKey } from "../../../../lambdas/shared/api-keys/api-key";
import { authorizerRequestFixture, withHeaders } from "../../../fixtures/events";
import { offlineDynamo } from "../../../offline-dynamo";

/** API.md §1's test vector: the key, its SHA-256 and the id derived from it. */
export const KEY = "fynex_k_003aUlTJC7tjlCTQj2uNU3MFagCXG9LRKRcwGkBIDlf3oAV0y";
export const KEY_HASH = "c1f996ff0b66c7511308ea0f18906426097df8ba053d122238d3ecad2cc6a51e";
export const KEY_ID = "key_5u1a57vZeyw1x9yto1mqYA";
export const OTHER_KEY = generateApiKey(new Uint8Array(32).fill(7));

/** 2025-01-15T10:07:30.250Z, inside the window [10:00, 10:15). */
export const NOW = Date.UTC(2025, 0, 15, 10, 7, 30, 250);
export const WINDOW = 900;
export const WINDOW_START = Date.UTC(2025, 0, 15, 10, 0, 0) / 1000;
export const PREVIOUS_WINDOW_START = WINDOW_START - WINDOW;
export const RESET_AT = WINDOW_START + WINDOW;

/** The mocked client and the captured console, made anew for each file by `useMockedKeysTable`. */
export let ddb: AwsClientStub<DynamoDBClient>;
export let consoleSpies: MockInstance[] = [];

/** What the authorizer tests build it over: the fixed clock, a client `ddb` answers, the test settings. */
export function testRuntime(settings: Partial<Settings> = {}): Runtime {
  return {
    clock: () => NOW,
    dynamo: offlineDynamo(),
    settings: {
      keysTable: "keys",
      dataTable: "",
      auditTable: "audit",
      rateLimit: 100,
      rateWindowSeconds: WINDOW,
      ...settings,
    },
  };
}

/** The authorizer under test: built over the test runtime, as a cold start builds it over the environment. */
export const handler = createHandler(testRuntime());

/** Registers the hooks every authorizer test file needs: a reset mock, a quiet console. */
export function useMockedKeysTable(): void {
  ddb = mockClient(DynamoDBClient);
  consoleSpies = (["log", "info", "warn", "error", "debug", "trace"] as const).map((method) =>
    vi.spyOn(console, method).mockImplementation(() => undefined),
  );
  afterEach(() => {
    ddb.reset();
    for (const spy of consoleSpies) spy.mockClear();
  });

  afterAll(() => {
    ddb.restore();
    for (const spy of consoleSpies) spy.mockRestore();
  });
}

/** The key item as DynamoDB returns it (ALL_NEW or ALL_OLD). */
export function keyItem(overrides: Record<string, AttributeValue> = {}): Record<string, AttributeValue> {
  return {
    pk: { S: KEY_ID },
    hash: { S: KEY_HASH },
    orgId: { S: "org_acme" },
    name: { S: "CI" },
    scopes: { L: [{ S: "accounts:read" }, { S: "accounts:write" }] },
    hint: { S: "fynex_k_003a…AV0y" },
    createdAt: { S: "2025-01-01T00:00:00.000Z" },
    createdBy: { S: "arn:aws:iam::123456789012:user/admin" },
    windowStart: { N: String(WINDOW_START) },
    windowCount: { N: "42" },
    lastUsedAt: { N: String(NOW) },
    ...overrides,
  };
}

export const conditionFailed = (item?: Record<string, AttributeValue>) =>
  new ConditionalCheckFailedException({
    message: "The conditional request failed",
    $metadata: { httpStatusCode: 400 },
    ...(item ? { Item: item } : {}),
  });

export function requestWithKey(headers: Record<string, string[]>): APIGatewayRequestAuthorizerEvent {
  return withHeaders(authorizerRequestFixture(), headers);
}

export const keyRequest = (key = KEY) => requestWithKey({ "X-API-Key": [key] });

/** The error the handler throws (it must throw: this is how a REST authorizer answers 401 or 503). */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`expected an Error, got ${String(error)}`);
  }
  throw new Error("expected the handler to throw, but it answered");
}

export async function expectUnauthorized(event: APIGatewayRequestAuthorizerEvent): Promise<void> {
  const error = await rejectionOf(handler(event));
  expect(error.message).toBe("Unauthorized");
}

export function expectAllow(result: APIGatewayAuthorizerResult): void {
  expect(result.principalId).toBe(KEY_ID);
  expect(result.policyDocument.Statement).toEqual([
    {
      Action: "execute-api:Invoke",
      Effect: "Allow",
      Resource: "arn:aws:execute-api:eu-west-1:123456789012:puhdx84jy9/prod/POST/lambda-request",
    },
  ]);
}

/** The context as the business Lambda receives it: every value stringified by API Gateway. */
export function stringified(result: APIGatewayAuthorizerResult): Record<string, string> {
  return Object.fromEntries(
    Object.entries(result.context ?? {}).map(([name, value]) => [name, String(value)]),
  );
}

export const updateInputs = () => ddb.commandCalls(UpdateItemCommand).map((call) => call.args[0].input);
