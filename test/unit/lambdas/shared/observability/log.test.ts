import type { Context } from "aws-lambda";
import { describe, expect, it, vi } from "vitest";
import { captureOutput } from "./capture-output";

/**
 * The functions' log (`lambdas/shared/observability/log.ts`, docs/DECISIONS.md #336): the JSON lines
 * Powertools' logger wrote, same keys in the same order, on the same streams. Each test loads the
 * module afresh (its level, service and Lambda context are process-wide), in the environment a
 * deployed function has unless it says otherwise: no `POWERTOOLS_DEV`, an on-demand start.
 */
type LogModule = typeof import("../../../../../lambdas/shared/observability/log");

async function freshLog(env: Record<string, string> = {}): Promise<LogModule> {
  vi.stubEnv("POWERTOOLS_DEV", "");
  vi.stubEnv("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
  vi.stubEnv("_X_AMZN_TRACE_ID", "");
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  vi.resetModules();
  return import("../../../../../lambdas/shared/observability/log");
}

const CONTEXT = {
  functionName: "fynex-prod-list-accounts",
  invokedFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:fynex-prod-list-accounts",
  memoryLimitInMB: "512",
  awsRequestId: "c6af9ac6-7b61-11e6-9a41-93e812345678",
  functionVersion: "$LATEST",
} as Context;

const written = captureOutput();

const lines = () => written.map(({ text }) => JSON.parse(text) as Record<string, unknown>);

describe("a log line", () => {
  it("is one line of JSON on stdout: level, message, timestamp, service, then the caller's fields", async () => {
    // Prepare
    const { log, logService } = await freshLog();
    logService("fynex-admin");

    // Act
    log("info", "request", { route: "GET /x", status: 200 });

    // Assess
    expect(written).toHaveLength(1);
    expect(written[0]?.stream).toBe("stdout");
    expect(written[0]?.text).toMatch(/^\{[^\n]*\}\n$/);
    const [line] = lines();
    expect(Object.keys(line ?? {})).toEqual(["level", "message", "timestamp", "service", "route", "status"]);
    expect(line).toMatchObject({ level: "INFO", message: "request", service: "fynex-admin", status: 200 });
    expect(new Date(String(line?.timestamp)).toISOString()).toBe(line?.timestamp);
  });

  it("goes to stderr at WARN and ERROR", async () => {
    const { log } = await freshLog();

    log("warn", "careful");
    log("error", "failed");

    expect(written.map(({ stream }) => stream)).toEqual(["stderr", "stderr"]);
    expect(lines().map((line) => line.level)).toEqual(["WARN", "ERROR"]);
  });

  it("is written at the level set and above, INFO until one is set", async () => {
    const { log, setLogLevel } = await freshLog();

    log("info", "one");
    setLogLevel("WARN");
    log("info", "two");
    log("warn", "three");
    log("error", "four");
    setLogLevel("INFO");
    log("info", "five");

    expect(lines().map((line) => line.message)).toEqual(["one", "three", "four", "five"]);
  });

  it("names the service first asked for, the API's if none was", async () => {
    const first = await freshLog();
    first.log("info", "a");
    first.logService("fynex-admin");
    const second = await freshLog();
    second.logService("fynex-admin");
    second.logService("fynex-api");
    second.log("info", "b");

    expect(lines().map((line) => line.service)).toEqual(["fynex-api", "fynex-admin"]);
  });

  it("carries the invocation's Lambda context, cold_start true on the first only", async () => {
    // Prepare
    const { log, setLambdaContext } = await freshLog();

    // Act
    setLambdaContext(CONTEXT);
    log("info", "first");
    setLambdaContext({ ...CONTEXT, awsRequestId: "second-request" });
    log("warn", "second");

    // Assess
    const [first, second] = lines();
    expect(Object.keys(first ?? {})).toEqual([
      "level",
      "message",
      "timestamp",
      "service",
      "cold_start",
      "function_arn",
      "function_memory_size",
      "function_name",
      "function_request_id",
    ]);
    expect(first).toMatchObject({
      cold_start: true,
      function_arn: CONTEXT.invokedFunctionArn,
      function_memory_size: "512",
      function_name: CONTEXT.functionName,
      function_request_id: CONTEXT.awsRequestId,
    });
    expect(second).toMatchObject({ cold_start: false, function_request_id: "second-request" });
  });

  it("says no cold start where Lambda did not start the process on demand (provisioned concurrency)", async () => {
    const { log, setLambdaContext } = await freshLog({
      AWS_LAMBDA_INITIALIZATION_TYPE: "provisioned-concurrency",
    });

    setLambdaContext(CONTEXT);
    log("info", "first");

    expect(lines()[0]?.cold_start).toBe(false);
  });

  it("carries the X-Ray trace id Lambda gives the invocation", async () => {
    const { log } = await freshLog({
      _X_AMZN_TRACE_ID: "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
    });

    log("info", "traced");

    expect(lines()[0]?.xray_trace_id).toBe("1-5759e988-bd862e3fe1be46a994272793");
  });

  it("keeps its own keys from the caller's fields, and leaves out absent, null and empty values", async () => {
    const { log } = await freshLog();

    log("warn", "kept", {
      level: "DEBUG",
      message: "replaced",
      timestamp: "never",
      service: "other",
      keyId: "",
      orgId: null,
      actor: undefined,
      count: 0,
      throttled: false,
      nested: { a: 1 },
    });

    const [line] = lines();
    expect(line).toMatchObject({ level: "WARN", message: "kept", service: "fynex-api" });
    expect(line?.timestamp).not.toBe("never");
    expect(Object.keys(line ?? {})).toEqual([
      "level",
      "message",
      "timestamp",
      "service",
      "count",
      "throttled",
      "nested",
    ]);
  });

  it("is still written, without the fields, when a field cannot be JSON", async () => {
    const { log } = await freshLog();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;

    log("error", "unhandled error", { requestId: "r-1", cyclic });

    expect(lines()).toEqual([expect.objectContaining({ level: "ERROR", message: "unhandled error" })]);
    expect(lines()[0]).not.toHaveProperty("requestId");
  });
});

describe("in development mode (POWERTOOLS_DEV, the test suite's)", () => {
  it("goes through the global console, by level, indented", async () => {
    const { log } = await freshLog({ POWERTOOLS_DEV: "true" });

    log("info", "one", { a: 1 });
    log("warn", "two");
    log("error", "three");

    expect(written.map(({ stream }) => stream)).toEqual(["console.info", "console.warn", "console.error"]);
    expect(written[0]?.text).toContain('\n    "message": "one",\n');
    expect(lines().map((line) => line.message)).toEqual(["one", "two", "three"]);
  });
});
