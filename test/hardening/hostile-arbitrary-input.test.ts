import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { remote } from "../integration/target";
import { type HostileRuntime, useHostileRuntime } from "./hostile";
import { expectEnvelope } from "./support";

/**
 * Arbitrary input over real HTTP against the local runtime: property runs of arbitrary bodies, queries
 * and ids on every route that takes them, none of which may get a 5xx (docs/HOSTILE-INPUT.md). The
 * corpus of known hostile requests is in hostile-requests.test.ts.
 */
let local: HostileRuntime["local"];
let client: HostileRuntime["client"];
let key = "";
let accountId = "";
useHostileRuntime((runtime) => {
  ({ local, client, key, accountId } = runtime);
});
describe.skipIf(remote)("arbitrary input over HTTP", () => {
  /** Answers other than 2xx carry the envelope; nothing is a 5xx. */
  function expectNo5xx(answer: {
    status: number;
    headers: Record<string, string>;
    json: unknown;
    text: string;
  }) {
    expect(answer.status, answer.text).toBeLessThan(500);
    if (answer.status >= 300) expectEnvelope(answer);
  }

  const fields = fc.constantFrom(
    "name",
    "currency",
    "balance",
    "externalRef",
    "status",
    "accountId",
    "email",
    "phone",
    "role",
    "amount",
    "paidAt",
    "method",
    "reference",
    "accounts",
    "url",
    "events",
    "description",
    "enabled",
    "scopes",
    "rateLimit",
    "allowedIps",
    "expiresAt",
    "gracePeriodSeconds",
    "__proto__",
  );
  const value = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.constantFrom("EUR", "open", "closed", "https://example.com/h", "account.created", "10.0.0.0/8"),
  );
  const body = fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.dictionary(fields, value, { maxKeys: 5 }));

  it("answers any JSON body on any route that takes one without a 5xx", async () => {
    const routes = [
      ["POST", "/api/v1/accounts"],
      ["PATCH", () => `/api/v1/accounts/${accountId}`],
      ["POST", () => `/api/v1/accounts/${accountId}/payments`],
      ["POST", "/api/v1/contacts"],
      ["POST", "/api/v1/import/accounts"],
      ["POST", "/api/v1/webhooks"],
      ["POST", "/admin/v1/orgs/hostile/api-keys"],
    ] as const;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), body, async ([method, path], payload) => {
        const target = typeof path === "function" ? path() : path;
        const headers: Record<string, string> = target.startsWith("/admin")
          ? { Authorization: `Bearer ${local.adminToken}` }
          : { "X-API-Key": key };
        expectNo5xx(await client.send({ method, path: target, headers, body: payload }));
      }),
      { numRuns: 60 },
    );
  });

  it("answers any query on any list without a 5xx", async () => {
    const lists = [
      "/api/v1/accounts",
      "/api/v1/contacts",
      "/api/v1/webhooks",
      "/api/v1/export/accounts",
      "/api/v1/export/interactions",
      "/admin/v1/orgs/hostile/api-keys",
      "/admin/v1/orgs/hostile/audit-events",
    ];
    const name = fc.oneof(
      fc.constantFrom(
        "limit",
        "cursor",
        "accountId",
        "format",
        "since",
        "status",
        "keyId",
        "__proto__",
        "constructor",
      ),
      fc.string({ maxLength: 8 }),
    );
    const query = fc.array(fc.tuple(name, fc.string({ unit: "grapheme", maxLength: 40 })), { maxLength: 4 });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...lists), query, async (path, pairs) => {
        const search = new URLSearchParams(pairs).toString();
        const headers: Record<string, string> = path.startsWith("/admin")
          ? { Authorization: `Bearer ${local.adminToken}` }
          : { "X-API-Key": key };
        expectNo5xx(await client.send({ path: `${path}?${search}`, headers }));
      }),
      { numRuns: 60 },
    );
  });

  it("answers any id in any path without a 5xx", async () => {
    const paths = [
      (id: string) => `/api/v1/accounts/${id}`,
      (id: string) => `/api/v1/accounts/${id}/payments`,
      (id: string) => `/api/v1/accounts/${accountId}/payments/${id}`,
      (id: string) => `/api/v1/contacts/${id}`,
      (id: string) => `/api/v1/webhooks/${id}`,
      (id: string) => `/admin/v1/orgs/${id}/api-keys`,
      (id: string) => `/admin/v1/orgs/hostile/api-keys/${id}`,
    ];
    const id = fc.oneof(
      fc.string({ unit: "grapheme", minLength: 1, maxLength: 60 }),
      fc.stringMatching(/^(acc|con|pay|whk|key)_[0-9A-Za-z]{20,30}$/),
      fc.constantFrom("..", ".", "%", "%2F", "null", "undefined", "__proto__", "constructor"),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), id, async (pathOf, raw) => {
        const path = pathOf(encodeURIComponent(raw));
        const headers: Record<string, string> = path.startsWith("/admin")
          ? { Authorization: `Bearer ${local.adminToken}` }
          : { "X-API-Key": key };
        expectNo5xx(await client.send({ path, headers }));
      }),
      { numRuns: 60 },
    );
  });
});
