import { AsyncLocalStorage } from "node:async_hooks";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { authorize } from "../../lambdas/authorizer/authorize";
import { createHandler as createDirectHandler } from "../../lambdas/key-management/doors/direct.handler";
import type { LocalRuntime } from "../../lib/local/runtime";
import { admin, createKey, ManualClock, startLocal, withKey } from "./harness";
import { localTarget, remote, type Target } from "./target";
import { historyItems } from "./usage-items";

/**
 * Usage history (API.md §11) over the real protocol: the keys table's changes, handed by the local
 * runtime to the history's writer as the stream does deployed, write closed windows; the admin route
 * reads them with the live window. Local only: it moves the clock across window boundaries.
 */
const WINDOW_MS = 900_000;
/** 2026-11-26T15:00:00Z: a window (and an hour) boundary. */
const W1 = Date.UTC(2026, 10, 26, 15, 0, 0);
const W2 = W1 + WINDOW_MS;
const iso = (ms: number) => new Date(ms).toISOString();

const clock = new ManualClock(W1 + 1000);
let local: LocalRuntime;
let target: Target;
let calls: { keys: number; usage: number } = { keys: 0, usage: 0 };
/** Set while the history's writer runs: its calls are off the request path, counted apart. */
const inWriter = new AsyncLocalStorage<true>();
let writerPuts = 0;

/** Counts the commands the functions' client sends to the keys and usage tables, the writer's apart. */
function countCalls(client: DynamoDBClient) {
  const { keysTable, usageTable } = local.deps.settings;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const table = (args.input as { TableName?: string }).TableName;
      if (inWriter.getStore()) {
        if (table === usageTable && context.commandName === "PutItemCommand") writerPuts++;
        return next(args);
      }
      if (table === keysTable) calls.keys++;
      if (table === usageTable) calls.usage++;
      return next(args);
    },
    { step: "initialize", name: "countUsageTestCalls" },
  );
}

beforeAll(async () => {
  if (remote) return;
  local = await startLocal({
    clock: clock.now,
    usageHistory: { wrap: (writer) => (event) => inWriter.run(true, () => writer(event)) },
  });
  target = localTarget(local);
  countCalls(local.deps.dynamo);
});
afterAll(async () => {
  await local?.close();
});

const usagePath = (orgId: string, keyId: string, query: string) =>
  `/admin/v1/orgs/${orgId}/api-keys/${keyId}/usage${query}`;

async function usage(orgId: string, keyId: string, query: string) {
  const reply = await admin(target, "GET", usagePath(orgId, keyId, query));
  expect(reply.status, reply.text).toBe(200);
  return reply.json as {
    keyId: string;
    windowSeconds: number;
    limit: number;
    granularity: string;
    items: { start: string; count: number; throttled: number }[];
  };
}

/** Waits until the history's writer has put the window starting at `startMs` of one key. */
async function untilWritten(keyId: string, startMs: number) {
  await vi.waitFor(
    async () =>
      expect((await historyItems(local, keyId)).map((item) => item.windowStart?.S)).toContain(iso(startMs)),
    { timeout: 10_000 },
  );
}

describe.skipIf(remote)("usage history over the local runtime", () => {
  it("answers each window's count and 429s, oldest first, the current window live", async () => {
    // Prepare: a limit of 3; 5 requests in W1 (2 answered 429), 2 in W2.
    clock.set(W1 + 1000);
    const { id, key } = await createKey(target, "usage-a", {
      scopes: ["accounts:read"],
      rateLimit: { limit: 3 },
    });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await withKey(target, key, "/api/v1/accounts")).status);
    clock.set(W2 + 1000);
    for (let i = 0; i < 2; i++) await withKey(target, key, "/api/v1/accounts");

    // Act
    const windows = await usage("usage-a", id, "?granularity=window");
    const hours = await usage("usage-a", id, "");

    // Assess
    expect(statuses.filter((status) => status === 429)).toHaveLength(2);
    expect(windows).toEqual({
      keyId: id,
      windowSeconds: 900,
      limit: 3,
      granularity: "window",
      items: [
        { start: iso(W1), count: 5, throttled: 2 },
        { start: iso(W2), count: 2, throttled: 0 },
      ],
    });
    expect(hours.granularity).toBe("hour");
    expect(hours.items).toEqual([{ start: iso(W1), count: 7, throttled: 2 }]);
  });

  it("costs one call per request in the steady state and two at a rollover, the history written apart", async () => {
    clock.set(W1 + 2000);
    const { id, key } = await createKey(target, "usage-b", { scopes: ["accounts:read"] });
    const callsOf = async (request: () => Promise<unknown>) => {
      calls = { keys: 0, usage: 0 };
      await request();
      return { ...calls };
    };

    const steady = await callsOf(() => withKey(target, key, "/api/v1/accounts"));
    clock.set(W2 + 2000);
    const putsBefore = writerPuts;
    const rollover = await callsOf(() => withKey(target, key, "/api/v1/accounts"));
    const after = await callsOf(() => withKey(target, key, "/api/v1/accounts"));
    await untilWritten(id, W1);

    expect(steady).toEqual({ keys: 1, usage: 0 });
    expect(rollover).toEqual({ keys: 2, usage: 0 });
    expect(after).toEqual({ keys: 1, usage: 0 });
    // The closed window cost the writer two puts, off the request path: its item and the key's week.
    expect(writerPuts - putsBefore).toBe(2);
  });

  it("keeps no history item for a window that counted nothing", async () => {
    clock.set(W1 + 3000);
    const { id, key } = await createKey(target, "usage-c", { scopes: ["accounts:read"] });
    const busy = await createKey(target, "usage-c", { scopes: ["accounts:read"] });
    await withKey(target, busy.key, "/api/v1/accounts");
    clock.set(W2 + 3000);
    await withKey(target, key, "/api/v1/accounts");
    // The writer takes the changes in order: once the busy key's later rollover is written, the
    // empty window's change was handled before it.
    await withKey(target, busy.key, "/api/v1/accounts");
    await untilWritten(busy.id, W1);

    expect(await historyItems(local, id)).toEqual([]);
    expect((await usage("usage-c", id, "?granularity=window")).items).toEqual([
      { start: iso(W2), count: 1, throttled: 0 },
    ]);
  });

  it("neither loses nor double-counts a window when rollovers race with requests on a late clock", async () => {
    // Prepare: 10 requests in W1, then 80 at once: half from Lambdas whose clock is already in W2,
    // half from Lambdas whose clock is still at W1's last moments (they may land after the rollover).
    clock.set(W1 + 4000);
    const { id, key } = await createKey(target, "usage-d", {
      scopes: ["accounts:read"],
      rateLimit: { limit: 1000 },
    });
    for (let i = 0; i < 10; i++) await withKey(target, key, "/api/v1/accounts");
    const { dynamo, settings } = local.deps;
    const deps = (nowMs: number) => ({
      dynamo,
      table: settings.keysTable,
      clock: () => nowMs,
      rateLimit: settings.rateLimit,
      rateWindowSeconds: settings.rateWindowSeconds,
    });

    // Act
    const decisions = await Promise.all(
      Array.from({ length: 80 }, (_, i) => authorize(deps(i % 2 === 0 ? W2 + 10 : W2 - 5), key)),
    );
    clock.set(W2 + 20);
    await untilWritten(id, W1);
    const windows = await usage("usage-d", id, "?granularity=window");
    const history = await historyItems(local, id);

    // Assess: every request counted exactly once, W1 closed exactly once with its final count.
    expect(decisions.every((decision) => decision.allow)).toBe(true);
    const total = windows.items.reduce((sum, item) => sum + item.count, 0);
    expect(total).toBe(90);
    expect(windows.items.map((item) => item.start)).toEqual([iso(W1), iso(W2)]);
    expect(history).toHaveLength(1);
    expect(history[0]?.windowStart?.S).toBe(iso(W1));
    expect(Number(history[0]?.count?.N)).toBe(windows.items[0]?.count);
    expect(windows.items[0]?.count).toBeGreaterThanOrEqual(10);
  });

  it("lists each key with its last 7 days by hour, as its usage answer gives them, in one request", async () => {
    // Prepare: two keys of one org, one rolled over (its closed window written by the stream), one not.
    clock.set(W1 + 7000);
    const busy = await createKey(target, "usage-g", { scopes: ["accounts:read"], rateLimit: { limit: 2 } });
    const quiet = await createKey(target, "usage-g", { scopes: ["accounts:read"] });
    for (let i = 0; i < 3; i++) await withKey(target, busy.key, "/api/v1/accounts");
    clock.set(W2 + 7000);
    await withKey(target, busy.key, "/api/v1/accounts");
    await withKey(target, quiet.key, "/api/v1/accounts");
    await untilWritten(busy.id, W1);

    // Act
    const list = await admin(target, "GET", "/admin/v1/orgs/usage-g/api-keys");

    // Assess
    expect(list.status, list.text).toBe(200);
    const weeks = Object.fromEntries(
      (list.json.items as { id: string; lastSevenDays: unknown }[]).map((item) => [
        item.id,
        item.lastSevenDays,
      ]),
    );
    expect(weeks[busy.id]).toEqual((await usage("usage-g", busy.id, "")).items);
    expect(weeks[busy.id]).toEqual([{ start: iso(W1), count: 4, throttled: 1 }]);
    expect(weeks[quiet.id]).toEqual([{ start: iso(W1), count: 1, throttled: 0 }]);
  });

  it("validates the query: granularity, from before to, unknown parameters; another org's key is a 404", async () => {
    clock.set(W2 + 5000);
    const { id } = await createKey(target, "usage-e", { scopes: ["accounts:read"] });
    const status = async (orgId: string, query: string) =>
      (await admin(target, "GET", usagePath(orgId, id, query))).status;

    expect(await status("usage-e", "?granularity=minute")).toBe(400);
    expect(await status("usage-e", `?from=${iso(W2)}&to=${iso(W2)}`)).toBe(400);
    expect(await status("usage-e", `?from=${iso(W2 + WINDOW_MS * 10)}`)).toBe(400);
    expect(await status("usage-e", "?since=2026-01-01T00:00:00Z")).toBe(400);
    expect(await status("usage-e", "?from=yesterday")).toBe(400);
    expect(await status("usage-other", "")).toBe(404);
    // A from long before the 90 days kept is clamped, not refused.
    expect(await status("usage-e", "?from=2020-01-01T00:00:00Z&granularity=day")).toBe(200);
    const fromError = await admin(target, "GET", usagePath("usage-e", id, `?from=${iso(W2)}&to=${iso(W1)}`));
    expect(fromError.json.error.details).toEqual([{ path: "query.from", message: "Must be before `to`." }]);
  });

  it("answers the same body to a direct invocation (getKeyUsage)", async () => {
    clock.set(W2 + 6000);
    const { id, key } = await createKey(target, "usage-f", { scopes: ["accounts:read"] });
    await withKey(target, key, "/api/v1/accounts");

    const directDoor = createDirectHandler(local.deps);
    const direct = await directDoor(
      { action: "getKeyUsage", orgId: "usage-f", keyId: id, granularity: "day" },
      { awsRequestId: "direct-usage" } as Parameters<typeof directDoor>[1],
    );

    expect(direct).toEqual(await usage("usage-f", id, "?granularity=day"));
    expect(direct).toMatchObject({ items: [{ start: "2026-11-26T00:00:00.000Z", count: 1, throttled: 0 }] });
  });
});
