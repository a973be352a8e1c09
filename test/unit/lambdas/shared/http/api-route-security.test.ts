import { format } from "node:util";
import { InternalServerError } from "@aws-sdk/client-dynamodb";
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { encodeCursor } from "../../../../../lambdas/shared/dynamo/cursor";
import {
  ACCOUNT_ITEM,
  consoleSpies,
  create,
  db,
  errorOf,
  expectKeyHeaders,
  header,
  KEY,
  list,
  RESET_AT,
  SECONDS_TO_RESET,
  setNow,
  useApiRouteTestSetup,
} from "./api-route-support";

/**
 * The business chain's guard of the key and the org: the key's checks in the order of API.md §3
 * (address, limit, scope) before the request is read, no org but the key's, and no key in any answer
 * or log line.
 */
useApiRouteTestSetup();

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
      setNow(instant);
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

  it("logs an internal error without the key", async () => {
    db.on(QueryCommand).rejects(new InternalServerError({ message: "boom", $metadata: {} }));

    await list();

    const written = consoleSpies.flatMap((spy) => spy.mock.calls.map((args) => format(...args)));
    expect(written.length).toBeGreaterThan(0);
    for (const line of written) expect(line).not.toContain(KEY.slice(8, 51));
  });
});

describe("POST /api/v1/accounts", () => {
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
});
