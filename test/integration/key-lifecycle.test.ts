import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { beforeEach, describe, expect, it } from "vitest";
import { createHandler as createDirectHandler } from "../../lambdas/key-management/doors/direct.handler";
import { digestApiKey } from "../../lambdas/shared/api-keys/api-key";
import { pathUnder } from "./business";
import { admin, adminCall, ManualClock, type Reply, useTarget, withKey } from "./harness";
import { localOf, org, remote } from "./target";

// 10:00:30Z: 30 s into a 15-minute window that resets at 10:15:00Z.
const WINDOW_START = Date.UTC(2026, 10, 26, 10, 0, 0);
const T0 = WINDOW_START + 30_000;
const clock = new ManualClock(T0);
const target = useTarget({ clock: clock.now });
beforeEach(() => {
  clock.set(T0);
});

const keysPath = (orgId: string) => `/admin/v1/orgs/${orgId}/api-keys`;
const keyPath = (orgId: string, keyId: string) => `${keysPath(orgId)}/${keyId}`;
const auditPath = (orgId: string, query = "") => `/admin/v1/orgs/${orgId}/audit-events${query}`;
const ACCOUNTS = "/api/v1/accounts";

interface KeyInput {
  name?: string;
  scopes?: string[];
  expiresAt?: string;
  rateLimit?: { limit: number };
  allowedIps?: string[];
}

/** Every key this file creates, to prove none of them (nor its hash) reaches the audit table. */
const issued: string[] = [];

async function newKey(orgId: string, input: KeyInput = {}) {
  const reply = await admin(target, "POST", keysPath(orgId), {
    name: "lifecycle key",
    scopes: ["accounts:read"],
    ...input,
  });
  if (reply.status !== 201) throw new Error(`create key failed: ${reply.status} ${reply.text}`);
  issued.push(reply.json.key);
  return reply.json as { id: string; key: string; [field: string]: unknown };
}

async function rotate(orgId: string, keyId: string, body?: unknown): Promise<Reply> {
  const reply = await admin(target, "POST", `${keyPath(orgId, keyId)}/rotate`, body);
  if (reply.status === 201) issued.push(reply.json.key);
  return reply;
}

const record = async (orgId: string, keyId: string) =>
  (await admin(target, "GET", keyPath(orgId, keyId))).json;
const paths = (reply: Reply) => reply.json.error.details.map((detail: { path: string }) => detail.path);

describe.skipIf(remote)("rotating a key (API.md §5)", () => {
  it("with a grace period: the old key works until the grace ends, then 401 and expired", async () => {
    // Prepare
    const acme = org("rotate-grace");
    const old = await newKey(acme, {
      name: "CRM sync",
      scopes: ["accounts:read", "export"],
      rateLimit: { limit: 50 },
      allowedIps: ["127.0.0.1"],
    });

    // Act
    const rotated = await rotate(acme, old.id, { gracePeriodSeconds: 5, expiresAt: "2027-06-01" });

    // Assess: the new key inherits the settings; the old one is marked and expires at now + 5 s.
    expect(rotated.status).toBe(201);
    const { key, replaces, ...fresh } = rotated.json;
    expect(replaces).toBe(old.id);
    expect(digestApiKey(key).id).toBe(fresh.id);
    expect(pathUnder(target, rotated.headers.location)).toBe(keyPath(acme, fresh.id));
    expect(fresh).toMatchObject({
      name: "CRM sync",
      scopes: ["accounts:read", "export"],
      rateLimit: { limit: 50, windowSeconds: 900 },
      allowedIps: ["127.0.0.1"],
      expiresAt: "2027-06-01T00:00:00.000Z",
      status: "active",
      replacedBy: null,
      createdBy: "local-admin",
    });
    expect(await record(acme, old.id)).toMatchObject({
      status: "active",
      expiresAt: new Date(T0 + 5000).toISOString(),
      replacedBy: fresh.id,
    });

    clock.set(T0 + 4999);
    expect((await withKey(target, old.key, ACCOUNTS)).status).toBe(200);
    expect((await withKey(target, key, ACCOUNTS)).status).toBe(200);

    clock.set(T0 + 5000);
    const late = await withKey(target, old.key, ACCOUNTS);
    expect(late.status).toBe(401);
    expect(late.json.error.code).toBe("unauthorized");
    expect((await record(acme, old.id)).status).toBe("expired");
    expect((await withKey(target, key, ACCOUNTS)).status).toBe(200);
  });

  it("with no grace period (none, or 0): the old key is revoked and refused at once", async () => {
    const acme = org("rotate-now");
    for (const body of [undefined, { gracePeriodSeconds: 0 }]) {
      const old = await newKey(acme);
      expect((await withKey(target, old.key, ACCOUNTS)).status).toBe(200);

      const rotated = await rotate(acme, old.id, body);

      expect(rotated.status).toBe(201);
      expect(rotated.json.expiresAt).toBeNull();
      expect((await withKey(target, old.key, ACCOUNTS)).status).toBe(401);
      expect((await withKey(target, rotated.json.key, ACCOUNTS)).status).toBe(200);
      expect(await record(acme, old.id)).toMatchObject({
        status: "revoked",
        revokedAt: new Date(T0).toISOString(),
        replacedBy: rotated.json.id,
      });
    }
  });

  it("refuses a second rotation, a revoked key and an expired key with 409, another org's key with 404", async () => {
    const acme = org("rotate-conflicts");
    const once = await newKey(acme);
    const first = await rotate(acme, once.id, { gracePeriodSeconds: 60 });
    expect(first.status).toBe(201);

    const again = await rotate(acme, once.id);
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe("conflict");
    expect(again.json.error.message).toContain(first.json.id);
    expect(again.json).not.toHaveProperty("key");

    const revoked = await newKey(acme);
    await admin(target, "POST", `${keyPath(acme, revoked.id)}/revoke`);
    expect((await rotate(acme, revoked.id)).status).toBe(409);

    const expiring = await newKey(acme, { expiresAt: new Date(T0 + 1000).toISOString() });
    clock.set(T0 + 1000);
    const expired = await rotate(acme, expiring.id);
    expect(expired.status).toBe(409);
    expect(expired.json.error.message).toBe("The API key is expired; only an active key can be rotated.");

    expect((await rotate(org("someone-else"), once.id)).status).toBe(404);
  });

  it("lets exactly one of two concurrent rotations through", async () => {
    const acme = org("rotate-race");
    const old = await newKey(acme);

    const replies = await Promise.all([
      rotate(acme, old.id),
      rotate(acme, old.id, { gracePeriodSeconds: 30 }),
    ]);

    expect(replies.map((reply) => reply.status).sort()).toEqual([201, 409]);
    const winner = replies.find((reply) => reply.status === 201);
    expect((await record(acme, old.id)).replacedBy).toBe(winner?.json.id);
    const listed = await admin(target, "GET", `${keysPath(acme)}?limit=100`);
    expect(listed.json.items).toHaveLength(2);
    const events = await admin(target, "GET", auditPath(acme));
    expect(events.json.items.filter((event: { type: string }) => event.type === "key.rotated")).toHaveLength(
      1,
    );
  });
});

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

describe("create idempotency (API.md §5)", () => {
  const create = (orgId: string, idempotencyKey: string, body: KeyInput = {}) =>
    adminCall(target, keysPath(orgId), {
      method: "POST",
      headers: [["Idempotency-Key", idempotencyKey]],
      body: { name: "idempotent", scopes: ["accounts:read"], ...body },
    });

  it("answers a replay with 409 naming the first key's id, never the key", async () => {
    const acme = org("replay");
    const first = await create(acme, "provision-crm-1");
    expect(first.status).toBe(201);
    issued.push(first.json.key);

    const replay = await create(acme, "provision-crm-1");
    const changed = await create(acme, "provision-crm-1", { name: "another body" });

    for (const reply of [replay, changed]) {
      expect(reply.status).toBe(409);
      expect(reply.json.error.code).toBe("conflict");
      expect(reply.json.error.message).toContain(first.json.id);
      expect(reply.json.error.details).toEqual([
        { path: "headers.Idempotency-Key", message: `Already used to create ${first.json.id}.` },
      ]);
      expect(reply.json).not.toHaveProperty("key");
      expect(reply.text).not.toContain(first.json.key);
      expect(reply.text).not.toContain("fynex_k_");
    }
    const listed = await admin(target, "GET", `${keysPath(acme)}?limit=100`);
    expect(listed.json.items.map((item: { id: string }) => item.id)).toEqual([first.json.id]);
  });

  it("scopes keys to the org", async () => {
    const one = await create(org("replay-a"), "shared-key");
    const other = await create(org("replay-b"), "shared-key");
    issued.push(one.json.key, other.json.key);

    expect([one.status, other.status]).toEqual([201, 201]);
  });

  it.skipIf(remote)("forgets a key after 24 hours", async () => {
    const acme = org("replay-expiry");
    const first = await create(acme, "daily");
    clock.set(T0 + 24 * 3600 * 1000 - 1000);
    const within = await create(acme, "daily");
    clock.set(T0 + 24 * 3600 * 1000);
    const after = await create(acme, "daily");
    issued.push(first.json.key, after.json.key);

    expect([first.status, within.status, after.status]).toEqual([201, 409, 201]);
    expect(after.json.id).not.toBe(first.json.id);
  });

  it.skipIf(remote)("lets exactly one of concurrent creates with one key through", async () => {
    const acme = org("replay-race");

    const replies = await Promise.all([1, 2, 3].map(() => create(acme, "burst")));

    expect(replies.map((reply) => reply.status).sort()).toEqual([201, 409, 409]);
    const winner = replies.find((reply) => reply.status === 201);
    issued.push(winner?.json.key);
    for (const reply of replies.filter((r) => r.status === 409)) {
      expect(reply.json.error.message).toContain(winner?.json.id);
    }
  });
});

describe.skipIf(remote)("the audit trail (API.md §5)", () => {
  it("records every change with its actor and what changed, newest first, and holds no key", async () => {
    // Prepare: a key's whole life, through the admin API and one direct invocation.
    const acme = org("audit");
    const created = await newKey(acme, {
      name: "Ledger export",
      scopes: ["export"],
      rateLimit: { limit: 20 },
      allowedIps: ["192.0.2.0/24"],
    });
    clock.set(T0 + 1000);
    await admin(target, "PATCH", keyPath(acme, created.id), { name: "Ledger export v2", rateLimit: null });
    clock.set(T0 + 2000);
    const graced = await rotate(acme, created.id, { gracePeriodSeconds: 3600 });
    clock.set(T0 + 3000);
    const third = await rotate(acme, graced.json.id);
    issued.push(third.json.key);
    clock.set(T0 + 4000);
    const directDoor = createDirectHandler(localOf(target).deps);
    const direct = await directDoor(
      { action: "revokeKey", orgId: acme, keyId: third.json.id, actor: "ops@example.com" },
      { awsRequestId: "direct-1" } as Parameters<typeof directDoor>[1],
    );
    expect(direct).toMatchObject({ status: "revoked" });

    // Act
    const reply = await admin(target, "GET", auditPath(acme, "?limit=100"));

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.json.nextCursor).toBeNull();
    const events = reply.json.items;
    expect(events.map((event: { type: string; keyId: string }) => [event.type, event.keyId])).toEqual([
      ["key.revoked", third.json.id],
      ["key.rotated", third.json.id],
      ["key.revoked", graced.json.id],
      ["key.rotated", graced.json.id],
      ["key.expired_by_rotation", created.id],
      ["key.updated", created.id],
      ["key.created", created.id],
    ]);
    expect(events[0]).toEqual({
      id: expect.stringMatching(/^evt_/),
      type: "key.revoked",
      at: new Date(T0 + 4000).toISOString(),
      actor: "direct-invoke",
      claimedActor: "ops@example.com",
      keyId: third.json.id,
      changes: { revokedAt: new Date(T0 + 4000).toISOString() },
    });
    expect(events.slice(1).every((event: { actor: string }) => event.actor === "local-admin")).toBe(true);
    expect(events.slice(1).some((event: object) => "claimedActor" in event)).toBe(false);
    expect(events[1].changes).toEqual({
      replaces: graced.json.id,
      name: "Ledger export v2",
      scopes: ["export"],
      expiresAt: null,
      rateLimit: null,
      allowedIps: ["192.0.2.0/24"],
    });
    expect(events[2].changes).toEqual({
      reason: "rotation",
      revokedAt: new Date(T0 + 3000).toISOString(),
      replacedBy: third.json.id,
    });
    expect(events[4].changes).toEqual({
      expiresAt: new Date(T0 + 2000 + 3_600_000).toISOString(),
      previousExpiresAt: null,
      gracePeriodSeconds: 3600,
      replacedBy: graced.json.id,
    });
    expect(events[5]).toMatchObject({
      at: new Date(T0 + 1000).toISOString(),
      changes: {
        name: { from: "Ledger export", to: "Ledger export v2" },
        rateLimit: { from: { limit: 20 }, to: null },
      },
    });
    expect(events[6].changes).toEqual({
      name: "Ledger export",
      scopes: ["export"],
      expiresAt: null,
      rateLimit: { limit: 20 },
      allowedIps: ["192.0.2.0/24"],
    });

    // One key's events, a page at a time.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `?keyId=${created.id}&limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const page = await admin(target, "GET", auditPath(acme, query));
      seen.push(...page.json.items.map((event: { type: string }) => event.type));
      cursor = page.json.nextCursor;
    } while (cursor);
    expect(seen).toEqual(["key.expired_by_rotation", "key.updated", "key.created"]);
  });

  it("holds neither a key nor a key's hash anywhere in the audit table", async () => {
    const { dynamo, settings } = localOf(target).deps;
    const scanned = await dynamo.send(new ScanCommand({ TableName: settings.auditTable }));
    const text = JSON.stringify(scanned.Items);

    expect(scanned.Items?.length ?? 0).toBeGreaterThan(10);
    expect(issued.length).toBeGreaterThan(10);
    for (const key of issued) {
      expect(text).not.toContain(key);
      expect(text).not.toContain(digestApiKey(key).hashHex);
    }
    expect(text).not.toContain("fynex_k_");
  });

  it("keeps each org's events to itself", async () => {
    const reply = await admin(target, "GET", auditPath(org("nobody-here")));

    expect(reply.json).toEqual({ items: [], nextCursor: null });
  });
});

describe("validation of the new fields (API.md §4, §5)", () => {
  const acme = org("validation");

  it("refuses bad rateLimit and allowedIps at creation, one detail per problem", async () => {
    const cases: [unknown, string[]][] = [
      [{ rateLimit: { limit: 0 } }, ["rateLimit.limit"]],
      [{ rateLimit: { limit: 10_001 } }, ["rateLimit.limit"]],
      [{ rateLimit: { limit: 1.5 } }, ["rateLimit.limit"]],
      [{ rateLimit: { limit: 5, window: 60 } }, ["rateLimit.window"]],
      [{ rateLimit: 5 }, ["rateLimit"]],
      [{ rateLimit: null }, ["rateLimit"]],
      [{ allowedIps: [] }, ["allowedIps"]],
      [{ allowedIps: "10.0.0.1" }, ["allowedIps"]],
      [{ allowedIps: ["10.0.0.1", "10.0.0.256"] }, ["allowedIps[1]"]],
      [{ allowedIps: ["10.1.2.3/8"] }, ["allowedIps[0]"]],
      [{ allowedIps: ["fe80::1%eth0"] }, ["allowedIps[0]"]],
      [{ allowedIps: Array.from({ length: 101 }, (_, i) => `10.0.0.${i}`) }, ["allowedIps"]],
      [{ rateLimit: { limit: 0 }, allowedIps: ["x"] }, ["rateLimit.limit", "allowedIps[0]"]],
    ];
    for (const [extra, expected] of cases) {
      const reply = await admin(target, "POST", keysPath(acme), {
        name: "k",
        scopes: ["accounts:read"],
        ...(extra as object),
      });
      expect(reply.status, JSON.stringify(extra)).toBe(400);
      expect(reply.json.error.code).toBe("validation_error");
      expect(paths(reply), JSON.stringify(extra)).toEqual(expected);
    }
  });

  it("refuses bad PATCH and rotate bodies", async () => {
    const { id } = await newKey(acme);
    const patches: [unknown, string[]][] = [
      [{ name: "" }, ["name"]],
      [{ name: null }, ["name"]],
      [{ scopes: ["accounts:delete"] }, ["scopes[0]"]],
      [{ rateLimit: { limit: 0 } }, ["rateLimit.limit"]],
      [{ allowedIps: [] }, ["allowedIps"]],
      [{ expiresAt: "2030-01-01" }, ["expiresAt"]],
      [{ replacedBy: "key_x" }, ["replacedBy"]],
      [[], ["body"]],
    ];
    for (const [body, expected] of patches) {
      const reply = await admin(target, "PATCH", keyPath(acme, id), body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(paths(reply), JSON.stringify(body)).toEqual(expected);
    }
    const rotations: [unknown, string[]][] = [
      [{ gracePeriodSeconds: -1 }, ["gracePeriodSeconds"]],
      [{ gracePeriodSeconds: 604_801 }, ["gracePeriodSeconds"]],
      [{ gracePeriodSeconds: "60" }, ["gracePeriodSeconds"]],
      [{ expiresAt: "2020-01-01" }, ["expiresAt"]],
      [{ name: "renamed" }, ["name"]],
    ];
    for (const [body, expected] of rotations) {
      const reply = await admin(target, "POST", `${keyPath(acme, id)}/rotate`, body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(paths(reply), JSON.stringify(body)).toEqual(expected);
    }
    const text = await adminCall(target, keyPath(acme, id), {
      method: "PATCH",
      headers: [["Content-Type", "text/plain"]],
      rawBody: "{}",
    });
    expect(text.status).toBe(415);
  });

  it("refuses a bad Idempotency-Key and bad audit-list parameters", async () => {
    for (const value of ["k".repeat(256), "clé"]) {
      const reply = await adminCall(target, keysPath(acme), {
        method: "POST",
        headers: [["Idempotency-Key", value]],
        body: { name: "k", scopes: ["accounts:read"] },
      });
      expect(reply.status).toBe(400);
      expect(paths(reply)).toEqual(["headers.Idempotency-Key"]);
    }
    for (const [query, expected] of [
      ["?limit=0", "query.limit"],
      ["?limit=101", "query.limit"],
      ["?keyId=nope", "query.keyId"],
      ["?cursor=garbage", "query.cursor"],
      ["?type=key.created", "query.type"],
    ]) {
      const reply = await admin(target, "GET", auditPath(acme, query));
      expect(reply.status, query).toBe(400);
      expect(paths(reply), query).toEqual([expected]);
    }
  });
});
