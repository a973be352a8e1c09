import middy from "@middy/core";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { describe, expect, it, vi } from "vitest";
import type { HttpResult } from "../../../../../lambdas/shared/http/http-result";
import { lambdaAuthorizerProxyFixture, withHeaders } from "../../../../fixtures/events";
import { captureOutput } from "./capture-output";

/**
 * The business chain's and the doors' request telemetry (`requestTelemetry`, docs/DECISIONS.md #336):
 * one log line per request and two embedded-metric-format documents, as Powertools wrote them (the
 * alarms and the dashboard read these names, units and dimensions). Modules are loaded afresh for each
 * test (the log's level and the metrics' dimensions are process-wide), as deployed unless a test says
 * otherwise: no `POWERTOOLS_DEV`.
 */
const KEY = "fynex_k_003aUlTJC7tjlCTQj2uNU3MFagCXG9LRKRcwGkBIDlf3oAV0y";
const CONTEXT = { functionName: "fynex-test", awsRequestId: "lambda-request-1" } as Context;

type Settings = { telemetry?: boolean; envName?: string };

/** A function's chain with the telemetry middleware, answering `status` (or throwing, for 500). */
async function chain(settings: Settings, answer: { status: number; body?: string }, env = {}) {
  vi.stubEnv("POWERTOOLS_DEV", "");
  vi.stubEnv("POWERTOOLS_METRICS_DISABLED", undefined);
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value as string);
  vi.resetModules();
  const { requestTelemetry } = await import("../../../../../lambdas/shared/observability/telemetry");
  const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult | HttpResult>()
    .use(requestTelemetry("fynex-api", settings, () => ({ orgId: "acme", keyId: "key_1" })))
    .handler(async () => ({ statusCode: answer.status, body: answer.body ?? "{}" }));
  const event = {
    ...withHeaders(lambdaAuthorizerProxyFixture(), { "X-API-Key": [KEY] }),
    httpMethod: "GET",
    resource: "/api/v1/accounts",
  };
  return () => handler(event, { ...CONTEXT });
}

const written = captureOutput();

const records = () => written.map(({ text }) => JSON.parse(text) as Record<string, unknown>);
const documents = () => records().filter((record) => "_aws" in record);

describe("with telemetry on", () => {
  it("writes the request's line, with its Lambda context, and never its event", async () => {
    // Prepare
    const serve = await chain({ telemetry: true, envName: "prod" }, { status: 200 });

    // Act
    await serve();

    // Assess
    const [line] = records().filter((record) => record.message === "request");
    expect(line).toMatchObject({
      level: "INFO",
      service: "fynex-api",
      cold_start: false,
      function_name: "fynex-test",
      function_request_id: "lambda-request-1",
      requestId: lambdaAuthorizerProxyFixture().requestContext.requestId,
      route: "GET /api/v1/accounts",
      status: 200,
      outcome: "ok",
      durationMs: expect.any(Number),
      orgId: "acme",
      keyId: "key_1",
    });
    expect(written.map(({ text }) => text).join("")).not.toContain(KEY);
  });

  it("publishes two metric documents per request: per route, then across routes", async () => {
    const serve = await chain(
      { telemetry: true, envName: "prod" },
      { status: 429, body: JSON.stringify({ error: { code: "rate_limited" } }) },
    );

    await serve();

    expect(written.filter(({ stream }) => stream === "stdout")).toHaveLength(3);
    const [perRoute, acrossRoutes] = documents();
    expect(perRoute).toEqual({
      _aws: {
        Timestamp: expect.any(Number),
        CloudWatchMetrics: [
          {
            Namespace: "Fynex",
            Dimensions: [["service", "environment", "route"]],
            Metrics: [
              { Name: "Latency", Unit: "Milliseconds" },
              { Name: "ServerErrors", Unit: "Count" },
              { Name: "RateLimited", Unit: "Count" },
            ],
          },
        ],
      },
      service: "fynex-api",
      environment: "prod",
      route: "GET /api/v1/accounts",
      Latency: expect.any(Number),
      ServerErrors: 0,
      RateLimited: 1,
    });
    expect(Object.keys(perRoute ?? {})).toEqual([
      "_aws",
      "service",
      "environment",
      "route",
      "Latency",
      "ServerErrors",
      "RateLimited",
    ]);
    expect(acrossRoutes).toEqual({
      _aws: {
        Timestamp: expect.any(Number),
        CloudWatchMetrics: [
          {
            Namespace: "Fynex",
            Dimensions: [["service", "environment"]],
            Metrics: [
              { Name: "ServerErrors", Unit: "Count" },
              { Name: "RateLimited", Unit: "Count" },
            ],
          },
        ],
      },
      service: "fynex-api",
      environment: "prod",
      ServerErrors: 0,
      RateLimited: 1,
    });
    expect(records().find((record) => record.message === "request")?.outcome).toBe("rate_limited");
  });

  it("counts a 5xx, under the local environment when the function names none", async () => {
    const serve = await chain({ telemetry: true }, { status: 503 });

    await serve();

    expect(documents().map((document) => [document.environment, document.ServerErrors])).toEqual([
      ["local", 1],
      ["local", 1],
    ]);
  });

  it("publishes no metrics in development mode, unless POWERTOOLS_METRICS_DISABLED says false", async () => {
    const quiet = await chain({ telemetry: true }, { status: 200 }, { POWERTOOLS_DEV: "true" });
    await quiet();
    expect(documents()).toEqual([]);
    expect(records().map((record) => record.message)).toEqual(["request"]);

    written.length = 0;
    const loud = await chain(
      { telemetry: true },
      { status: 200 },
      { POWERTOOLS_DEV: "true", POWERTOOLS_METRICS_DISABLED: "false" },
    );
    await loud();
    expect(written.filter(({ stream }) => stream === "console.log")).toHaveLength(2);
  });

  it("publishes no metrics where POWERTOOLS_METRICS_DISABLED is true", async () => {
    const serve = await chain({ telemetry: true }, { status: 200 }, { POWERTOOLS_METRICS_DISABLED: "1" });

    await serve();

    expect(documents()).toEqual([]);
  });
});

describe("with telemetry off", () => {
  it("writes neither the request's line nor its metrics", async () => {
    const serve = await chain({ telemetry: false }, { status: 500 });

    await serve();

    expect(written).toEqual([]);
  });
});
