import { describe, expect, it } from "vitest";
import { admin, createKey, ManualClock } from "./harness";
import { DAY, POLL, subscribe, T0, useScheduledRuntime } from "./scheduled-runs";
import { remote } from "./target";

/**
 * Expiry reminders (API.md §11) over the local runtime: its clock moved by days, the reminder run
 * called as the schedule would call it, deliveries to a loopback receiver, the audit trail read back.
 */
const clock = new ManualClock(T0);
const run = useScheduledRuntime(clock);

const reminders = (orgId: string) => run.receiver.at(`/${orgId}`).map((request) => request.json);
async function auditReminders(orgId: string) {
  const reply = await admin(run.target, "GET", `/admin/v1/orgs/${orgId}/audit-events?limit=100`);
  return reply.json.items.filter((event: { type: string }) => event.type === "key.expiring_soon");
}

describe.skipIf(remote)("expiry reminders", () => {
  it("reminds at 7 days and at 1 day left, each once however often the check runs", async () => {
    // Prepare: a key expiring 10 days from now.
    const orgId = "remind-a";
    clock.set(T0);
    await subscribe(run, orgId, "api_key.expiring_soon");
    const expiresAt = new Date(T0 + 10 * DAY).toISOString();
    const key = await createKey(run.target, orgId, { name: "temp", scopes: ["accounts:read"], expiresAt });

    // Act and assess: day 0, nothing; day 3.5, "7d" once; day 9.5, "1d" once; never again.
    expect((await run.local.sendReminders()).sent).toBe(0);
    clock.set(T0 + 3.5 * DAY);
    expect((await run.local.sendReminders()).sent).toBe(1);
    expect((await run.local.sendReminders()).sent).toBe(0);
    clock.set(T0 + 9.5 * DAY);
    const concurrent = await Promise.all([
      run.local.sendReminders(),
      run.local.sendReminders(),
      run.local.sendReminders(),
    ]);
    expect(concurrent.reduce((sum, run) => sum + run.sent, 0)).toBe(1);
    clock.set(T0 + 9.9 * DAY);
    expect((await run.local.sendReminders()).sent).toBe(0);

    await expect.poll(() => reminders(orgId).length, POLL).toBe(2);
    const [seven, one] = reminders(orgId);
    expect(seven).toMatchObject({
      type: "api_key.expiring_soon",
      orgId,
      data: { id: key.id, threshold: "7d" },
    });
    expect(one).toMatchObject({
      type: "api_key.expiring_soon",
      data: { id: key.id, threshold: "1d", expiresAt },
    });
    expect(JSON.stringify([seven, one])).not.toContain(key.key);
    const audit = await auditReminders(orgId);
    expect(audit.map((event: { actor: string; changes: unknown }) => [event.actor, event.changes])).toEqual([
      ["scheduler", { expiresAt, threshold: "1d" }],
      ["scheduler", { expiresAt, threshold: "7d" }],
    ]);
  });

  it("gives a key first seen with under a day left only the 1-day reminder", async () => {
    const orgId = "remind-b";
    clock.set(T0 + 20 * DAY);
    await subscribe(run, orgId, "api_key.expiring_soon");
    const key = await createKey(run.target, orgId, {
      scopes: ["accounts:read"],
      expiresAt: new Date(T0 + 20.5 * DAY).toISOString(),
    });

    expect((await run.local.sendReminders()).sent).toBe(1);
    clock.set(T0 + 20.4 * DAY);
    expect((await run.local.sendReminders()).sent).toBe(0);

    await expect.poll(() => reminders(orgId).length, POLL).toBe(1);
    expect(reminders(orgId)[0]).toMatchObject({ data: { id: key.id, threshold: "1d" } });
  });

  it("reminds no key whose expiry a rotation's grace set, and no revoked key", async () => {
    const orgId = "remind-c";
    clock.set(T0 + 30 * DAY);
    // Its own expiry is 10 days out; the rotation's grace brings it to 3 days: an admin's choice a moment ago.
    const old = await createKey(run.target, orgId, {
      scopes: ["accounts:read"],
      expiresAt: new Date(T0 + 40 * DAY).toISOString(),
    });
    const rotated = await admin(run.target, "POST", `/admin/v1/orgs/${orgId}/api-keys/${old.id}/rotate`, {
      gracePeriodSeconds: 3 * 86_400,
    });
    const ownExpiry = await createKey(run.target, orgId, {
      scopes: ["accounts:read"],
      expiresAt: new Date(T0 + 32 * DAY).toISOString(),
    });
    await admin(run.target, "POST", `/admin/v1/orgs/${orgId}/api-keys/${ownExpiry.id}/revoke`);

    expect(rotated.status).toBe(201);
    expect((await run.local.sendReminders()).sent).toBe(0);
    clock.set(T0 + 32.5 * DAY);
    expect((await run.local.sendReminders()).sent).toBe(0);
    expect(await auditReminders(orgId)).toEqual([]);
  });
});
