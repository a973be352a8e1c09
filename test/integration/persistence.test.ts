import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { admin, createKey, ManualClock, startLocal, withKey } from "./harness";
import { localTarget, remote } from "./target";

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "fynex-data-"));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe.skipIf(remote)("the local runtime's storage", () => {
  it("keeps keys and data across a restart when given a data dir", async () => {
    const adminToken = "persist-token";
    const first = await startLocal({ dataDir, adminToken });
    let key: string;
    let accountId: string;
    try {
      key = (await createKey(localTarget(first), "acme", { scopes: ["accounts:read", "accounts:write"] }))
        .key;
      const created = await withKey(localTarget(first), key, "/api/v1/accounts", {
        method: "POST",
        body: { name: "Kept", currency: "USD" },
      });
      accountId = created.json.id;
    } finally {
      await first.close();
    }
    const second = await startLocal({ dataDir, adminToken });
    try {
      const listed = await withKey(localTarget(second), key, "/api/v1/accounts");
      expect(listed.status).toBe(200);
      expect(listed.json.items.map((item: { id: string }) => item.id)).toEqual([accountId]);
    } finally {
      await second.close();
    }
  });

  it("removes dead keys 90 days after they stop working, as DynamoDB's TTL does", async () => {
    const t0 = Date.UTC(2026, 10, 26, 10, 0, 0);
    const clock = new ManualClock(t0);
    const local = await startLocal({ clock: clock.now });
    try {
      const expiring = await createKey(localTarget(local), "acme", {
        scopes: ["export"],
        expiresAt: new Date(t0 + 3_600_000).toISOString(),
      });
      const revoked = await createKey(localTarget(local), "acme", { scopes: ["export"] });
      const living = await createKey(localTarget(local), "acme", { scopes: ["export"] });
      await admin(localTarget(local), "POST", `/admin/v1/orgs/acme/api-keys/${revoked.id}/revoke`);

      clock.set(t0 + 89 * 86_400_000);
      await local.sweepExpired();
      expect(
        (await admin(localTarget(local), "GET", `/admin/v1/orgs/acme/api-keys/${expiring.id}`)).json.status,
      ).toBe("expired");
      expect(
        (await admin(localTarget(local), "GET", `/admin/v1/orgs/acme/api-keys/${revoked.id}`)).json.status,
      ).toBe("revoked");

      clock.set(t0 + 91 * 86_400_000);
      await local.sweepExpired();
      expect(
        (await admin(localTarget(local), "GET", `/admin/v1/orgs/acme/api-keys/${expiring.id}`)).status,
      ).toBe(404);
      expect(
        (await admin(localTarget(local), "GET", `/admin/v1/orgs/acme/api-keys/${revoked.id}`)).status,
      ).toBe(404);
      expect(
        (await admin(localTarget(local), "GET", `/admin/v1/orgs/acme/api-keys/${living.id}`)).status,
      ).toBe(200);
    } finally {
      await local.close();
    }
  });
});
