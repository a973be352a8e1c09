import { describe, expect, it } from "vitest";
import type { PostRequest } from "../../../../contract/runtime";
import type { DeliveryAttempt } from "../../../../contract/schemas/deliveries";
import type { WebhookEvent } from "../../../../lambdas/shared/outbox-events";
import { deliveryGate } from "../../../../lambdas/webhooks/delivery-gate";
import type { PendingRetry } from "../../../../lambdas/webhooks/delivery-schemas";
import type { DeliveryStore, Subscription } from "../../../../lambdas/webhooks/delivery-store";
import { type DispatchDeps, dispatchEvent } from "../../../../lambdas/webhooks/dispatcher";

/** Deliveries bounded in concurrency per org and per destination host (API.md §9, issue 12 point 4). */
const NOW = Date.UTC(2026, 6, 1, 12);
const EVENT: WebhookEvent = {
  id: "evt_01K00000000000000000000000",
  type: "account.created",
  createdAt: new Date(NOW).toISOString(),
  orgId: "acme",
  data: { id: "acc_1" },
};

/** A promise settled from outside. */
function deferred<T = void>() {
  let settle: (value: T) => void = () => undefined;
  const promise = new Promise<T>((resolve) => {
    settle = resolve;
  });
  return { promise, settle };
}

/** A dispatcher whose receivers answer only when the test says so. */
function held(subscriptions: Subscription[], limits = { perOrg: 8, perHost: 4 }) {
  const waiting: { request: PostRequest; answer: () => void }[] = [];
  const attempts: DeliveryAttempt[] = [];
  const scheduled: PendingRetry[] = [];
  const expire = deferred();
  let inFlight = 0;
  let peak = 0;
  const store: DeliveryStore = {
    subscriptionsFor: async () => subscriptions,
    subscription: async (_org, id) => subscriptions.find((s) => s.id === id),
    recordAttempt: async (_org, _id, attempt) => {
      attempts.push(attempt);
    },
    markFailing: async () => undefined,
    clearFailing: async () => undefined,
    disable: async () => false,
  };
  const deps: DispatchDeps = {
    store,
    retries: { schedule: async (retry) => void scheduled.push(retry) },
    post: (request) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      const answered = deferred();
      waiting.push({ request, answer: () => answered.settle() });
      return answered.promise.then(() => {
        inFlight--;
        return { statusCode: 204 };
      });
    },
    resolve: async () => [{ address: "93.184.215.14", family: 4 }],
    clock: () => NOW,
    random: () => 0,
    retryBaseSeconds: 30,
    allowLoopback: false,
    elapsed: () => 0,
    gate: deliveryGate(limits),
    slotWait: () => expire.promise,
  };
  /** Answers every request waiting, until the dispatch is over. */
  async function drain(done: Promise<void>) {
    let over = false;
    void done.then(() => {
      over = true;
    });
    while (!over) {
      await new Promise((resolve) => setImmediate(resolve));
      for (const entry of waiting.splice(0)) entry.answer();
    }
    await done;
  }
  return { deps, waiting, attempts, scheduled, expire, drain, peak: () => peak };
}

const hooks = (count: number, host: (index: number) => string): Subscription[] =>
  Array.from({ length: count }, (_, index) => ({
    id: `wh_${index}`,
    url: `https://${host(index)}/hook`,
    events: ["account.created"],
    enabled: true,
    secret: `whsec_${index}`,
  }));

/** Lets every ready promise run. */
const settle = async () => {
  for (let round = 0; round < 20; round++) await new Promise((resolve) => setImmediate(resolve));
};

describe("deliveries in flight", () => {
  it("are at most 4 to one host, however many subscriptions aim at it", async () => {
    const run = held(hooks(16, () => "victim.example.com"));

    const done = dispatchEvent(run.deps, EVENT);
    await settle();

    expect(run.waiting).toHaveLength(4);
    await run.drain(done);
    expect(run.peak()).toBe(4);
    expect(run.attempts).toHaveLength(16);
  });

  it("are at most 8 for one org, across hosts", async () => {
    const run = held(hooks(16, (index) => `h${index}.example.com`));

    const done = dispatchEvent(run.deps, EVENT);
    await settle();

    expect(run.waiting).toHaveLength(8);
    await run.drain(done);
    expect(run.peak()).toBe(8);
    expect(run.attempts).toHaveLength(16);
  });

  it("that found no slot in time go to the retry queue as they are, not as failures", async () => {
    const run = held(hooks(6, () => "victim.example.com"));

    const done = dispatchEvent(run.deps, EVENT);
    await settle();
    run.expire.settle();
    await settle();
    for (const entry of run.waiting.splice(0)) entry.answer();
    await done;

    expect(run.attempts).toHaveLength(4);
    expect(run.scheduled.map((retry) => ({ attempt: retry.attempt, dueAt: retry.dueAt }))).toEqual([
      { attempt: 1, dueAt: NOW + 5_000 },
      { attempt: 1, dueAt: NOW + 5_000 },
    ]);
  });

  it("are counted per org: another org's deliveries to the same host keep their own bound", () => {
    const gate = deliveryGate({ perOrg: 2, perHost: 2 });
    const never = new Promise(() => undefined);
    void gate.acquire("a", "x.example.com", never);
    void gate.acquire("a", "x.example.com", never);
    void gate.acquire("b", "y.example.com", never);
    expect(gate.inFlight("org:a")).toBe(2);
    expect(gate.inFlight("host:x.example.com")).toBe(2);
    expect(gate.inFlight("org:b")).toBe(1);
  });
});
