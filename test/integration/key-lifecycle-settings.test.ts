import { describe, expect, it } from "vitest";
import { admin, adminCall, withKey } from "./harness";
import { ACCOUNTS, auditPath, keyPath, T0, useKeyLifecycle, WINDOW_START } from "./key-lifecycle";
import { org, remote } from "./target";

/**
 * Changing a key's settings and what its caller then meets on the very next request: a PATCH to its
 * scopes or limit, its own rate limit, and its IP allowlist (403 outside it, the quota untouched).
 */
const { clock, target, newKey, record } = useKeyLifecycle();
describe.skipIf(remote)("changing a key with PATCH (API.md §5)", () => {
  it("takes effect on the very next request: a scope removed is 403", async () => {
    const acme = org("patch-scope");
    const { id, key } = await newKey(acme, { scopes: ["accounts:read", "accounts:write"] });
    expect((await withKey(target, key, ACCOUNTS)).status).toBe(200);

    const patched = await admin(target, "PATCH", keyPath(acme, id), { scopes: ["accounts:write"] });

    expect(patched.status).toBe(200);
    expect(patched.json.scopes).toEqual(["accounts:write"]);
    const refused = await withKey(target, key, ACCOUNTS);
    expect(refused.status).toBe(403);
    expect(refused.json.error.code).toBe("insufficient_scope");
  });

  it("takes effect on the very next request: a limit lowered is 429 at the new boundary", async () => {
    const acme = org("patch-limit");
    const { id, key } = await newKey(acme, { rateLimit: { limit: 10 } });
    for (let i = 0; i < 3; i++) expect((await withKey(target, key, ACCOUNTS)).status).toBe(200);

    const lowered = await admin(target, "PATCH", keyPath(acme, id), { rateLimit: { limit: 4 } });
    expect(lowered.json.rateLimit).toEqual({ limit: 4, windowSeconds: 900 });

    const fourth = await withKey(target, key, ACCOUNTS);
    expect(fourth.status).toBe(200);
    expect(fourth.headers["ratelimit-policy"]).toBe('"default";q=4;w=900');
    expect(fourth.headers["x-ratelimit-remaining"]).toBe("0");
    const fifth = await withKey(target, key, ACCOUNTS);
    expect(fifth.status).toBe(429);
    expect(fifth.headers["retry-after"]).toBe(String(WINDOW_START / 1000 + 900 - T0 / 1000));

    // Removing the override gives the environment's default back at once.
    const removed = await admin(target, "PATCH", keyPath(acme, id), { rateLimit: null });
    expect(removed.json.rateLimit).toEqual({ limit: 100, windowSeconds: 900 });
    const after = await withKey(target, key, ACCOUNTS);
    expect(after.status).toBe(200);
    expect(after.headers["ratelimit-policy"]).toBe('"default";q=100;w=900');
  });

  it("answers an empty PATCH (no body, or {}) with the record, changing nothing", async () => {
    const acme = org("patch-empty");
    const created = await newKey(acme, { name: "Same" });
    const { key: _key, ...before } = created;

    const none = await adminCall(target, keyPath(acme, created.id), { method: "PATCH" });
    const empty = await admin(target, "PATCH", keyPath(acme, created.id), {});

    expect(none.status).toBe(200);
    expect(none.json).toEqual(before);
    expect(empty.json).toEqual(before);
    const events = await admin(target, "GET", auditPath(acme));
    expect(events.json.items.map((event: { type: string }) => event.type)).toEqual(["key.created"]);
  });

  it("refuses to change a revoked or expired key (409) and another org's key (404)", async () => {
    const acme = org("patch-dead");
    const revoked = await newKey(acme);
    await admin(target, "POST", `${keyPath(acme, revoked.id)}/revoke`);
    const expiring = await newKey(acme, { expiresAt: new Date(T0 + 10).toISOString() });
    clock.set(T0 + 10);

    const toRevoked = await admin(target, "PATCH", keyPath(acme, revoked.id), { name: "x" });
    const toExpired = await admin(target, "PATCH", keyPath(acme, expiring.id), { name: "x" });
    const foreign = await admin(target, "PATCH", keyPath(org("patch-other"), expiring.id), { name: "x" });

    expect([toRevoked.status, toRevoked.json.error.code]).toEqual([409, "conflict"]);
    expect(toExpired.json.error.message).toBe("The API key is expired; only an active key can be changed.");
    expect(foreign.status).toBe(404);
  });
});

describe.skipIf(remote)("a key's own rate limit (API.md §3, §5)", () => {
  it("limit 3: requests 1 to 3 pass, the 4th is 429, and the headers show q=3", async () => {
    const { id, key } = await newKey(org("own-limit"), { rateLimit: { limit: 3 } });

    const replies = [];
    for (let i = 0; i < 4; i++) replies.push(await withKey(target, key, ACCOUNTS));

    expect(replies.map((reply) => reply.status)).toEqual([200, 200, 200, 429]);
    expect(replies.map((reply) => reply.headers["x-ratelimit-remaining"])).toEqual(["2", "1", "0", "0"]);
    for (const reply of replies) {
      expect(reply.headers["ratelimit-policy"]).toBe('"default";q=3;w=900');
      expect(reply.headers["x-ratelimit-limit"]).toBe("3");
    }
    expect(replies[3]?.json.error.code).toBe("rate_limited");
    expect(replies[3]?.headers["retry-after"]).toBe("870");
    expect((await record(org("own-limit"), id)).rateLimit).toEqual({ limit: 3, windowSeconds: 900 });
  });
});

describe.skipIf(remote)("IP allowlists (API.md §3, §5)", () => {
  it("serves a caller inside the list, counted as usual", async () => {
    const acme = org("allow-inside");
    const { id, key } = await newKey(acme, { allowedIps: ["10.0.0.0/8", "127.0.0.0/8"] });

    const reply = await withKey(target, key, ACCOUNTS);

    expect(reply.status).toBe(200);
    expect((await record(acme, id)).usage.count).toBe(1);
  });

  it("answers 403 ip_not_allowed outside the list, spending none of the quota", async () => {
    // Prepare: one request counted, so "as it was" is visible in the headers.
    const acme = org("allow-outside");
    const { id, key } = await newKey(acme, { rateLimit: { limit: 5 }, allowedIps: ["127.0.0.1"] });
    expect((await withKey(target, key, ACCOUNTS)).status).toBe(200);
    await admin(target, "PATCH", keyPath(acme, id), { allowedIps: ["203.0.113.0/24", "2001:db8::/32"] });

    // Act: more refused requests than the whole limit.
    const refused = [];
    for (let i = 0; i < 7; i++) refused.push(await withKey(target, key, ACCOUNTS));

    // Assess: 403 before the limit and the scope, the count unchanged, the remaining as it was.
    for (const reply of refused) {
      expect(reply.status).toBe(403);
      expect(reply.json.error.code).toBe("ip_not_allowed");
      expect(reply.headers["x-ratelimit-remaining"]).toBe("4");
      expect(reply.headers["ratelimit-policy"]).toBe('"default";q=5;w=900');
    }
    expect((await record(acme, id)).usage.count).toBe(1);

    // Removing the list lets the caller back in, with the quota intact.
    await admin(target, "PATCH", keyPath(acme, id), { allowedIps: null });
    const back = await withKey(target, key, ACCOUNTS);
    expect(back.status).toBe(200);
    expect(back.headers["x-ratelimit-remaining"]).toBe("3");
  });

  it("matches IPv4-mapped IPv6 entries (::ffff:127.0.0.1) against the IPv4 caller", async () => {
    const acme = org("allow-mapped");
    const single = await newKey(acme, { allowedIps: ["::ffff:127.0.0.1"] });
    const range = await newKey(acme, { allowedIps: ["::ffff:127.0.0.0/104"] });

    expect(single.allowedIps).toEqual(["127.0.0.1"]);
    expect(range.allowedIps).toEqual(["127.0.0.0/8"]);
    expect((await withKey(target, single.key, ACCOUNTS)).status).toBe(200);
    expect((await withKey(target, range.key, ACCOUNTS)).status).toBe(200);
  });
});
