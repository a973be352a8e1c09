import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalRuntime } from "../../lib/local/runtime";
import { admin, createKey, ManualClock, startLocal, withKey } from "./harness";
import { localTarget, remote, type Target } from "./target";

/** `?unusedForDays=N` on the key list (API.md §11), over the local runtime with a clock moved by days. */
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);
const clock = new ManualClock(T0);
let local: LocalRuntime;
let target: Target;

beforeAll(async () => {
  if (remote) return;
  local = await startLocal({ clock: clock.now });
  target = localTarget(local);
});
afterAll(async () => {
  await local?.close();
});

const list = (orgId: string, query: string) =>
  admin(target, "GET", `/admin/v1/orgs/${orgId}/api-keys${query}`);

describe.skipIf(remote)("unused keys", () => {
  it("lists active keys last used, or never used and created, at or before now minus N days", async () => {
    // Prepare
    const orgId = "unused-a";
    clock.set(T0);
    const neverUsed = await createKey(target, orgId, { name: "never used", scopes: ["accounts:read"] });
    clock.advance(1000);
    const usedEarly = await createKey(target, orgId, { name: "used day 20", scopes: ["accounts:read"] });
    clock.advance(1000);
    const revoked = await createKey(target, orgId, { name: "revoked", scopes: ["accounts:read"] });
    await admin(target, "POST", `/admin/v1/orgs/${orgId}/api-keys/${revoked.id}/revoke`);
    clock.advance(1000);
    const throttledOnly = await createKey(target, orgId, {
      name: "429 on day 28",
      scopes: ["accounts:read"],
      rateLimit: { limit: 1 },
    });
    await withKey(target, throttledOnly.key, "/api/v1/accounts");
    clock.set(T0 + 20 * DAY);
    await withKey(target, usedEarly.key, "/api/v1/accounts");
    clock.set(T0 + 25 * DAY);
    const young = await createKey(target, orgId, { name: "created day 25", scopes: ["accounts:read"] });
    clock.set(T0 + 28 * DAY);
    // Its second request in the window is a 429: still a use.
    await withKey(target, throttledOnly.key, "/api/v1/accounts");
    expect((await withKey(target, throttledOnly.key, "/api/v1/accounts")).status).toBe(429);
    clock.set(T0 + 30 * DAY);

    // Act
    const thirty = await list(orgId, "?unusedForDays=30");
    const ten = await list(orgId, "?unusedForDays=10");
    const one = await list(orgId, "?unusedForDays=1");

    // Assess
    const names = (reply: typeof thirty) => reply.json.items.map((item: { name: string }) => item.name);
    expect(thirty.status).toBe(200);
    expect(names(thirty)).toEqual(["never used"]);
    expect(names(ten)).toEqual(["used day 20", "never used"]);
    // A 429 is a use: the key used only so on day 28 is not unused for 10 days, but is for 1.
    expect(names(one)).toEqual(["created day 25", "429 on day 28", "used day 20", "never used"]);
    expect(names(one)).not.toContain("revoked");
    expect(thirty.json.items[0].id).toBe(neverUsed.id);
    expect(young.id).toBeDefined();
  });

  it("pages through unused keys with the cursor", async () => {
    const orgId = "unused-b";
    clock.set(T0);
    const created: string[] = [];
    for (let i = 0; i < 5; i++) {
      created.push((await createKey(target, orgId, { name: `k${i}`, scopes: ["accounts:read"] })).id);
      clock.advance(1000);
    }
    // The newest but one is used later: it drops out.
    clock.set(T0 + 5 * DAY);
    const used = await createKey(target, orgId, { name: "fresh", scopes: ["accounts:read"] });
    clock.set(T0 + 10 * DAY);

    const first = await list(orgId, "?unusedForDays=7&limit=2");
    const second = await list(orgId, `?unusedForDays=7&limit=2&cursor=${first.json.nextCursor}`);
    const third = await list(orgId, `?unusedForDays=7&limit=2&cursor=${second.json.nextCursor}`);

    const ids = [...first.json.items, ...second.json.items, ...third.json.items].map((item) => item.id);
    expect(ids).toEqual([...created].reverse());
    expect(ids).not.toContain(used.id);
    expect(third.json.nextCursor).toBe(null);
  });

  it("refuses N outside 1 to 365, and any status beside it", async () => {
    for (const query of [
      "?unusedForDays=0",
      "?unusedForDays=366",
      "?unusedForDays=1.5",
      "?unusedForDays=x",
    ]) {
      const reply = await list("unused-c", query);
      expect(reply.status, query).toBe(400);
      expect(reply.json.error.details[0].path).toBe("query.unusedForDays");
    }
    const both = await list("unused-c", "?unusedForDays=30&status=active");
    expect(both.status).toBe(400);
    expect(both.json.error.details).toEqual([
      { path: "query.unusedForDays", message: "Leave out status: unusedForDays lists active keys only." },
    ]);
    expect((await list("unused-c", "?unusedForDays=365")).status).toBe(200);
  });
});
