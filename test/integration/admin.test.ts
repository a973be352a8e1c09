import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalRuntime } from "../../lib/local/runtime";
import { admin, call, createKey, ManualClock, startLocal, withKey } from "./harness";

const T0 = Date.UTC(2026, 10, 26, 9, 0, 10);
const clock = new ManualClock(T0);
let local: LocalRuntime;

beforeAll(async () => {
  local = await startLocal({ clock: clock.now });
});
afterAll(async () => {
  await local?.close();
});

const keysPath = (orgId: string) => `/admin/v1/orgs/${orgId}/api-keys`;
const paths = (reply: { json: { error: { details: { path: string }[] } } }) =>
  reply.json.error.details.map((detail) => detail.path);

describe("key management for admins (API.md §5)", () => {
  it("answers 401 unauthorized without the admin token or with a wrong one", async () => {
    const none = await call(local.url, keysPath("acme"));
    expect(none.status).toBe(401);
    expect(none.json.error.code).toBe("unauthorized");
    const wrong = await call(local.url, keysPath("acme"), { headers: [["Authorization", "Bearer nope"]] });
    expect(wrong.status).toBe(401);
  });

  it("creates a key: 201, the whole record, and the key shown this once", async () => {
    const reply = await admin(local, "POST", keysPath("acme"), {
      name: "  CRM sync  ",
      scopes: ["accounts:read", "contacts:read", "accounts:read"],
      expiresAt: "2027-01-01",
    });
    expect(reply.status).toBe(201);
    const { key, ...record } = reply.json;
    expect(key).toMatch(/^fynex_k_[0-9A-Za-z]{49}$/);
    expect(record).toEqual({
      id: expect.stringMatching(/^key_[0-9A-Za-z]{22}$/),
      orgId: "acme",
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
    });
    const fetched = await admin(local, "GET", `${keysPath("acme")}/${record.id}`);
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
      const reply = await admin(local, "POST", keysPath("acme"), body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(reply.json.error.code).toBe("validation_error");
      expect(paths(reply), JSON.stringify(body)).toEqual(expected);
    }
  });

  it("refuses a missing body, a non-object body, another content type and a bad org id", async () => {
    const missing = await call(local.url, keysPath("acme"), {
      method: "POST",
      headers: [["Authorization", `Bearer ${local.adminToken}`]],
    });
    expect(missing.status).toBe(400);
    expect(paths(missing)).toEqual(["body"]);
    const array = await admin(local, "POST", keysPath("acme"), [1, 2]);
    expect(array.status).toBe(400);
    expect(paths(array)).toEqual(["body"]);
    const text = await call(local.url, keysPath("acme"), {
      method: "POST",
      headers: [
        ["Authorization", `Bearer ${local.adminToken}`],
        ["Content-Type", "text/plain"],
      ],
      rawBody: "{}",
    });
    expect(text.status).toBe(415);
    const badOrg = await admin(local, "POST", keysPath("no%20spaces"), {
      name: "k",
      scopes: ["accounts:read"],
    });
    expect(badOrg.status).toBe(400);
  });

  it("lists an org's keys newest first, a page at a time, filtered by status", async () => {
    const org = "lister";
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      clock.set(T0 + i * 1000);
      ids.push((await createKey(local, org, { name: `key ${i}`, scopes: ["export"] })).id);
    }
    clock.set(T0 + 10_000);
    await admin(local, "POST", `${keysPath(org)}/${ids[1]}/revoke`);
    await createKey(local, "someone-else", { scopes: ["export"] });

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${encodeURIComponent(cursor)}` : "?limit=2";
      const page = await admin(local, "GET", `${keysPath(org)}${query}`);
      expect(page.status).toBe(200);
      expect(page.json.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.json.items.map((item: { id: string }) => item.id));
      cursor = page.json.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());

    const revoked = await admin(local, "GET", `${keysPath(org)}?status=revoked`);
    expect(revoked.json.items.map((item: { id: string }) => item.id)).toEqual([ids[1]]);
    const active = await admin(local, "GET", `${keysPath(org)}?status=active&limit=100`);
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
      const reply = await admin(local, "GET", `${keysPath("acme")}${query}`);
      expect(reply.status, query).toBe(400);
      expect(reply.json.error.code).toBe("validation_error");
    }
    await createKey(local, "acme", { scopes: ["export"] });
    await createKey(local, "acme", { scopes: ["export"] });
    const page = await admin(local, "GET", `${keysPath("acme")}?limit=1`);
    const foreign = await admin(
      local,
      "GET",
      `${keysPath("other-org")}?cursor=${encodeURIComponent(page.json.nextCursor)}`,
    );
    expect(foreign.status).toBe(400);
  });

  it("shows lastUsedAt and the current window's usage", async () => {
    const { id, key } = await createKey(local, "acme", { scopes: ["accounts:read"] });
    clock.set(T0 + 5000);
    await withKey(local, key, "/api/v1/accounts");
    await withKey(local, key, "/api/v1/accounts");
    const record = await admin(local, "GET", `${keysPath("acme")}/${id}`);
    expect(record.json.lastUsedAt).toBe(new Date(T0 + 5000).toISOString());
    expect(record.json.usage).toEqual({ windowStart: "2026-11-26T09:00:00.000Z", count: 2 });
    clock.set(T0 + 900_000);
    const nextWindow = await admin(local, "GET", `${keysPath("acme")}/${id}`);
    expect(nextWindow.json.usage).toEqual({ windowStart: "2026-11-26T09:15:00.000Z", count: 0 });
    clock.set(T0);
  });

  it("revokes idempotently, with or without a body", async () => {
    const { id } = await createKey(local, "acme", { scopes: ["accounts:read"] });
    clock.set(T0 + 1000);
    const first = await admin(local, "POST", `${keysPath("acme")}/${id}/revoke`);
    clock.set(T0 + 2000);
    const second = await admin(local, "POST", `${keysPath("acme")}/${id}/revoke`, {});
    clock.set(T0);
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(first.json.status).toBe("revoked");
    expect(second.json.revokedAt).toBe(first.json.revokedAt);
  });

  it("answers 404 for another org's key and for keys that do not exist", async () => {
    const { id } = await createKey(local, "acme", { scopes: ["accounts:read"] });
    expect((await admin(local, "GET", `${keysPath("globex")}/${id}`)).status).toBe(404);
    expect((await admin(local, "POST", `${keysPath("globex")}/${id}/revoke`)).status).toBe(404);
    expect((await admin(local, "GET", `${keysPath("acme")}/key_0000000000000000000000`)).status).toBe(404);
    expect((await admin(local, "GET", `${keysPath("acme")}/not-a-key-id`)).status).toBe(404);
    const listed = await admin(local, "GET", `${keysPath("globex")}?limit=100`);
    expect(listed.json.items.map((item: { id: string }) => item.id)).not.toContain(id);
    const stillActive = await admin(local, "GET", `${keysPath("acme")}/${id}`);
    expect(stillActive.json.status).toBe("active");
  });
});
