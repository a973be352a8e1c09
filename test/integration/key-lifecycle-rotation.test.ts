import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { createHandler as createDirectHandler } from "../../lambdas/key-management/doors/direct.handler";
import { digestApiKey } from "../../lambdas/shared/api-keys/api-key";
import { pathUnder } from "./business";
import { admin, withKey } from "./harness";
import { ACCOUNTS, auditPath, keyPath, keysPath, T0, useKeyLifecycle } from "./key-lifecycle";
import { localOf, org, remote } from "./target";

/**
 * Rotating a key, whatever comes of it (a grace period, none, a conflict, a race), and the audit trail
 * that records every change of a key's life with its actor, and holds neither a key nor its hash: this
 * file issues the most keys, so its sweep of the audit table is the one that proves it.
 */
const { clock, target, issued, newKey, rotate, record } = useKeyLifecycle();
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
