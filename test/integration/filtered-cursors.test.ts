import { describe, expect, it } from "vitest";
import { encodeCursor } from "../../lambdas/shared/dynamo/cursor";
import { admin, createKeys, ManualClock, useTarget } from "./harness";
import { remote } from "./target";

/**
 * A filtered list's cursor is valid only with the filter it was issued for, the filter's value
 * included, `limit` not (API.md §5; issue 19 point 1). Another list's position can lie outside the
 * filter's key condition, where DynamoDB refuses it: that must be a 400 at `query.cursor`, never a 500.
 */
const T0 = Date.UTC(2026, 2, 1, 12, 0, 0);
const clock = new ManualClock(T0);
const target = useTarget({ clock: clock.now });

const list = (orgId: string, query: string) =>
  admin(target, "GET", `/admin/v1/orgs/${orgId}/api-keys${query}`);

const refusedAtCursor = (reply: Awaited<ReturnType<typeof list>>) => {
  expect(reply.status).toBe(400);
  expect(reply.json.error.code).toBe("validation_error");
  expect(reply.json.error.details.map((detail: { path: string }) => detail.path)).toContain("query.cursor");
};

describe.skipIf(remote)("filtered lists and their cursors", () => {
  it("answers 400 at query.cursor, not 500, to a cursor from the unfiltered list on ?unusedForDays=", async () => {
    // Prepare
    clock.set(T0);
    await createKeys(target, clock, "cursor-a", 3);
    const unfiltered = await list("cursor-a", "?limit=1");
    expect(unfiltered.json.nextCursor).toEqual(expect.any(String));

    // Act
    const reply = await list("cursor-a", `?unusedForDays=1&cursor=${unfiltered.json.nextCursor}`);

    // Assess
    refusedAtCursor(reply);
  });

  it("answers 400 at query.cursor to a cursor whose createdAt is forged to 2099, with or without a filter", async () => {
    // Prepare
    clock.set(T0);
    const [id] = await createKeys(target, clock, "cursor-b", 1);
    const at2099 = "2099-01-01T00:00:00.000Z";
    const plain = encodeCursor("cursor-b", { createdAt: at2099, pk: String(id) });
    const claimingTheFilter = encodeCursor("cursor-b", {
      createdAt: at2099,
      pk: String(id),
      filter: "unusedForDays=1",
    });

    // Act
    const replies = [
      await list("cursor-b", `?unusedForDays=1&cursor=${plain}`),
      await list("cursor-b", `?unusedForDays=1&cursor=${claimingTheFilter}`),
      await list("cursor-b", `?status=active&cursor=${plain}`),
    ];

    // Assess
    for (const reply of replies) refusedAtCursor(reply);
  });

  it("takes a cursor only with the filter and value it was issued for, whatever the limit", async () => {
    // Prepare
    clock.set(T0);
    await createKeys(target, clock, "cursor-c", 4);
    clock.set(T0 + 10 * 86_400_000);
    const active = (await list("cursor-c", "?status=active&limit=1")).json.nextCursor;
    const unused = (await list("cursor-c", "?unusedForDays=2&limit=1")).json.nextCursor;
    expect(active).toEqual(expect.any(String));
    expect(unused).toEqual(expect.any(String));

    // Act
    const sameFilterOtherLimit = await list("cursor-c", `?status=active&limit=2&cursor=${active}`);
    const sameUnusedOtherLimit = await list("cursor-c", `?unusedForDays=2&limit=3&cursor=${unused}`);
    const otherStatus = await list("cursor-c", `?status=revoked&cursor=${active}`);
    const otherDays = await list("cursor-c", `?unusedForDays=3&cursor=${unused}`);
    const unusedOnStatus = await list("cursor-c", `?status=active&cursor=${unused}`);
    const statusOnUnfiltered = await list("cursor-c", `?cursor=${active}`);

    // Assess
    expect(sameFilterOtherLimit.status).toBe(200);
    expect(sameFilterOtherLimit.json.items.map((item: { name: string }) => item.name)).toEqual(["k2", "k1"]);
    expect(sameUnusedOtherLimit.status).toBe(200);
    expect(sameUnusedOtherLimit.json.items).toHaveLength(3);
    for (const reply of [otherStatus, otherDays, unusedOnStatus, statusOnUnfiltered]) refusedAtCursor(reply);
  });
});
