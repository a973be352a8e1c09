import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { LocalRuntime } from "../../lib/local/runtime";
import type { StreamHandler } from "../../lib/local/usage-history-feed";
import { admin, createKey, ManualClock, startLocal, withKey } from "./harness";
import { localTarget, remote, type Target } from "./target";
import { historyItems } from "./usage-items";

/**
 * The usage history is written from the keys table's changes, off the request path (API.md §11): the
 * path between a key's rollover and its history write is cut here (the writer crashing, then mended;
 * the runtime stopped with delivery off, then restarted on its data), and no window is lost. Local
 * only: it moves the clock across windows and stops the runtime.
 */
const WINDOW_MS = 900_000;
/** 2026-11-26T15:00:00Z: a window boundary. */
const W1 = Date.UTC(2026, 10, 26, 15, 0, 0);
const W2 = W1 + WINDOW_MS;
const iso = (ms: number) => new Date(ms).toISOString();

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "fynex-usage-"));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** The usage table's window items of one key: what the stream's writer put there. */
async function historyOf(local: LocalRuntime, keyId: string) {
  return (await historyItems(local, keyId)).map((item) => ({
    windowStart: item.windowStart?.S,
    count: Number(item.count?.N),
  }));
}

async function windows(target: Target, orgId: string, keyId: string) {
  const reply = await admin(
    target,
    "GET",
    `/admin/v1/orgs/${orgId}/api-keys/${keyId}/usage?granularity=window`,
  );
  expect(reply.status, reply.text).toBe(200);
  return (reply.json as { items: { start: string; count: number }[] }).items;
}

/** Three requests in W1, then one in W2: the rollover closes W1 with a count of 3. */
async function rollOver(target: Target, clock: ManualClock, orgId: string) {
  clock.set(W1 + 1000);
  const { id, key } = await createKey(target, orgId, { scopes: ["accounts:read"] });
  for (let i = 0; i < 3; i++) expect((await withKey(target, key, "/api/v1/accounts")).status).toBe(200);
  clock.set(W2 + 1000);
  expect((await withKey(target, key, "/api/v1/accounts")).status).toBe(200);
  return id;
}

describe.skipIf(remote)("usage history when the path to it breaks", () => {
  it("writes the closed window once the crashing writer is mended, and answers it meanwhile", async () => {
    // Prepare: a writer that crashes until mended, counting its attempts.
    const clock = new ManualClock(W1);
    let broken = true;
    let attempts = 0;
    const wrap =
      (writer: StreamHandler): StreamHandler =>
      async (event) => {
        attempts++;
        if (broken) throw new Error("writer down");
        return writer(event);
      };
    const local = await startLocal({ clock: clock.now, usageHistory: { wrap, retryDelayMs: 20 } });
    try {
      const target = localTarget(local);
      const id = await rollOver(target, clock, "recover-a");
      await vi.waitFor(() => expect(attempts).toBeGreaterThanOrEqual(3), { timeout: 10_000 });

      // Assess (broken): nothing written, yet the answer has W1 (the key item keeps it) and W2.
      expect(await historyOf(local, id)).toEqual([]);
      expect(await windows(target, "recover-a", id)).toEqual([
        { start: iso(W1), count: 3, throttled: 0 },
        { start: iso(W2), count: 1, throttled: 0 },
      ]);

      // Act: mend the writer; the retried batch writes W1 exactly once.
      broken = false;
      await vi.waitFor(
        async () => expect(await historyOf(local, id)).toEqual([{ windowStart: iso(W1), count: 3 }]),
        {
          timeout: 10_000,
        },
      );
      expect(await windows(target, "recover-a", id)).toHaveLength(2);
    } finally {
      await local.close();
    }
  });

  it("writes a window closed while delivery was off when the runtime restarts on its data", async () => {
    // Prepare: a runtime whose keys-table changes go nowhere, stopped after a rollover.
    const clock = new ManualClock(W1);
    const adminToken = "usage-recovery-admin-token-000000000";
    const first = await startLocal({
      clock: clock.now,
      dataDir,
      adminToken,
      usageHistory: { enabled: false },
    });
    let id: string;
    try {
      id = await rollOver(localTarget(first), clock, "recover-b");
      expect(await historyOf(first, id)).toEqual([]);
    } finally {
      await first.close();
    }

    // Act: the same data, delivery on.
    const second = await startLocal({ clock: clock.now, dataDir, adminToken });
    try {
      // Assess: W1 reaches the history, with its final count.
      await vi.waitFor(
        async () => expect(await historyOf(second, id)).toEqual([{ windowStart: iso(W1), count: 3 }]),
        {
          timeout: 10_000,
        },
      );
      expect(await windows(localTarget(second), "recover-b", id)).toEqual([
        { start: iso(W1), count: 3, throttled: 0 },
        { start: iso(W2), count: 1, throttled: 0 },
      ]);
    } finally {
      await second.close();
    }
  });
});
