import { describe, expect, it } from "vitest";
import { buildOpenApiDocument } from "../../lambdas/openapi/document";
import { call, createKey, useTarget, withKey } from "./harness";
import { org } from "./target";

const target = useTarget();

describe("GET /api/v1/openapi.json (API.md §7)", () => {
  it("serves the generated document with no key", async () => {
    const reply = await call(target.url, "/api/v1/openapi.json");

    expect(reply.status).toBe(200);
    expect(reply.headers["content-type"]).toBe("application/json");
    expect(reply.headers["x-request-id"]).toBeDefined();
    expect(reply.json).toEqual(buildOpenApiDocument());
  });

  it("does not count a request that carries a key, and answers it no RateLimit fields", async () => {
    const { key } = await createKey(target, org("openapi"), { scopes: ["accounts:read"] });
    const before = await withKey(target, key, "/api/v1/accounts");
    const document = await withKey(target, key, "/api/v1/openapi.json");
    const after = await withKey(target, key, "/api/v1/accounts");

    expect(document.status).toBe(200);
    expect(document.headers.ratelimit).toBeUndefined();
    expect(Number(after.headers["x-ratelimit-remaining"])).toBe(
      Number(before.headers["x-ratelimit-remaining"]) - 1,
    );
  });

  it("answers 400 for a query parameter, as every route that takes none", async () => {
    const reply = await call(target.url, "/api/v1/openapi.json?v=2");

    expect(reply.status).toBe(400);
    expect(reply.json.error.details[0].path).toBe("query.v");
  });
});
