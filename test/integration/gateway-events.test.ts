import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalRuntime } from "../../lib/local/runtime";
import { call, createKey, PROJECT_ROOT, startLocal, withKey } from "./harness";
import { localTarget, remote } from "./target";

/** The real API Gateway events of `test/fixtures/apigw-rest/`. */
function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(PROJECT_ROOT, "test", "fixtures", "apigw-rest", name), "utf8"));
}

// biome-ignore lint/suspicious/noExplicitAny: events are inspected field by field
type Event = any;
const seen: { kind: string; event: Event }[] = [];
let local: LocalRuntime;

beforeAll(async () => {
  local = await startLocal({ observe: (kind, event) => seen.push({ kind, event }) });
});
afterAll(async () => {
  await local?.close();
});

const keysOf = (value: unknown) => Object.keys(value as object).sort();

describe.skipIf(remote)("events the local front hands to Lambdas have API Gateway's shapes", () => {
  it("gives the authorizer a REQUEST event shaped as authorizer-request.json, header names as sent", async () => {
    const { key } = await createKey(localTarget(local), "acme", { scopes: ["accounts:read"] });
    seen.length = 0;
    await withKey(localTarget(local), key, "/api/v1/accounts?limit=5");
    const real = fixture("authorizer-request.json");
    const event = seen.find((entry) => entry.kind === "authorizer")?.event;
    expect(keysOf(event)).toEqual(keysOf(real));
    expect(keysOf(event.requestContext)).toEqual(expect.arrayContaining(keysOf(real.requestContext)));
    expect(keysOf(event.requestContext.identity)).toEqual(
      expect.arrayContaining(keysOf((real.requestContext as Event).identity)),
    );
    expect(event.type).toBe("REQUEST");
    expect(event.methodArn).toMatch(
      /^arn:aws:execute-api:[^:]+:\d{12}:[^/]+\/local\/GET\/api\/v1\/accounts$/,
    );
    expect(event.headers["X-API-Key"]).toBe(key);
    expect(event.multiValueHeaders["X-API-Key"]).toEqual([key]);
    expect(event.queryStringParameters).toEqual({ limit: "5" });
    expect(event.multiValueQueryStringParameters).toEqual({ limit: ["5"] });
    expect(event.requestContext.identity.sourceIp).toBe("127.0.0.1");
    expect(event.requestContext.resourcePath).toBe("/api/v1/accounts");
    expect(event.requestContext).not.toHaveProperty("authorizer");
  });

  it("gives the integration a proxy event shaped as lambda-authorizer-auth.json, the context as strings", async () => {
    const { key, id } = await createKey(localTarget(local), "acme", { scopes: ["accounts:read"] });
    seen.length = 0;
    await call(local.url, "/api/v1/accounts", { headers: [["x-api-key", key]] });
    const real = fixture("lambda-authorizer-auth.json");
    const event = seen.find((entry) => entry.kind === "integration")?.event;
    expect(keysOf(event)).toEqual(keysOf(real));
    expect(keysOf(event.requestContext)).toEqual(expect.arrayContaining(keysOf(real.requestContext)));
    expect(event.headers["x-api-key"]).toBe(key);
    expect(event.queryStringParameters).toBeNull();
    expect(event.pathParameters).toBeNull();
    expect(event.body).toBeNull();
    expect(event.isBase64Encoded).toBe(false);
    expect(event.resource).toBe("/api/v1/accounts");
    expect(event.requestContext.stage).toBe("local");
    expect(event.requestContext.path).toBe("/api/v1/accounts");
    expect(event.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const { principalId, integrationLatency, ...context } = event.requestContext.authorizer;
    expect(principalId).toBe(id);
    expect(typeof integrationLatency).toBe("number");
    expect(context).toEqual({
      orgId: "acme",
      keyId: id,
      scopes: "accounts:read",
      limit: "100",
      remaining: "99",
      resetAt: expect.stringMatching(/^\d+$/),
      windowSeconds: "900",
      throttled: "false",
      ipAllowed: "true",
    });
  });

  it("gives admin routes an event shaped as iam-auth.json, with path parameters decoded", async () => {
    seen.length = 0;
    await call(local.url, "/admin/v1/orgs/acme/api-keys/key_0000000000000000000000", {
      headers: [["Authorization", `Bearer ${local.adminToken}`]],
    });
    const real = fixture("iam-auth.json");
    const event = seen.find((entry) => entry.kind === "integration")?.event;
    expect(keysOf(event)).toEqual(keysOf(real));
    expect(event.pathParameters).toEqual({ orgId: "acme", keyId: "key_0000000000000000000000" });
    expect(event.resource).toBe("/admin/v1/orgs/{orgId}/api-keys/{keyId}");
    expect(event.requestContext.identity.userArn).toBe("local-admin");
  });

  it("hands undeclared paths and methods to the catch-all as no-auth.json proxy events, never to the authorizer", async () => {
    const real = fixture("no-auth.json");
    const cases = [
      // A declared resource without that method: its own `ANY`.
      ["PUT", "/api/v1/accounts", "/api/v1/accounts", null],
      ["POST", "/api/v1", "/api/v1", null],
      // Past the declared tree: the deepest resource's `{proxy+}`, path parameters kept.
      ["POST", "/api/v1/nope/x", "/api/v1/{proxy+}", { proxy: "nope/x" }],
      [
        "PATCH",
        "/api/v1/accounts/acc_1/nope",
        "/api/v1/accounts/{accountId}/{proxy+}",
        { accountId: "acc_1", proxy: "nope" },
      ],
      ["POST", "/nope", "/{proxy+}", { proxy: "nope" }],
    ] as const;
    for (const [method, path, resource, pathParameters] of cases) {
      seen.length = 0;
      const reply = await call(local.url, path, {
        method,
        headers: [["Content-Type", "text/plain"]],
        rawBody: "hello",
      });
      expect(reply.status, `${method} ${path}`).toBe(404);
      expect(seen.map((entry) => entry.kind)).toEqual(["integration"]);
      const event = seen[0]?.event;
      expect(keysOf(event)).toEqual(keysOf(real));
      expect({ resource: event.resource, pathParameters: event.pathParameters }).toEqual({
        resource,
        pathParameters,
      });
      expect(event.requestContext.resourcePath).toBe(resource);
      expect(event.httpMethod).toBe(method);
      expect(event.body).toBe("hello");
    }
  });

  it("does not call the authorizer when the key header is missing", async () => {
    seen.length = 0;
    const reply = await call(local.url, "/api/v1/accounts");
    expect(reply.status).toBe(401);
    expect(seen).toEqual([]);
  });
});
