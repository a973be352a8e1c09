import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { revokeKey } from "../../lambdas/key-management/revoke-key";
import { keyServiceDepsOf } from "../../lambdas/key-management/service-deps";
import { digestApiKey } from "../../lambdas/shared/api-keys/api-key";
import type { LocalRuntime } from "../../lib/local/runtime";
import { admin, createKey, startLocal, withKey } from "./harness";
import { localTarget, remote, type Target } from "./target";
import { Receiver } from "./webhook-receiver";

/**
 * Key events for webhook subscribers (API.md §11) over the local runtime: raised in the same
 * transaction as the change, delivered by the poller like business events, never holding the key.
 */
const POLL = { timeout: 15_000, interval: 25 };
const KEY_EVENTS = ["api_key.created", "api_key.revoked", "api_key.expiring_soon", "api_key.leak_reported"];
let local: LocalRuntime;
let target: Target;
let receiver: Receiver;
/** Every full key these tests were given, to look for in what was delivered. */
const keys: string[] = [];

beforeAll(async () => {
  if (remote) return;
  receiver = await new Receiver().start();
  local = await startLocal({ webhooksAllowLoopback: true, webhookDelivery: { pollIntervalMs: 25 } });
  target = localTarget(local);
});
afterAll(async () => {
  await local?.close();
  await receiver?.close();
});

/** An org with a subscription to every key event at `/<orgId>`. */
async function subscribedOrg(orgId: string) {
  const manager = await createKey(target, orgId, { name: "webhooks", scopes: ["webhooks:manage"] });
  keys.push(manager.key);
  const reply = await withKey(target, manager.key, "/api/v1/webhooks", {
    method: "POST",
    body: { url: `${receiver.url}/${orgId}`, events: KEY_EVENTS },
  });
  expect(reply.status, reply.text).toBe(201);
  return orgId;
}

const delivered = (orgId: string) => receiver.at(`/${orgId}`).map((request) => request.json);
const typesFor = (orgId: string, keyId: string) =>
  delivered(orgId)
    .filter((event) => event.data.id === keyId)
    .map((event) => event.type);

describe.skipIf(remote)("key events for webhook subscribers", () => {
  it("accepts the key events in a subscription", async () => {
    const orgId = await subscribedOrg("events-a");
    const manager = await createKey(target, orgId, { scopes: ["webhooks:manage"] });
    keys.push(manager.key);
    const reply = await withKey(target, manager.key, "/api/v1/webhooks", {
      method: "POST",
      body: { url: `${receiver.url}/x`, events: ["api_key.revoked", "account.created"] },
    });

    expect(reply.status).toBe(201);
    expect(reply.json.events).toEqual(["api_key.revoked", "account.created"]);
  });

  it("raises api_key.created with the key record, and api_key.revoked once however often it is revoked", async () => {
    // Prepare
    const orgId = await subscribedOrg("events-b");
    const created = await createKey(target, orgId, { name: "to revoke", scopes: ["accounts:read"] });
    keys.push(created.key);

    // Act
    const first = await admin(target, "POST", `/admin/v1/orgs/${orgId}/api-keys/${created.id}/revoke`);
    await admin(target, "POST", `/admin/v1/orgs/${orgId}/api-keys/${created.id}/revoke`);
    // A later event: once it is in, anything the repeated revoke raised would be in too.
    const marker = await createKey(target, orgId, { name: "marker", scopes: ["accounts:read"] });
    keys.push(marker.key);

    // Assess
    await expect.poll(() => typesFor(orgId, marker.id), POLL).toEqual(["api_key.created"]);
    expect(typesFor(orgId, created.id)).toEqual(["api_key.created", "api_key.revoked"]);
    const [createdEvent, revokedEvent] = delivered(orgId).filter((event) => event.data.id === created.id);
    const { key: _key, ...record } = created;
    expect(createdEvent).toMatchObject({ orgId, data: record });
    expect(createdEvent.data).not.toHaveProperty("key");
    expect(revokedEvent.data).toEqual(first.json);
    expect(revokedEvent.data.status).toBe("revoked");
  });

  it("raises created for a rotation's new key, and revoked for the old one only without grace", async () => {
    const orgId = await subscribedOrg("events-c");
    const hard = await createKey(target, orgId, { name: "hard", scopes: ["accounts:read"] });
    const soft = await createKey(target, orgId, { name: "soft", scopes: ["accounts:read"] });
    keys.push(hard.key, soft.key);

    const hardNew = await admin(target, "POST", `/admin/v1/orgs/${orgId}/api-keys/${hard.id}/rotate`);
    const softNew = await admin(target, "POST", `/admin/v1/orgs/${orgId}/api-keys/${soft.id}/rotate`, {
      gracePeriodSeconds: 3600,
    });
    keys.push(hardNew.json.key, softNew.json.key);
    const marker = await createKey(target, orgId, { name: "marker", scopes: ["accounts:read"] });

    await expect.poll(() => typesFor(orgId, marker.id), POLL).toEqual(["api_key.created"]);
    expect(typesFor(orgId, hardNew.json.id)).toEqual(["api_key.created"]);
    expect(typesFor(orgId, softNew.json.id)).toEqual(["api_key.created"]);
    expect(typesFor(orgId, hard.id)).toEqual(["api_key.created", "api_key.revoked"]);
    expect(typesFor(orgId, soft.id)).toEqual(["api_key.created"]);
  });

  it("raises api_key.revoked and api_key.leak_reported for a leak report's revocation", async () => {
    const orgId = await subscribedOrg("events-d");
    const leaked = await createKey(target, orgId, { name: "leaked", scopes: ["accounts:read"] });
    keys.push(leaked.key);

    // The leaked-key route's own call (lambdas/secret-scanning/leak-report.ts).
    const outcome = await revokeKey(keyServiceDepsOf(local.deps), orgId, leaked.id, "secret-scanning", {
      eventType: "key.leak_reported",
      changes: { url: "https://github.com/acme/app/blob/main/.env" },
    });

    expect(outcome.ok).toBe(true);
    await expect
      .poll(() => typesFor(orgId, leaked.id).sort(), POLL)
      .toEqual(["api_key.created", "api_key.leak_reported", "api_key.revoked"]);
    const report = delivered(orgId).find((event) => event.type === "api_key.leak_reported");
    expect(report.data).toMatchObject({
      id: leaked.id,
      status: "revoked",
      url: expect.stringContaining("github"),
    });
  });

  it("never delivers a key, its hash or its random part", async () => {
    await expect.poll(() => receiver.received.length, POLL).toBeGreaterThan(5);
    const bodies = receiver.received.map((request) => request.raw.toString("utf8"));

    for (const key of keys) {
      const { hashHex } = digestApiKey(key);
      for (const body of bodies) {
        expect(body).not.toContain(key);
        expect(body).not.toContain(key.slice(8, 24));
        expect(body).not.toContain(hashHex);
      }
    }
  });
});
