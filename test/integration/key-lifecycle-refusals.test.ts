import { describe, expect, it } from "vitest";
import { admin, adminCall } from "./harness";
import { auditPath, type KeyInput, keyPath, keysPath, paths, T0, useKeyLifecycle } from "./key-lifecycle";
import { org, remote } from "./target";

/**
 * What the admin API refuses over a key's life: a create replayed under its Idempotency-Key (409
 * naming the first key, never the key itself), and malformed new fields, bodies and parameters (400,
 * one detail per problem; 415 for a body that is not JSON).
 */
const { clock, target, issued, newKey } = useKeyLifecycle();
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
