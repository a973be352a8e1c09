import { describe, expect, it } from "vitest";
import { admin, createKey, ManualClock, useTarget } from "./harness";
import { remote } from "./target";

/**
 * `policyViolations` on key records and `?policyViolations=true` on the list (API.md §12), with the
 * filtered list's read bound lowered to 3 so a handful of keys shows the bounded reads and cursors.
 */
const READS = 3;
const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);
const DAY = 86_400_000;
const clock = new ManualClock(T0);
const target = useTarget({ clock: clock.now, keyLimits: { orgActiveKeys: 50, filteredListReads: READS } });

const keysOf = (orgId: string) => `/admin/v1/orgs/${orgId}/api-keys`;
const at = (ms: number) => new Date(ms).toISOString();
const STRICT = {
  maxLifetimeDays: 30,
  allowedScopes: ["export"],
  requireAllowlist: true,
  rotateAfterDays: null,
};

/** Keys made before the policy, oldest first: one that complies, and one breaking each rule. */
async function seed(orgId: string) {
  clock.set(T0);
  const make = async (name: string, input: Parameters<typeof createKey>[2]) => {
    const key = await createKey(target, orgId, { name, ...input });
    clock.advance(1000);
    return key.id;
  };
  const fine = await make("fine", {
    scopes: ["export"],
    expiresAt: at(T0 + 10 * DAY),
    allowedIps: ["192.0.2.1"],
  });
  const forever = await make("forever", { scopes: ["export"], allowedIps: ["192.0.2.1"] });
  const wide = await make("wide", {
    scopes: ["export", "import"],
    expiresAt: at(T0 + DAY),
    allowedIps: ["192.0.2.1"],
  });
  const open = await make("open", { scopes: ["export"], expiresAt: at(T0 + DAY) });
  const revoked = await make("revoked", { scopes: ["import"] });
  expect((await admin(target, "POST", `${keysOf(orgId)}/${revoked}/revoke`)).status).toBe(200);
  expect((await admin(target, "PUT", `/admin/v1/orgs/${orgId}/key-policy`, STRICT)).status).toBe(200);
  return { fine, forever, wide, open, revoked };
}

async function allPages(orgId: string, query: string) {
  const names: string[] = [];
  const pageSizes: number[] = [];
  let cursor: string | null = null;
  do {
    const reply = await admin(target, "GET", `${keysOf(orgId)}${query}${cursor ? `&cursor=${cursor}` : ""}`);
    expect(reply.status).toBe(200);
    names.push(...reply.json.items.map((item: { name: string }) => item.name));
    pageSizes.push(reply.json.items.length);
    cursor = reply.json.nextCursor;
  } while (cursor);
  return { names, pageSizes };
}

describe.skipIf(remote)("policyViolations (API.md §12)", () => {
  it("marks each active key with the rules of the current policy it breaks, and never a revoked key", async () => {
    // Prepare
    const ids = await seed("viol-records");

    // Act
    const read = async (id: string) =>
      (await admin(target, "GET", `${keysOf("viol-records")}/${id}`)).json.policyViolations;

    // Assess
    expect(await read(ids.fine)).toEqual([]);
    expect(await read(ids.forever)).toEqual(["maxLifetimeDays"]);
    expect(await read(ids.wide)).toEqual(["allowedScopes"]);
    expect(await read(ids.open)).toEqual(["requireAllowlist"]);
    expect(await read(ids.revoked)).toEqual([]);
    const listed = await admin(target, "GET", keysOf("viol-records"));
    expect(
      Object.fromEntries(
        listed.json.items.map((item: { name: string; policyViolations: string[] }) => [
          item.name,
          item.policyViolations,
        ]),
      ),
    ).toEqual({
      fine: [],
      forever: ["maxLifetimeDays"],
      wide: ["allowedScopes"],
      open: ["requireAllowlist"],
      revoked: [],
    });
  });

  it("lists only the active keys that break the policy with ?policyViolations=true, reading at most the bound per page", async () => {
    // Prepare
    await seed("viol-list");

    // Act
    const { names, pageSizes } = await allPages("viol-list", "?policyViolations=true&limit=10");

    // Assess
    expect(names).toEqual(["open", "wide", "forever"]);
    // Five keys, three reads a page: the first page stops short with a cursor.
    expect(pageSizes.length).toBeGreaterThan(1);
  });

  it("follows the current policy: a key leaves the list once a PATCH or a looser policy fixes it", async () => {
    // Prepare
    const ids = await seed("viol-change");

    // Act
    await admin(target, "PATCH", `${keysOf("viol-change")}/${ids.open}`, { allowedIps: ["192.0.2.9"] });
    await admin(target, "PUT", "/admin/v1/orgs/viol-change/key-policy", { ...STRICT, maxLifetimeDays: null });
    const { names } = await allPages("viol-change", "?policyViolations=true");

    // Assess
    expect(names).toEqual(["wide"]);
  });

  it.each([
    ["?policyViolations=false", "query.policyViolations"],
    ["?policyViolations=true&status=active", "query.policyViolations"],
    ["?policyViolations=true&unusedForDays=30", "query.policyViolations"],
  ])("refuses %s with 400 at %s", async (query, path) => {
    // Act
    const reply = await admin(target, "GET", `${keysOf("viol-refusals")}${query}`);

    // Assess
    expect(reply.status).toBe(400);
    expect(reply.json.error.details.map((detail: { path: string }) => detail.path)).toEqual([path]);
  });

  it("takes its own cursors only: another filter's cursor is a 400 at query.cursor", async () => {
    // Prepare
    await seed("viol-cursor");
    const active = await admin(target, "GET", `${keysOf("viol-cursor")}?status=active&limit=1`);
    const own = await admin(target, "GET", `${keysOf("viol-cursor")}?policyViolations=true&limit=1`);

    // Act
    const crossed = await admin(
      target,
      "GET",
      `${keysOf("viol-cursor")}?policyViolations=true&cursor=${active.json.nextCursor}`,
    );
    const back = await admin(
      target,
      "GET",
      `${keysOf("viol-cursor")}?status=active&cursor=${own.json.nextCursor}`,
    );

    // Assess
    expect(crossed.status).toBe(400);
    expect(crossed.json.error.details[0].path).toBe("query.cursor");
    expect(back.status).toBe(400);
    expect(back.json.error.details[0].path).toBe("query.cursor");
  });
});
