import { describe, expect, it } from "vitest";
import { admin, adminCall, call, createKey, ManualClock, useTarget, withKey } from "./harness";
import { org, remote } from "./target";

const T0 = Date.UTC(2026, 10, 26, 9, 0, 10);
const clock = new ManualClock(T0);
const target = useTarget({ clock: clock.now });

const keysPath = (orgId: string) => `/admin/v1/orgs/${orgId}/api-keys`;
const ACME = org("acme");
const GLOBEX = org("globex");
const paths = (reply: { json: { error: { details: { path: string }[] } } }) =>
  reply.json.error.details.map((detail) => detail.path);

describe("key management for admins (API.md §5)", () => {
  // Locally the admin routes take a bearer token: a missing or wrong one is 401 (API.md §5). On a
  // stage they take SigV4, and API Gateway refuses an unsigned or mis-signed call itself: 403
  // `forbidden` (API.md §4; MISSING_AUTHENTICATION_TOKEN and DEFAULT_4XX in lib/gateway-responses.ts).
  const refused = remote ? { status: 403, code: "forbidden" } : { status: 401, code: "unauthorized" };

  it("refuses a call without the admin credential or with a wrong one", async () => {
    const none = await call(target.url, keysPath(ACME));
    expect([none.status, none.json.error.code]).toEqual([refused.status, refused.code]);
    const wrong = await call(target.url, keysPath(ACME), { headers: [["Authorization", "Bearer nope"]] });
    expect([wrong.status, wrong.json.error.code]).toEqual([refused.status, refused.code]);
  });

  it.skipIf(remote)("creates a key: 201, the whole record, and the key shown this once", async () => {
    const reply = await admin(target, "POST", keysPath(ACME), {
      name: "  CRM sync  ",
      scopes: ["accounts:read", "contacts:read", "accounts:read"],
      expiresAt: "2027-01-01",
    });
    expect(reply.status).toBe(201);
    const { key, ...record } = reply.json;
    expect(key).toMatch(/^fynex_k_[0-9A-Za-z]{49}$/);
    expect(record).toEqual({
      id: expect.stringMatching(/^key_[0-9A-Za-z]{22}$/),
      orgId: ACME,
      name: "CRM sync",
      scopes: ["accounts:read", "contacts:read"],
      hint: `${key.slice(0, 12)}…${key.slice(-4)}`,
      status: "active",
      createdAt: new Date(T0).toISOString(),
      createdBy: "local-admin",
      expiresAt: "2027-01-01T00:00:00.000Z",
      revokedAt: null,
      lastUsedAt: null,
      rateLimit: { limit: 100, windowSeconds: 900 },
      allowedIps: null,
      replacedBy: null,
      usage: { windowStart: "2026-11-26T09:00:00.000Z", count: 0 },
      policyViolations: [],
    });
    const fetched = await admin(target, "GET", `${keysPath(ACME)}/${record.id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.text).not.toContain(key);
    expect(fetched.json).toEqual(record);
  });

  it("refuses invalid keys with one detail per problem", async () => {
    const cases: [unknown, string[]][] = [
      [{ name: "", scopes: ["accounts:read"] }, ["name"]],
      [{ name: "x".repeat(101), scopes: ["accounts:read"] }, ["name"]],
      [{ name: "k", scopes: [] }, ["scopes"]],
      [{ name: "k", scopes: ["accounts:read", "accounts:delete"] }, ["scopes[1]"]],
      [{ name: "k", scopes: ["accounts:read"], expires_at: "2027-01-01" }, ["expires_at"]],
      [{ name: "k", scopes: ["accounts:read"], expiresAt: "2020-01-01" }, ["expiresAt"]],
      [{ name: "k", scopes: ["accounts:read"], expiresAt: "2027-01-01T00:00:00" }, ["expiresAt"]],
      [{ scopes: ["accounts:read"] }, ["name"]],
    ];
    for (const [body, expected] of cases) {
      const reply = await admin(target, "POST", keysPath(ACME), body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(reply.json.error.code).toBe("validation_error");
      expect(paths(reply), JSON.stringify(body)).toEqual(expected);
    }
  });

  it("refuses a missing body, a non-object body, another content type and a bad org id", async () => {
    const missing = await adminCall(target, keysPath(ACME), { method: "POST" });
    expect(missing.status).toBe(400);
    expect(paths(missing)).toEqual(["body"]);
    const array = await admin(target, "POST", keysPath(ACME), [1, 2]);
    expect(array.status).toBe(400);
    expect(paths(array)).toEqual(["body"]);
    const text = await adminCall(target, keysPath(ACME), {
      method: "POST",
      headers: [["Content-Type", "text/plain"]],
      rawBody: "{}",
    });
    expect(text.status).toBe(415);
    const badOrg = await admin(target, "POST", keysPath("no%20spaces"), {
      name: "k",
      scopes: ["accounts:read"],
    });
    expect(badOrg.status).toBe(400);
  });

  // Local only: deployed, the org index (a GSI) may lag a key created a moment ago.
  it.skipIf(remote)("lists an org's keys newest first, a page at a time, filtered by status", async () => {
    const lister = org("lister");
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      clock.set(T0 + i * 1000);
      ids.push((await createKey(target, lister, { name: `key ${i}`, scopes: ["export"] })).id);
    }
    clock.set(T0 + 10_000);
    await admin(target, "POST", `${keysPath(lister)}/${ids[1]}/revoke`);
    await createKey(target, org("someone-else"), { scopes: ["export"] });

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${encodeURIComponent(cursor)}` : "?limit=2";
      const page = await admin(target, "GET", `${keysPath(lister)}${query}`);
      expect(page.status).toBe(200);
      expect(page.json.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.json.items.map((item: { id: string }) => item.id));
      cursor = page.json.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());

    const revoked = await admin(target, "GET", `${keysPath(lister)}?status=revoked`);
    expect(revoked.json.items.map((item: { id: string }) => item.id)).toEqual([ids[1]]);
    const active = await admin(target, "GET", `${keysPath(lister)}?status=active&limit=100`);
    expect(active.json.items).toHaveLength(4);
    expect(active.json.nextCursor).toBeNull();
  });

  it("refuses bad list parameters and cursors from another org", async () => {
    for (const query of [
      "?limit=abc",
      "?limit=0",
      "?limit=101",
      "?status=bogus",
      "?colour=red",
      "?limit=1&limit=2",
      "?cursor=garbage",
    ]) {
      const reply = await admin(target, "GET", `${keysPath(ACME)}${query}`);
      expect(reply.status, query).toBe(400);
      expect(reply.json.error.code).toBe("validation_error");
    }
    await createKey(target, ACME, { scopes: ["export"] });
    await createKey(target, ACME, { scopes: ["export"] });
    const page = await admin(target, "GET", `${keysPath(ACME)}?limit=1`);
    const foreign = await admin(
      target,
      "GET",
      `${keysPath(org("other-org"))}?cursor=${encodeURIComponent(page.json.nextCursor)}`,
    );
    expect(foreign.status).toBe(400);
  });

  it.skipIf(remote)("shows lastUsedAt and the current window's usage", async () => {
    const { id, key } = await createKey(target, ACME, { scopes: ["accounts:read"] });
    clock.set(T0 + 5000);
    await withKey(target, key, "/api/v1/accounts");
    await withKey(target, key, "/api/v1/accounts");
    const record = await admin(target, "GET", `${keysPath(ACME)}/${id}`);
    expect(record.json.lastUsedAt).toBe(new Date(T0 + 5000).toISOString());
    expect(record.json.usage).toEqual({ windowStart: "2026-11-26T09:00:00.000Z", count: 2 });
    clock.set(T0 + 900_000);
    const nextWindow = await admin(target, "GET", `${keysPath(ACME)}/${id}`);
    expect(nextWindow.json.usage).toEqual({ windowStart: "2026-11-26T09:15:00.000Z", count: 0 });
    clock.set(T0);
  });

  it.skipIf(remote)("revokes idempotently, with or without a body", async () => {
    const { id } = await createKey(target, ACME, { scopes: ["accounts:read"] });
    clock.set(T0 + 1000);
    const first = await admin(target, "POST", `${keysPath(ACME)}/${id}/revoke`);
    clock.set(T0 + 2000);
    const second = await admin(target, "POST", `${keysPath(ACME)}/${id}/revoke`, {});
    clock.set(T0);
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(first.json.status).toBe("revoked");
    expect(second.json.revokedAt).toBe(first.json.revokedAt);
  });

  it("answers 404 for another org's key and for keys that do not exist", async () => {
    const { id } = await createKey(target, ACME, { scopes: ["accounts:read"] });
    expect((await admin(target, "GET", `${keysPath(GLOBEX)}/${id}`)).status).toBe(404);
    expect((await admin(target, "POST", `${keysPath(GLOBEX)}/${id}/revoke`)).status).toBe(404);
    expect((await admin(target, "GET", `${keysPath(ACME)}/key_0000000000000000000000`)).status).toBe(404);
    expect((await admin(target, "GET", `${keysPath(ACME)}/not-a-key-id`)).status).toBe(404);
    const listed = await admin(target, "GET", `${keysPath(GLOBEX)}?limit=100`);
    expect(listed.json.items.map((item: { id: string }) => item.id)).not.toContain(id);
    const stillActive = await admin(target, "GET", `${keysPath(ACME)}/${id}`);
    expect(stillActive.json.status).toBe("active");
  });
});
