import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { admin, createKey, createKeys, ManualClock, useTarget } from "./harness";
import { remote } from "./target";

/**
 * API.md §5's bounds (issue 19 point 6), with the local runtime's limits lowered so that a handful of
 * keys reach them: an org holds at most `CAP` active keys, and a filtered list reads at most `READS`
 * index entries per request. `test/unit/lambdas/key-management/key-limits.test.ts` proves the
 * deployed numbers are API.md's 1,000 and 1,000.
 */
const CAP = 4;
const READS = 3;
const T0 = Date.UTC(2026, 2, 1, 12, 0, 0);
const clock = new ManualClock(T0);
const target = useTarget({ clock: clock.now, keyLimits: { orgActiveKeys: CAP, filteredListReads: READS } });

const keysOf = (orgId: string) => `/admin/v1/orgs/${orgId}/api-keys`;
const create = (orgId: string, body: unknown = { name: "k", scopes: ["accounts:read"] }) =>
  admin(target, "POST", keysOf(orgId), body);

async function activeNames(orgId: string, query = "?status=active") {
  const names: string[] = [];
  let cursor: string | null = null;
  do {
    const reply = await admin(target, "GET", `${keysOf(orgId)}${query}${cursor ? `&cursor=${cursor}` : ""}`);
    expect(reply.status).toBe(200);
    names.push(...reply.json.items.map((item: { name: string }) => item.name));
    cursor = reply.json.nextCursor;
  } while (cursor);
  return names;
}

describe.skipIf(remote)("an org's cap on active keys", () => {
  it("answers 409 conflict naming the cap to a create beyond it, after 400 for a bad body", async () => {
    // Prepare
    clock.set(T0);
    await createKeys(target, clock, "cap-a", CAP);

    // Act
    const beyond = await create("cap-a");
    const invalid = await create("cap-a", { name: "", scopes: ["accounts:read"] });

    // Assess
    expect(beyond.status).toBe(409);
    expect(beyond.json.error.code).toBe("conflict");
    expect(beyond.json.error.message).toContain(String(CAP));
    expect(invalid.status).toBe(400);
    expect(await activeNames("cap-a")).toHaveLength(CAP);
  });

  it("lets a rotation through at the cap, with or without grace", async () => {
    // Prepare
    clock.set(T0);
    const [first, second] = await createKeys(target, clock, "cap-b", CAP);

    // Act
    const graced = await admin(target, "POST", `${keysOf("cap-b")}/${first}/rotate`, {
      gracePeriodSeconds: 60,
    });
    const revoking = await admin(target, "POST", `${keysOf("cap-b")}/${second}/rotate`, {});

    // Assess
    expect(graced.status).toBe(201);
    expect(revoking.status).toBe(201);
    // The graced old key counts while its grace runs: still no room for a create.
    expect((await create("cap-b")).status).toBe(409);
    // Exact: the rotation without grace moved nothing, the graced one added its new key.
    expect(await expectCounterCovers("cap-b")).toBe(CAP + 1);
  });

  it("refuses a graced rotation beyond the cap, so chained graces cannot grow an org, but never one without grace", async () => {
    // Prepare: a full org, one graced rotation taking it one over the cap while the grace runs.
    clock.set(T0);
    const [first, second] = await createKeys(target, clock, "cap-e", CAP);
    const graced = await admin(target, "POST", `${keysOf("cap-e")}/${first}/rotate`, {
      gracePeriodSeconds: 600,
    });
    expect(graced.status).toBe(201);

    // Act
    const chained = await admin(target, "POST", `${keysOf("cap-e")}/${graced.json.id}/rotate`, {
      gracePeriodSeconds: 600,
    });
    const withoutGrace = await admin(target, "POST", `${keysOf("cap-e")}/${second}/rotate`, {});
    clock.advance(601_000);
    await target.local?.sendReminders();
    const afterGrace = await admin(target, "POST", `${keysOf("cap-e")}/${graced.json.id}/rotate`, {
      gracePeriodSeconds: 600,
    });

    // Assess
    expect(chained.status).toBe(409);
    expect(chained.json.error.message).toContain(String(CAP));
    expect(withoutGrace.status).toBe(201);
    // The first grace ended: the org is back at the cap, where a graced rotation is allowed.
    expect(afterGrace.status).toBe(201);
    expect((await activeNames("cap-e")).length).toBeLessThanOrEqual(CAP + 1);
  });

  it("makes room again when a key is revoked, expires by the clock, or its rotation's grace ends", async () => {
    // Prepare
    clock.set(T0);
    const ids = await createKeys(target, clock, "cap-c", CAP - 1);
    const soon = new Date(clock.nowMs + 3_600_000).toISOString();
    await createKey(target, "cap-c", { name: "expiring", scopes: ["accounts:read"], expiresAt: soon });
    expect((await create("cap-c")).status).toBe(409);

    // Act
    await admin(target, "POST", `${keysOf("cap-c")}/${ids[0]}/revoke`);
    const afterRevoke = await create("cap-c");
    clock.advance(2 * 3_600_000);
    const afterExpiry = await create("cap-c");
    await admin(target, "POST", `${keysOf("cap-c")}/${ids[2]}/revoke`);
    // One below the cap: the rotation's new key fills it while the old one's grace runs.
    await admin(target, "POST", `${keysOf("cap-c")}/${ids[1]}/rotate`, { gracePeriodSeconds: 60 });
    const duringGrace = await create("cap-c");
    clock.advance(61_000);
    // A refused create's walk reads a bounded part of the index (READS entries, here fewer than the
    // org holds): a key stopped by the clock is certain to be off the count after the daily run.
    await target.local?.sendReminders();
    const afterGrace = await create("cap-c");

    // Assess
    expect(afterRevoke.status).toBe(201);
    expect(afterExpiry.status).toBe(201);
    expect(duringGrace.status).toBe(409);
    expect(afterGrace.status).toBe(201);
    expect(await activeNames("cap-c")).toHaveLength(CAP);
    expect(await expectCounterCovers("cap-c")).toBe(CAP);
  });

  it("holds under racing creates: exactly as many land as there is room for, never one more", async () => {
    // Prepare
    clock.set(T0);
    await createKeys(target, clock, "cap-d", 1);

    // Act
    const replies = await Promise.all(Array.from({ length: 3 * CAP }, () => create("cap-d")));

    // Assess
    const statuses = replies.map((reply) => reply.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(CAP - 1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(2 * CAP + 1);
    expect(await activeNames("cap-d")).toHaveLength(CAP);
    expect(await expectCounterCovers("cap-d")).toBe(CAP);
  });
});

/** The org's active-key counter as stored (`ACTIVE_KEYS#<orgId>`), read from the embedded DynamoDB. */
async function counterOf(orgId: string): Promise<number> {
  const local = target.local;
  if (!local) throw new Error("the counter is read from the local runtime only");
  const db = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: local.dynamoEndpoint,
      region: "local",
      credentials: local.dynamoCredentials,
    }),
  );
  const { Item } = await db.send(
    new GetCommand({
      TableName: "fynex-local-keys",
      Key: { pk: `ACTIVE_KEYS#${orgId}` },
      ConsistentRead: true,
    }),
  );
  db.destroy();
  return Number(Item?.activeKeys ?? 0);
}

/** The counter is an upper bound: never below the keys truly active, whatever happened. */
async function expectCounterCovers(orgId: string): Promise<number> {
  const [counter, active] = [await counterOf(orgId), (await activeNames(orgId)).length];
  expect(counter).toBeGreaterThanOrEqual(active);
  return counter;
}

const DAY = 86_400_000;

describe.skipIf(remote)("the active-key counter follows revocations and expiries (no leak)", () => {
  it("takes a revoked key off at once, so its TTL deletion 90 days later leaves no phantom", async () => {
    // Prepare: a full org.
    clock.set(T0);
    const ids = await createKeys(target, clock, "leak-a", CAP);
    expect(await counterOf("leak-a")).toBe(CAP);

    // Act: revoke one; a create right away; then revoke another and let TTL delete it (90 days on).
    const revoked = await admin(target, "POST", `${keysOf("leak-a")}/${ids[0]}/revoke`);
    const afterRevoke = await expectCounterCovers("leak-a");
    const immediate = await create("leak-a");
    await admin(target, "POST", `${keysOf("leak-a")}/${ids[1]}/revoke`);
    clock.advance(91 * DAY);
    await target.local?.sweepExpired();
    const afterTtl = await create("leak-a");

    // Assess: the revoke moved the counter itself; the dead key's deletion left no count behind.
    expect(revoked.status).toBe(200);
    expect(afterRevoke).toBe(CAP - 1);
    expect(immediate.status).toBe(201);
    expect(afterTtl.status).toBe(201);
    expect(await expectCounterCovers("leak-a")).toBe(CAP);
  });

  it("discounts keys expired by the clock, graces ended included, in the reminder run, before TTL deletes them", async () => {
    // Prepare: a full org whose keys all stop by the clock: three expire, one is rotated with grace
    // (its replacement expires too).
    clock.set(T0);
    const soon = new Date(T0 + 3_600_000).toISOString();
    const expiring = [];
    for (let i = 0; i < CAP - 1; i++) {
      expiring.push(
        await createKey(target, "leak-b", { name: `e${i}`, scopes: ["accounts:read"], expiresAt: soon }),
      );
    }
    const graced = await createKey(target, "leak-b", {
      name: "g",
      scopes: ["accounts:read"],
      expiresAt: soon,
    });
    const rotated = await admin(target, "POST", `${keysOf("leak-b")}/${graced.id}/rotate`, {
      gracePeriodSeconds: 60,
      expiresAt: soon,
    });
    expect(rotated.status).toBe(201);
    expect(await expectCounterCovers("leak-b")).toBe(CAP + 1);

    // Act: every key stops; the schedule runs; 91 days later TTL deletes them all.
    clock.advance(2 * 3_600_000);
    await target.local?.sendReminders();
    const afterRun = await expectCounterCovers("leak-b");
    clock.advance(91 * DAY);
    await target.local?.sweepExpired();
    const replies = [];
    for (let i = 0; i <= CAP; i++) replies.push((await create("leak-b")).status);

    // Assess: the run took every dead key off; the org is empty, so it fills to its cap again.
    expect(afterRun).toBe(0);
    expect(replies).toEqual([...Array.from({ length: CAP }, () => 201), 409]);
    expect(await expectCounterCovers("leak-b")).toBe(CAP);
  });
  it("takes a key off once when its revoke, the daily run and a refused create's walk race for it", async () => {
    // Prepare: a full org, two of its keys expired by the clock and still counted.
    clock.set(T0);
    await createKeys(target, clock, "leak-c", CAP - 2);
    const soon = new Date(clock.nowMs + 60_000).toISOString();
    const expired = [
      await createKey(target, "leak-c", { name: "x0", scopes: ["accounts:read"], expiresAt: soon }),
      await createKey(target, "leak-c", { name: "x1", scopes: ["accounts:read"], expiresAt: soon }),
    ];
    clock.advance(120_000);

    // Act: all at once.
    const [revoked, , first, second] = await Promise.all([
      admin(target, "POST", `${keysOf("leak-c")}/${expired[0]?.id}/revoke`),
      target.local?.sendReminders(),
      create("leak-c"),
      create("leak-c"),
    ]);

    // Assess: each dead key came off exactly once, whichever got it. A create may still have been
    // refused if both its tries came before the others committed; then the room is there after.
    expect(revoked.status).toBe(200);
    for (const reply of [first, second]) expect([201, 409]).toContain(reply.status);
    await target.local?.sendReminders();
    expect(await expectCounterCovers("leak-c")).toBe((await activeNames("leak-c")).length);
    while ((await create("leak-c")).status === 201) {
      expect((await activeNames("leak-c")).length).toBeLessThanOrEqual(CAP);
    }
    expect(await activeNames("leak-c")).toHaveLength(CAP);
    expect(await expectCounterCovers("leak-c")).toBe(CAP);
  });
});

describe.skipIf(remote)("a filtered list's read bound", () => {
  it("answers a short page, even an empty one, with a cursor once it has read its bound", async () => {
    // Prepare: the only revoked key is the oldest, behind more entries than one request may read.
    clock.set(T0);
    const [oldest] = await createKeys(target, clock, "reads-a", CAP);
    await admin(target, "POST", `${keysOf("reads-a")}/${oldest}/revoke`);

    // Act
    const first = await admin(target, "GET", `${keysOf("reads-a")}?status=revoked&limit=10`);
    const all = await activeNames("reads-a", "?status=revoked&limit=10");

    // Assess
    expect(first.status).toBe(200);
    expect(first.json.items).toEqual([]);
    expect(first.json.nextCursor).toEqual(expect.any(String));
    expect(all).toEqual(["k0"]);
  });

  it("pages through every match of a filter that reaches past the bound", async () => {
    // Prepare
    clock.set(T0);
    await createKeys(target, clock, "reads-b", CAP);
    clock.set(T0 + 5 * 86_400_000);

    // Act
    const unused = await activeNames("reads-b", "?unusedForDays=1&limit=100");
    const active = await activeNames("reads-b", "?status=active&limit=100");

    // Assess
    expect(unused).toEqual(["k3", "k2", "k1", "k0"]);
    expect(active).toEqual(["k3", "k2", "k1", "k0"]);
  });
});
