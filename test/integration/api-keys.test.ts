import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { generateApiKey, keyId } from "../../lambdas/shared/api-keys/api-key";
import { pathUnder } from "./business";
import { admin, call, createKey, ManualClock, startLocal, useTarget, withKey } from "./harness";
import { expectRequestId } from "./request-ids";
import { localTarget, org, remote } from "./target";

// 12:00:30Z: 30 s into a 15-minute window that resets at 12:15:00Z.
const WINDOW_START = Date.UTC(2026, 10, 26, 12, 0, 0);
const T0 = WINDOW_START + 30_000;
const RESET_AT = WINDOW_START / 1000 + 900;

const clock = new ManualClock(T0);
const ACME = org("acme");
const target = useTarget({ clock: clock.now });

/** Seconds to the window's end: exact locally (injected clock), within the window deployed. */
function expectSecondsToReset(value: string | undefined) {
  if (remote) {
    expect(Number(value)).toBeGreaterThanOrEqual(1);
    expect(Number(value)).toBeLessThanOrEqual(900);
  } else {
    expect(value).toBe(String(RESET_AT - T0 / 1000));
  }
}

/** The envelope of API.md §4, its request id where the one who answered puts it (API.md §3). */
function expectEnvelope(
  reply: { json: unknown; headers: Record<string, string>; text: string },
  code: string,
  answeredBy: "gateway" | "function" = "gateway",
) {
  expect(reply.json).toEqual({
    error: { code, message: expect.any(String), requestId: expect.any(String), details: expect.any(Array) },
  });
  expectRequestId(reply, answeredBy);
}

describe("calling the API with a key (API.md §3)", () => {
  it("answers 401 unauthorized when the X-API-Key header is missing", async () => {
    const reply = await call(target.url, "/api/v1/accounts");
    expect(reply.status).toBe(401);
    expectEnvelope(reply, "unauthorized");
  });

  it("answers 401 when the header is empty", async () => {
    const reply = await call(target.url, "/api/v1/accounts", { headers: [["X-API-Key", ""]] });
    expect(reply.status).toBe(401);
    expectEnvelope(reply, "unauthorized");
  });

  it("answers 401 for a malformed key, a bad checksum and an unknown well-formed key", async () => {
    const valid = (await createKey(target, ACME, { scopes: ["accounts:read"] })).key;
    const badChecksum = `${valid.slice(0, -1)}${valid.endsWith("a") ? "b" : "a"}`;
    const unknown = generateApiKey();
    for (const key of ["nonsense", `${valid}x`, badChecksum, unknown]) {
      const reply = await withKey(target, key, "/api/v1/accounts");
      expect(reply.status, key.slice(0, 12)).toBe(401);
      expectEnvelope(reply, "unauthorized");
      expect(reply.text).not.toContain(key);
    }
  });

  it("reads the header whatever its casing", async () => {
    const { key } = await createKey(target, ACME, { scopes: ["accounts:read"] });
    for (const name of ["X-API-Key", "x-api-key", "X-Api-Key", "X-API-KEY"]) {
      const reply = await call(target.url, "/api/v1/accounts", { headers: [[name, key]] });
      expect(reply.status, name).toBe(200);
    }
  });

  it("answers 401 for two different X-API-Key values in one request, and accepts the same value twice", async () => {
    const first = (await createKey(target, ACME, { scopes: ["accounts:read"] })).key;
    const second = (await createKey(target, ACME, { scopes: ["accounts:read"] })).key;
    const mixed = await call(target.url, "/api/v1/accounts", {
      headers: [
        ["X-API-Key", first],
        ["x-api-key", second],
      ],
    });
    expect(mixed.status).toBe(401);
    const same = await call(target.url, "/api/v1/accounts", {
      headers: [
        ["X-API-Key", first],
        ["X-API-Key", first],
      ],
    });
    expect(same.status).toBe(200);
  });

  it("answers 401 to an empty X-API-Key beside a valid one, whatever the order and casing", async () => {
    const { key } = await createKey(target, ACME, { scopes: ["accounts:read"] });
    for (const headers of [
      [
        ["X-API-Key", ""],
        ["x-api-key", key],
      ],
      [
        ["X-API-Key", key],
        ["X-API-Key", ""],
      ],
    ] as [string, string][][]) {
      const reply = await call(target.url, "/api/v1/accounts", { headers });
      expect(reply.status, JSON.stringify(headers.map(([name, value]) => [name, value.length]))).toBe(401);
      expectEnvelope(reply, "unauthorized");
    }
  });

  it("serves a live key with its scope, and every answer carries the RateLimit fields and X-Request-Id", async () => {
    const { key } = await createKey(target, ACME, { scopes: ["accounts:read", "accounts:write"] });
    const created = await withKey(target, key, "/api/v1/accounts", {
      method: "POST",
      body: { name: "Globex", currency: "EUR" },
    });
    expect(created.status).toBe(201);
    expect(pathUnder(target, created.headers.location)).toBe(`/api/v1/accounts/${created.json.id}`);
    const listed = await withKey(target, key, "/api/v1/accounts");
    expect(listed.status).toBe(200);
    expect(listed.headers["ratelimit-policy"]).toBe('"default";q=100;w=900');
    expect(listed.headers.ratelimit).toMatch(/^"default";r=98;t=\d+$/);
    expectSecondsToReset(/t=(\d+)$/.exec(listed.headers.ratelimit ?? "")?.[1]);
    expect(listed.headers["x-ratelimit-limit"]).toBe("100");
    expect(listed.headers["x-ratelimit-remaining"]).toBe("98");
    expect(Number(listed.headers["x-ratelimit-reset"]) % 900).toBe(0);
    if (!remote) expect(listed.headers["x-ratelimit-reset"]).toBe(String(RESET_AT));
    expectRequestId(listed, "function");
  });

  it("answers 403 insufficient_scope naming the scope, counts the request, and keeps the RateLimit fields", async () => {
    const { key } = await createKey(target, ACME, { scopes: ["accounts:read"] });
    const reply = await withKey(target, key, "/api/v1/accounts", {
      method: "POST",
      body: { name: "X", currency: "EUR" },
    });
    expect(reply.status).toBe(403);
    expectEnvelope(reply, "insufficient_scope", "function");
    expect(reply.json.error.message).toContain("accounts:write");
    expect(reply.headers["x-ratelimit-remaining"]).toBe("99");
  });

  it("validates the request only after the key, the limit and the scope", async () => {
    const { key } = await createKey(target, ACME, { scopes: ["accounts:write"] });
    const wrongType = await withKey(target, key, "/api/v1/accounts", {
      method: "POST",
      headers: [["Content-Type", "text/plain"]],
      rawBody: "hello",
    });
    expect(wrongType.status).toBe(415);
    expectEnvelope(wrongType, "unsupported_media_type", "function");
    const invalid = await withKey(target, key, "/api/v1/accounts", {
      method: "POST",
      body: { name: "", currency: "eur", orgId: "other" },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.json.error.details.map((detail: { path: string }) => detail.path).sort()).toEqual([
      "currency",
      "name",
      "orgId",
    ]);
    const tooLarge = await withKey(target, key, "/api/v1/accounts", {
      method: "POST",
      body: { name: "x".repeat(1024 * 1024), currency: "EUR" },
    });
    expect(tooLarge.status).toBe(413);
    expectEnvelope(tooLarge, "payload_too_large", "function");
  });

  it("answers 429 rate_limited with Retry-After once the key is over its limit, and counts those too", async () => {
    const { key } = await createKey(target, ACME, { scopes: ["accounts:read"] });
    for (let i = 1; i <= 100; i++) {
      const reply = await withKey(target, key, "/api/v1/accounts?limit=1");
      expect(reply.status).toBe(200);
      expect(reply.headers["x-ratelimit-remaining"]).toBe(String(100 - i));
    }
    const over = await withKey(target, key, "/api/v1/accounts");
    expect(over.status).toBe(429);
    expectEnvelope(over, "rate_limited", "function");
    expectSecondsToReset(over.headers["retry-after"]);
    expect(over.headers.ratelimit).toBe(`"default";r=0;t=${over.headers["retry-after"]}`);
    const record = await admin(target, "GET", `/admin/v1/orgs/${ACME}/api-keys/${keyId(key)}`);
    expect(record.json.usage.count).toBe(101);
  });

  it("turns a revoked key away on the very next request", async () => {
    const { id, key } = await createKey(target, ACME, { scopes: ["accounts:read"] });
    expect((await withKey(target, key, "/api/v1/accounts")).status).toBe(200);
    const revoked = await admin(target, "POST", `/admin/v1/orgs/${ACME}/api-keys/${id}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.json.status).toBe("revoked");
    const reply = await withKey(target, key, "/api/v1/accounts");
    expect(reply.status).toBe(401);
    expectEnvelope(reply, "unauthorized");
  });

  it.skipIf(remote)("turns an expired key away from the instant its expiresAt passes", async () => {
    const expiresAt = T0 + 60_000;
    const { key } = await createKey(target, ACME, {
      scopes: ["accounts:read"],
      expiresAt: new Date(expiresAt).toISOString(),
    });
    try {
      clock.set(expiresAt - 1);
      expect((await withKey(target, key, "/api/v1/accounts")).status).toBe(200);
      clock.set(expiresAt);
      expect((await withKey(target, key, "/api/v1/accounts")).status).toBe(401);
    } finally {
      clock.set(T0);
    }
  });

  it("answers 404 not_found for an unknown path or method before looking at the key", async () => {
    for (const [method, path] of [
      ["GET", "/api/v1/nope"],
      ["DELETE", "/api/v1/accounts"],
      ["GET", "/"],
    ] as const) {
      const reply = await call(target.url, path, { method });
      expect(reply.status, `${method} ${path}`).toBe(404);
      // The catch-all function answers, not API Gateway.
      expectEnvelope(reply, "not_found", "function");
    }
  });

  it.each([
    ["text/plain", "hello"],
    ["text/csv", "name,currency\r\nAcme,EUR\r\n"],
    ["application/xml", "<account><name>Acme</name></account>"],
    ["application/x-www-form-urlencoded", "name=Acme&currency=EUR"],
  ])(
    "answers 404 not_found from the catch-all function to a %s body on an unknown route",
    async (type, body) => {
      for (const [method, path] of [
        ["POST", "/api/v1/nope"],
        ["PUT", "/api/v1/accounts"],
        ["POST", "/api/v1/accounts/acc_1/nope/deeper"],
        ["PATCH", "/"],
      ] as const) {
        const reply = await call(target.url, path, {
          method,
          headers: [["Content-Type", type]],
          rawBody: body,
        });
        expect(reply.status, `${method} ${path}`).toBe(404);
        expectEnvelope(reply, "not_found", "function");
      }
    },
  );

  it("answers GET /health without a key", async () => {
    const reply = await call(target.url, "/health");
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ status: "ok" });
  });

  it("lets exactly 100 of 250 parallel requests on a fresh key through", async () => {
    const { key } = await createKey(target, ACME, { scopes: ["accounts:read"] });
    const replies = await Promise.all(
      Array.from({ length: 250 }, () => withKey(target, key, "/api/v1/accounts?limit=1")),
    );
    const statuses = replies.map((reply) => reply.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(100);
    expect(statuses.filter((status) => status === 429)).toHaveLength(150);
  });

  it.skipIf(remote)("opens a fresh window at the boundary: the count starts again", async () => {
    const { key } = await createKey(target, ACME, { scopes: ["accounts:read"] });
    try {
      for (let i = 0; i < 100; i++) await withKey(target, key, "/api/v1/accounts?limit=1");
      expect((await withKey(target, key, "/api/v1/accounts")).status).toBe(429);
      clock.set(RESET_AT * 1000 - 1);
      expect((await withKey(target, key, "/api/v1/accounts")).status).toBe(429);
      clock.set(RESET_AT * 1000);
      const fresh = await withKey(target, key, "/api/v1/accounts");
      expect(fresh.status).toBe(200);
      expect(fresh.headers["x-ratelimit-remaining"]).toBe("99");
      expect(fresh.headers["x-ratelimit-reset"]).toBe(String(RESET_AT + 900));
    } finally {
      clock.set(T0);
    }
  });

  it.skipIf(remote)(
    "fails closed with 503 unavailable and Retry-After when the keys table cannot be reached",
    async () => {
      // A key that works, presented to a runtime whose functions reach no DynamoDB at all.
      const { key } = await createKey(target, ACME, { scopes: ["accounts:read"] });
      const cutOff = await startLocal({
        functionDynamo: () =>
          new DynamoDBClient({
            endpoint: "http://127.0.0.1:9",
            region: "local",
            maxAttempts: 1,
            credentials: { accessKeyId: "local", secretAccessKey: "local" },
          }),
        usageHistory: { enabled: false },
        webhookDelivery: { enabled: false },
      });
      try {
        const reply = await withKey(localTarget(cutOff), key, "/api/v1/accounts");
        expect(reply.status).toBe(503);
        expectEnvelope(reply, "unavailable");
        expect(Number(reply.headers["retry-after"])).toBeGreaterThanOrEqual(1);
      } finally {
        await cutOff.close();
      }
    },
  );
});
