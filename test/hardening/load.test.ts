import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { admin, createKey, ManualClock, startLocal } from "../integration/harness";
import { localTarget, remote, type Target } from "../integration/target";
import { type Answer, expectEnvelope, inParallel, keepAliveClient } from "./support";

/**
 * Load and concurrency over real HTTP against the local runtime (one process: front, authorizer,
 * handlers, embedded DynamoDB). The clock is fixed inside one window, so no rollover can move a
 * count: every figure below is exact, not a range.
 */
const WINDOW_START = Date.UTC(2026, 0, 15, 10, 0, 0);
const clock = new ManualClock(WINDOW_START + 30_000);

let local: Awaited<ReturnType<typeof startLocal>>;
let target: Target;
let client: ReturnType<typeof keepAliveClient>;

beforeAll(async () => {
  local = await startLocal({ clock: clock.now });
  target = localTarget(local);
  client = keepAliveClient(local.url, 100);
});
afterAll(async () => {
  client?.destroy();
  await local?.close();
});

const ORGS = ["load-a", "load-b", "load-c", "load-d"];
const KEYS = 20;
const PER_KEY = 100;
const CONCURRENCY = 100;
/** Key i may pass 24 + 4·i requests: from 24 (76 refused) up to 100 (exactly all of its 100 pass). */
const limitOf = (i: number) => 24 + 4 * i;
const SCOPES = ["accounts:read", "accounts:write"];

interface Sent {
  key: number;
  write: boolean;
  name?: string;
  answer: Answer;
}

/** Every account of the org, walking the cursor. */
async function listAll(orgId: string): Promise<{ id: string; name: string }[]> {
  const reader = await createKey(target, orgId, { scopes: ["accounts:read"], rateLimit: { limit: 10_000 } });
  const items: { id: string; name: string }[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
    const page = await client.send({
      path: `/api/v1/accounts?limit=100${query}`,
      headers: { "X-API-Key": reader.key },
    });
    expect(page.status, page.text).toBe(200);
    items.push(...page.json.items);
    cursor = page.json.nextCursor;
  } while (cursor);
  return items;
}

describe.skipIf(remote)("2,000 requests over 20 keys at concurrency 100", () => {
  it("counts every key exactly, lets through exactly its limit, answers no 5xx and keeps every write", async () => {
    // Prepare: 20 keys over 4 orgs, each with its own limit.
    const keys = await Promise.all(
      Array.from({ length: KEYS }, (_, i) =>
        createKey(target, ORGS[i % ORGS.length] as string, {
          scopes: SCOPES,
          rateLimit: { limit: limitOf(i) },
        }),
      ),
    );
    // Request n goes to key n % 20, so every key's requests are spread over the whole run; one in ten
    // is a write (POST /api/v1/accounts with a name that says who sent it), the others list.
    const tasks = Array.from({ length: KEYS * PER_KEY }, (_, n) => async (): Promise<Sent> => {
      const key = n % KEYS;
      const headers = { "X-API-Key": (keys[key] as { key: string }).key };
      if (Math.floor(n / KEYS) % 10 === 0) {
        const name = `load-${key}-${n}`;
        const answer = await client.send({
          method: "POST",
          path: "/api/v1/accounts",
          headers,
          body: { name, currency: "EUR" },
        });
        return { key, write: true, name, answer };
      }
      return { key, write: false, answer: await client.send({ path: "/api/v1/accounts?limit=1", headers }) };
    });

    // Act
    const sent = await inParallel(tasks, CONCURRENCY);

    // Assess: per key, exactly its limit passed (a write is 201, a read 200), the rest were 429.
    const statuses = new Map<number, number>();
    for (const { answer } of sent) statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
    expect([...statuses.keys()].sort()).toEqual(expect.arrayContaining([200, 201, 429]));
    expect(
      [...statuses.keys()].every((status) => [200, 201, 429].includes(status)),
      JSON.stringify([...statuses]),
    ).toBe(true);
    for (let i = 0; i < KEYS; i++) {
      const mine = sent.filter((request) => request.key === i);
      const passed = mine.filter((request) => request.answer.status !== 429).length;
      expect({ key: i, sent: mine.length, passed }).toEqual({
        key: i,
        sent: PER_KEY,
        passed: Math.min(PER_KEY, limitOf(i)),
      });
      for (const request of mine.filter((r) => r.answer.status === 429)) {
        expect(Number(request.answer.headers["retry-after"])).toBeGreaterThanOrEqual(1);
      }
      for (const request of mine.filter((r) => r.answer.status !== 429)) {
        expect(request.answer.status).toBe(request.write ? 201 : 200);
      }
    }

    // Every request with a live key counts, the refused ones included: the admin API says 100 each.
    const usages = await Promise.all(
      keys.map((key, i) =>
        admin(target, "GET", `/admin/v1/orgs/${ORGS[i % ORGS.length]}/api-keys/${key.id}`),
      ),
    );
    expect(usages.map((usage) => usage.json.usage)).toEqual(
      keys.map(() => ({ windowStart: new Date(WINDOW_START).toISOString(), count: PER_KEY })),
    );

    // Every write that was answered 201 is there, as answered; no refused write left anything.
    for (const [o, orgId] of ORGS.entries()) {
      const written = sent
        .filter((request) => request.key % ORGS.length === o && request.answer.status === 201)
        .map((request) => ({ id: request.answer.json.id as string, name: request.name as string }));
      const listed = (await listAll(orgId)).map(({ id, name }) => ({ id, name }));
      expect(written.length).toBeGreaterThan(0);
      expect(listed.sort((a, b) => a.id.localeCompare(b.id))).toEqual(
        written.sort((a, b) => a.id.localeCompare(b.id)),
      );
    }
  }, 180_000);
});

describe.skipIf(remote)("a key revoked in the middle of a burst", () => {
  /**
   * Hammers `key` with `workers` parallel loops; once `before` answers have arrived, runs `change`
   * (the admin call that ends the key) and keeps going until `after` requests sent after its answer
   * arrived have been answered too. Returns every request with its send and answer times.
   */
  async function burst(key: string, change: () => Promise<unknown>, workers = 8, before = 40, after = 40) {
    const answers: Answer[] = [];
    let changedAt = Number.POSITIVE_INFINITY;
    let change$: Promise<unknown> | undefined;
    const answeredAfter = () => answers.filter((answer) => answer.sentAt > changedAt).length;
    const loop = async () => {
      while (answeredAfter() < after) {
        const answer = await client.send({ path: "/api/v1/accounts?limit=1", headers: { "X-API-Key": key } });
        answers.push(answer);
        if (!change$ && answers.length >= before) {
          change$ = change().then(() => {
            changedAt = performance.now();
          });
        }
      }
    };
    await Promise.all(Array.from({ length: workers }, loop));
    await change$;
    return { answers, changedAt };
  }

  it("lets no request sent after the revoke's answer arrived through", async () => {
    const { id, key } = await createKey(target, "burst", { scopes: SCOPES, rateLimit: { limit: 10_000 } });

    const { answers, changedAt } = await burst(key, async () => {
      const revoked = await admin(target, "POST", `/admin/v1/orgs/burst/api-keys/${id}/revoke`);
      expect(revoked.status).toBe(200);
    });

    // Sent before the answer: through (200), refused (401), or caught by the revoke's transaction
    // for longer than the authorizer's retries last (503 with Retry-After: fail closed, never allowed).
    const before = answers.filter((answer) => answer.sentAt <= changedAt);
    const after = answers.filter((answer) => answer.sentAt > changedAt);
    expect(before.length).toBeGreaterThanOrEqual(40);
    for (const answer of before) {
      expect([200, 401, 503]).toContain(answer.status);
      if (answer.status === 503) expectEnvelope(answer, 503, "unavailable");
    }
    expect(after.length).toBeGreaterThanOrEqual(40);
    expect(after.map((answer) => answer.status)).toEqual(after.map(() => 401));
  }, 60_000);

  it("lets no request with the old key through once a rotation without grace has answered, and the new key works", async () => {
    const { id, key } = await createKey(target, "burst", { scopes: SCOPES, rateLimit: { limit: 10_000 } });
    let newKey = "";

    const { answers, changedAt } = await burst(key, async () => {
      const rotated = await admin(target, "POST", `/admin/v1/orgs/burst/api-keys/${id}/rotate`, {
        gracePeriodSeconds: 0,
      });
      expect(rotated.status).toBe(201);
      newKey = rotated.json.key;
    });

    const after = answers.filter((answer) => answer.sentAt > changedAt);
    expect(after.length).toBeGreaterThanOrEqual(40);
    expect(after.map((answer) => answer.status)).toEqual(after.map(() => 401));
    const fresh = await client.send({ path: "/api/v1/accounts?limit=1", headers: { "X-API-Key": newKey } });
    expect(fresh.status).toBe(200);
  }, 60_000);
});
