import { generateKeyPairSync, sign } from "node:crypto";
import { DynamoDBClient, InternalServerError, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { APIGatewayProxyEvent, Context } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Runtime } from "../../../../../contract/runtime";
import { createHandler as listAccountsHandler } from "../../../../../lambdas/accounts/list-accounts.handler";
import { createHandler as authorizerHandler } from "../../../../../lambdas/authorizer/authorizer.handler";
import { createHandler as secretScanningHandler } from "../../../../../lambdas/secret-scanning/secret-scanning.handler";
import {
  authorizerRequestFixture,
  lambdaAuthorizerProxyFixture,
  withHeaders,
} from "../../../../fixtures/events";
import { offlineDynamo } from "../../../../offline-dynamo";

/**
 * Nothing deployed logs its event, even with the variable that turned Powertools' event logging on
 * (`POWERTOOLS_LOGGER_LOG_EVENT=true` in a function's environment; our own logger reads nothing of it,
 * docs/DECISIONS.md #336, and this stays in case a logger that does comes back): the events carry
 * keys, in the `X-API-Key` header or, for a leak report, in the body. Set before any handler module
 * loads, since a logger would read it when it is created.
 */
vi.hoisted(() => {
  process.env.POWERTOOLS_LOGGER_LOG_EVENT = "true";
});

/** API.md §1's test vector. */
const KEY = "fynex_k_003aUlTJC7tjlCTQj2uNU3MFagCXG9LRKRcwGkBIDlf3oAV0y";
const OTHER_KEY = "fynex_k_7mXqR2vLc9TnB4wYpK8sJd3HfG6aZeU1oQiN5rMtVbCxE0yWl";
const LAMBDA_CONTEXT = {
  functionName: "fynex-test",
  awsRequestId: "c6af9ac6-7b61-11e6-9a41-93e812345678",
} as Context;

const ddb = mockClient(DynamoDBClient);
const documents = mockClient(DynamoDBDocumentClient);
let output: string[] = [];
const consoleSpies = (["log", "info", "warn", "error", "debug", "trace"] as const).map((method) =>
  vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
    output.push(args.map((arg) => (typeof arg === "string" ? arg : JSON.stringify(arg))).join(" "));
  }),
);
const stdoutSpy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
  output.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
  return true;
});

const scanningKeys = generateKeyPairSync("ec", { namedCurve: "P-256" });
const SCANNING_KEY_ID = "event-logging-test";

/** The functions as deployed with telemetry on, over a client the mocks answer. */
const runtime: Runtime = {
  clock: () => Date.UTC(2025, 0, 15, 10, 7, 30),
  dynamo: offlineDynamo(),
  settings: {
    keysTable: "keys",
    dataTable: "data",
    auditTable: "audit",
    rateLimit: 100,
    rateWindowSeconds: 900,
    telemetry: true,
    envName: "test",
    secretScanningKeys: {
      [SCANNING_KEY_ID]: scanningKeys.publicKey.export({ type: "spki", format: "pem" }).toString(),
    },
  },
};
const authorizer = authorizerHandler(runtime);
const listAccounts = listAccountsHandler(runtime);
const secretScanning = secretScanningHandler(runtime);

beforeEach(() => {
  output = [];
});

afterEach(() => {
  ddb.reset();
  documents.reset();
});

afterAll(() => {
  ddb.restore();
  documents.restore();
  for (const spy of consoleSpies) spy.mockRestore();
  stdoutSpy.mockRestore();
  delete process.env.POWERTOOLS_LOGGER_LOG_EVENT;
});

/** Everything written, and that something was (so that "no key in it" cannot pass on silence). */
function written(): string {
  const text = output.join("\n");
  expect(text.length).toBeGreaterThan(0);
  return text;
}

describe("with POWERTOOLS_LOGGER_LOG_EVENT=true", () => {
  it("the authorizer writes its decision line, never its event, for a storage failure", async () => {
    // Prepare
    ddb.on(UpdateItemCommand).rejects(new InternalServerError({ message: "boom", $metadata: {} }));
    const event = withHeaders(authorizerRequestFixture(), { "X-API-Key": [KEY] });

    // Act
    await expect(authorizer(event)).rejects.toThrow();

    // Assess
    const text = written();
    expect(text).toContain('"outcome":"storage_error"');
    expect(text).not.toContain(KEY);
  });

  it("the authorizer writes nothing of two presented keys", async () => {
    const event = withHeaders(authorizerRequestFixture(), { "X-API-Key": [KEY, OTHER_KEY] });

    await expect(authorizer(event)).rejects.toThrow("Unauthorized");

    const text = written();
    expect(text).toContain('"outcome":"malformed"');
    expect(text).not.toContain(KEY);
    expect(text).not.toContain(OTHER_KEY);
  });

  it("the secret-scanning handler logs what a report did, never the report", async () => {
    // Prepare: a signed report naming a key that was never issued.
    ddb.onAnyCommand().resolves({});
    documents.onAnyCommand().resolves({});
    const body = JSON.stringify([
      { token: KEY, type: "fynex_api_key", url: "https://github.com/o/r/blob/1/.env", source: "content" },
    ]);
    const signature = sign("sha256", Buffer.from(body), { key: scanningKeys.privateKey, dsaEncoding: "der" });
    const fixture = lambdaAuthorizerProxyFixture();
    const event: APIGatewayProxyEvent = {
      ...withHeaders(fixture, {
        "Content-Type": ["application/json"],
        "Github-Public-Key-Identifier": [SCANNING_KEY_ID],
        "Github-Public-Key-Signature": [signature.toString("base64")],
      }),
      httpMethod: "POST",
      resource: "/security/v1/secret-scanning",
      path: "/security/v1/secret-scanning",
      body,
      isBase64Encoded: false,
    };

    // Act
    const response = await secretScanning(event, LAMBDA_CONTEXT);

    // Assess
    expect(response).toMatchObject({ statusCode: 200 });
    const text = written();
    expect(text).toContain("secret scanning report handled");
    expect(text).not.toContain(KEY);
  });

  it("a business route logs its request line, never its event", async () => {
    // Prepare
    documents.onAnyCommand().resolves({ Items: [] });
    const fixture = lambdaAuthorizerProxyFixture();
    const event: APIGatewayProxyEvent = {
      ...withHeaders(fixture, { "X-API-Key": [KEY] }),
      httpMethod: "GET",
      resource: "/api/v1/accounts",
      path: "/api/v1/accounts",
      body: null,
    };

    // Act
    await listAccounts(event, LAMBDA_CONTEXT);

    // Assess
    const text = written();
    expect(text).toMatch(/"message":\s*"request"/);
    expect(text).not.toContain(KEY);
  });
});
