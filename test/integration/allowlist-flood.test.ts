import { createServer, Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalRuntime } from "../../lib/local/runtime";
import { admin, createKey, ManualClock, type Reply, startLocal, withKey } from "./harness";
import { localTarget, remote } from "./target";

/**
 * Issue 12, point 1: a flood from outside a key's allowlist must not starve the real integration.
 * The local front takes the caller's address from the socket, so the flood connects from 127.0.0.2
 * and the integration from 127.0.0.1 (both on Linux loopback). The clock stays inside one window,
 * so the count read at the end is exact. Its own file: the local runtime is one per process.
 */
const WINDOW_START = Date.UTC(2026, 11, 2, 21, 0, 0);
const clock = new ManualClock(WINDOW_START + 60_000);
const FLOODER = "127.0.0.2";
const INTEGRATION = "127.0.0.1";

/** Whether this machine can connect from a second loopback address (Linux can; macOS needs an alias). */
async function secondLoopback(): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer((socket) => socket.destroy());
    server.once("error", () => resolve(false));
    server.listen(0, INTEGRATION, () => {
      const { port } = server.address() as { port: number };
      const probe = new Socket();
      const done = (ok: boolean) => {
        probe.destroy();
        server.close(() => resolve(ok));
      };
      probe.once("error", () => done(false));
      probe.connect({ port, host: INTEGRATION, localAddress: FLOODER }, () => done(true));
    });
  });
}

const available = !remote && (await secondLoopback());
let local: LocalRuntime;

beforeAll(async () => {
  if (available) local = await startLocal({ clock: clock.now });
});
afterAll(async () => {
  await local?.close();
});

describe.skipIf(!available)("a flood from outside a key's allowlist", () => {
  it("leaves the integration inside the list only 200s, and the window count exactly its own", async () => {
    // Prepare: the review's key: limit 20, only 127.0.0.1 allowed.
    const target = localTarget(local);
    const created = await createKey(target, "flood", {
      scopes: ["accounts:read"],
      rateLimit: { limit: 20 },
      allowedIps: [INTEGRATION],
    });
    const path = "/api/v1/accounts";
    const refused: Reply[] = [];
    let flooding = true;
    const flooder = async () => {
      while (flooding) refused.push(await withKey(target, created.key, path, { localAddress: FLOODER }));
    };

    // Act: 40 callers flood from 127.0.0.2 without pause; once their requests are in flight, the
    // integration sends its 15 from 127.0.0.1 at once, in the middle of the flood.
    const flood = Array.from({ length: 40 }, flooder);
    while (refused.length < 40) await new Promise((resolve) => setImmediate(resolve));
    const legitimate = await Promise.all(
      Array.from({ length: 15 }, () => withKey(target, created.key, path, { localAddress: INTEGRATION })),
    );
    flooding = false;
    await Promise.all(flood);

    // Assess: the integration never saw anything but 200, and its 15 requests were counts 1 to 15
    // (remaining 19 down to 5), each exactly once: no refused request was ever counted in between.
    expect(legitimate.map((reply) => reply.status)).toEqual(Array(15).fill(200));
    const remaining = legitimate.map((reply) => Number(reply.headers["x-ratelimit-remaining"]));
    expect(remaining.sort((a, b) => b - a)).toEqual(Array.from({ length: 15 }, (_, i) => 19 - i));
    // Every flood request was refused for its address, none spent the quota or saw a 429.
    expect(refused.length).toBeGreaterThan(40);
    expect(new Set(refused.map((reply) => `${reply.status} ${reply.json?.error?.code}`))).toEqual(
      new Set(["403 ip_not_allowed"]),
    );
    const record = await admin(target, "GET", `/admin/v1/orgs/flood/api-keys/${created.id}`);
    expect(record.json.usage.count).toBe(15);
  }, 120_000);

  it("never stamps lastUsedAt nor counts for requests refused for their address", async () => {
    const target = localTarget(local);
    const created = await createKey(target, "flood", {
      scopes: ["accounts:read"],
      allowedIps: [INTEGRATION],
    });

    const replies = await Promise.all(
      Array.from({ length: 10 }, () =>
        withKey(target, created.key, "/api/v1/accounts", { localAddress: FLOODER }),
      ),
    );

    expect(replies.map((reply) => reply.status)).toEqual(Array(10).fill(403));
    // A refused request leaves the remaining count as it was: the whole limit.
    expect(replies.map((reply) => reply.headers["x-ratelimit-remaining"])).toEqual(Array(10).fill("100"));
    const record = await admin(target, "GET", `/admin/v1/orgs/flood/api-keys/${created.id}`);
    expect(record.json).toMatchObject({ lastUsedAt: null, usage: { count: 0 } });
  });
});
