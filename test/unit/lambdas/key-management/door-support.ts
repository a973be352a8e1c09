import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import type { APIGatewayProxyResult } from "aws-lambda";
import { type AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { allCustomMatcherWithAliases } from "aws-sdk-client-mock-vitest";
import { afterAll, afterEach, beforeEach, expect, type MockInstance, vi } from "vitest";
import { createHandler as createDirectHandler } from "../../../../lambdas/key-management/doors/direct.handler";
import { createHandler as createHttpHandler } from "../../../../lambdas/key-management/doors/http.handler";
import { unstub } from "../../../client-stubs";
import {
  type AdminRequest,
  adminEvent,
  KEYS_RESOURCE,
  keyIdFor,
  lambdaContext,
  NOW,
  storedKey,
  testRuntime,
} from "./helpers";
import { answerPolicyReads, resetPolicyReads } from "./policy-reads";

/**
 * What the door tests (`admin-door-*.test.ts`, `direct-door.test.ts`) share: the mocked document
 * client, a clock they can move, the console captured, and both doors' entry points.
 */
expect.extend(allCustomMatcherWithAliases);

/** The mocked document client, made anew for each file by `useDoorTestSetup`. */
export let ddb: AwsClientStub<DynamoDBDocumentClient>;
const state = { clock: NOW, logs: [] as MockInstance[] };

/** Moves the handlers' clock (reset to `NOW` before each test). */
export const setClock = (ms: number) => {
  state.clock = ms;
};

/** Both doors' handlers, built over the test runtime (on the clock `setClock` moves), as a cold start builds them. */
const runtime = testRuntime(() => state.clock);
export const httpHandler = createHttpHandler(runtime);
const directHandler = createDirectHandler(runtime);

/** Registers the per-test setup: the clock back at `NOW`, a quiet console, fresh mocks. */
export function useDoorTestSetup(): void {
  ddb = mockClient(DynamoDBDocumentClient);
  answerPolicyReads();
  beforeEach(() => {
    state.clock = NOW;
    state.logs = [vi.spyOn(console, "log"), vi.spyOn(console, "warn"), vi.spyOn(console, "error")].map(
      (spy) => spy.mockImplementation(() => undefined),
    );
  });
  afterEach(() => {
    ddb.reset();
    resetPolicyReads();
    vi.restoreAllMocks();
  });
  afterAll(() => unstub(DynamoDBDocumentClient));
}

/** Everything the handler wrote to the console during the test. */
export const logged = () =>
  state.logs.flatMap((spy) => spy.mock.calls.map((args) => args.join(" "))).join("\n");

/** An admin route's request through the admin door (API Gateway). */
export function http(request: AdminRequest): Promise<APIGatewayProxyResult> {
  return httpHandler(adminEvent(request), lambdaContext());
}

export const json = (result: APIGatewayProxyResult) => JSON.parse(result.body);

/** The items of the `n`th (1-based) transaction sent. */
export const transaction = (n = 1) =>
  ddb.commandCalls(TransactWriteCommand)[n - 1]?.args[0].input.TransactItems ?? [];
export const auditPuts = (n = 1) =>
  transaction(n)
    .filter((item) => item.Put?.TableName === "audit")
    .map((item) => item.Put?.Item as Record<string, unknown>);

export const cancelled = (...reasons: { Code: string; Item?: Record<string, { S: string }> }[]) =>
  new TransactionCanceledException({
    message: "Transaction cancelled, please refer cancellation reasons for specific reasons",
    $metadata: {},
    CancellationReasons: reasons,
  });
export const NONE = { Code: "None" };
export const CONDITION = { Code: "ConditionalCheckFailed" };
export const CONFLICT = { Code: "TransactionConflict" };

export const DIRECT_REQUEST_ID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
/** A direct invocation's payload through the direct door. */
export const invoke = (payload: unknown) => directHandler(payload, lambdaContext(DIRECT_REQUEST_ID));

export const createRequest = (body: unknown, orgId = "acme"): AdminRequest => ({
  method: "POST",
  resource: KEYS_RESOURCE,
  pathParameters: { orgId },
  body: typeof body === "string" ? body : JSON.stringify(body),
  contentType: "application/json",
});

export const positionOf = (n: number, orgId = "acme") => ({
  orgId,
  createdAt: storedKey(n).createdAt,
  pk: keyIdFor(n),
});
