import { describe, expect, it } from "vitest";
import { admin, createKey, ManualClock } from "./harness";
import { DAY, POLL, subscribe, T0, useScheduledRuntime } from "./scheduled-runs";
import { remote } from "./target";

/**
 * Rotation due (API.md §12) over the local runtime: its clock moved by days, the daily run called as
 * the schedule would call it, `api_key.rotation_due` delivered to a loopback receiver, the audit trail
 * read back.
 */
const clock = new ManualClock(T0);
const run = useScheduledRuntime(clock);

const delivered = (orgId: string) => run.receiver.at(`/${orgId}`).map((request) => request.json);
async function dueEvents(orgId: string) {
  const reply = await admin(run.target, "GET", `/admin/v1/orgs/${orgId}/audit-events?limit=100`);
  return reply.json.items.filter((event: { type: string }) => event.type === "key.rotation_due");
}
const rotationDue = async () => (await run.local.sendReminders()).rotationDue;

describe.skipIf(remote)("rotation due (API.md §12)", () => {
  it("raises api_key.rotation_due once a key is rotateAfterDays old, once however often the run goes", async () => {
    // Prepare: the default policy, 90 days.
    const orgId = "due-default";
    clock.set(T0);
    const manager = await subscribe(run, orgId, "api_key.rotation_due");
    const key = await createKey(run.target, orgId, { name: "old one", scopes: ["accounts:read"] });

    // Act and assess: not before 90 days; then one event for each key, never again.
    clock.set(T0 + 89.9 * DAY);
    expect(await rotationDue()).toBe(0);
    clock.set(T0 + 90.2 * DAY);
    const concurrent = await Promise.all([rotationDue(), rotationDue(), rotationDue()]);
    expect(concurrent.reduce((sum, sent) => sum + sent, 0)).toBe(2);
    clock.set(T0 + 120 * DAY);
    expect(await rotationDue()).toBe(0);

    await expect.poll(() => delivered(orgId).length, POLL).toBe(2);
    const forKey = delivered(orgId).find((event) => event.data.id === key.id);
    expect(forKey).toMatchObject({
      type: "api_key.rotation_due",
      orgId,
      data: { id: key.id, status: "active", ageDays: 90 },
    });
    expect(JSON.stringify(delivered(orgId))).not.toContain(key.key);
    const audit = await dueEvents(orgId);
    expect(audit.map((event: { keyId: string }) => event.keyId).sort()).toEqual([key.id, manager].sort());
    expect(audit[0]).toMatchObject({ actor: "scheduler", changes: { rotateAfterDays: 90, ageDays: 90 } });
  });

  it("starts a rotated key's new key at a new age, and never reminds a revoked key", async () => {
    // Prepare
    const orgId = "due-rotated";
    clock.set(T0);
    const old = await createKey(run.target, orgId, { name: "rotated", scopes: ["accounts:read"] });
    const revoked = await createKey(run.target, orgId, { name: "revoked", scopes: ["accounts:read"] });
    await admin(run.target, "POST", `/admin/v1/orgs/${orgId}/api-keys/${revoked.id}/revoke`);
    clock.set(T0 + 50 * DAY);
    const rotated = await admin(run.target, "POST", `/admin/v1/orgs/${orgId}/api-keys/${old.id}/rotate`, {});

    // Act
    clock.set(T0 + 100 * DAY);
    await rotationDue();
    const atHundred = await dueEvents(orgId);
    clock.set(T0 + 141 * DAY);
    await rotationDue();

    // Assess
    expect(atHundred).toEqual([]);
    expect((await dueEvents(orgId)).map((event: { keyId: string }) => event.keyId)).toEqual([
      rotated.json.id,
    ]);
  });

  it("follows a change of rotateAfterDays for the org's existing keys, and sends none when it is null", async () => {
    // Prepare
    const orgId = "due-changed";
    const quiet = "due-off";
    clock.set(T0);
    const key = await createKey(run.target, orgId, { name: "k", scopes: ["accounts:read"] });
    await createKey(run.target, quiet, { name: "k", scopes: ["accounts:read"] });
    const policy = { maxLifetimeDays: null, allowedScopes: null, requireAllowlist: false };
    await admin(run.target, "PUT", `/admin/v1/orgs/${quiet}/key-policy`, {
      ...policy,
      rotateAfterDays: null,
    });
    clock.set(T0 + 10 * DAY);

    // Act: 5 days is already behind the key, so it is due at the next run.
    const put = await admin(run.target, "PUT", `/admin/v1/orgs/${orgId}/key-policy`, {
      ...policy,
      rotateAfterDays: 5,
    });
    await rotationDue();
    clock.set(T0 + 200 * DAY);
    await rotationDue();

    // Assess
    expect(put.status).toBe(200);
    expect((await dueEvents(orgId)).map((event: { keyId: string }) => event.keyId)).toEqual([key.id]);
    expect(await dueEvents(quiet)).toEqual([]);
  });
});
