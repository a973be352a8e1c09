import { describe, expect, it } from "vitest";
import type { PostRequest, ResolveHost } from "../../../../contract/runtime";
import type { DeliveryAttempt } from "../../../../contract/schemas/deliveries";
import type { WebhookEvent } from "../../../../lambdas/shared/outbox-events";
import { deliveryGate } from "../../../../lambdas/webhooks/delivery-gate";
import type { PendingRetry } from "../../../../lambdas/webhooks/delivery-schemas";
import type { DeliveryStore, Subscription } from "../../../../lambdas/webhooks/delivery-store";
import { type DispatchDeps, dispatchEvent, retryDelivery } from "../../../../lambdas/webhooks/dispatcher";
import { PostFailure } from "../../../../lambdas/webhooks/http-post";
import { signatureHeader } from "../../../../lambdas/webhooks/signature";

const NOW = Date.UTC(2026, 6, 1, 12, 0, 0);
const DAY = 86_400_000;

const EVENT: WebhookEvent = {
  id: "evt_01K00000000000000000000000",
  type: "account.created",
  createdAt: new Date(NOW).toISOString(),
  orgId: "acme",
  data: { id: "acc_1", name: "Globex" },
};

function subscription(id: string, fields: Partial<Subscription> = {}): Subscription {
  return {
    id,
    url: `https://${id}.example.com/hook`,
    events: ["account.created"],
    enabled: true,
    secret: `whsec_${id}`,
    ...fields,
  };
}

/** The dispatcher's store in memory, with every call it receives. */
class FakeStore implements DeliveryStore {
  readonly attempts: { webhookId: string; attempt: DeliveryAttempt }[] = [];
  readonly calls: string[] = [];
  constructor(readonly subscriptions: Subscription[]) {}
  async subscriptionsFor(_orgId: string, type: string) {
    return this.subscriptions.filter(
      (s) => s.enabled && s.events.includes(type as Subscription["events"][0]),
    );
  }
  async subscription(_orgId: string, webhookId: string) {
    return this.subscriptions.find((s) => s.id === webhookId);
  }
  async recordAttempt(_orgId: string, webhookId: string, attempt: DeliveryAttempt) {
    this.calls.push(`record ${webhookId}`);
    this.attempts.push({ webhookId, attempt });
  }
  async markFailing(_orgId: string, webhookId: string, nowMs: number) {
    const found = this.subscriptions.find((s) => s.id === webhookId);
    if (!found) return undefined;
    found.failingSince ??= nowMs;
    return found.failingSince;
  }
  async clearFailing(_orgId: string, webhookId: string) {
    this.calls.push(`clear ${webhookId}`);
    const found = this.subscriptions.find((s) => s.id === webhookId);
    if (found) found.failingSince = undefined;
  }
  async disable(_orgId: string, webhookId: string, since: number) {
    const found = this.subscriptions.find((s) => s.id === webhookId);
    if (!found || found.failingSince !== since || !found.enabled) return false;
    found.enabled = false;
    return true;
  }
}

interface Harness {
  deps: DispatchDeps;
  store: FakeStore;
  posts: PostRequest[];
  scheduled: PendingRetry[];
  resolved: string[];
}

function harness(
  subscriptions: Subscription[],
  options: {
    status?: (request: PostRequest) => number;
    dns?: Record<string, string[]>;
    allowLoopback?: boolean;
    now?: number;
  } = {},
): Harness {
  const store = new FakeStore(subscriptions);
  const posts: PostRequest[] = [];
  const scheduled: PendingRetry[] = [];
  const resolved: string[] = [];
  const dns = options.dns ?? {};
  const resolve: ResolveHost = async (hostname) => {
    resolved.push(hostname);
    const addresses = dns[hostname] ?? ["93.184.215.14"];
    return addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
  };
  const deps: DispatchDeps = {
    store,
    retries: {
      schedule: async (retry) => {
        store.calls.push(`schedule ${retry.webhookId}`);
        scheduled.push(retry);
      },
    },
    post: async (request) => {
      posts.push(request);
      return { statusCode: options.status?.(request) ?? 204 };
    },
    resolve,
    clock: () => options.now ?? NOW,
    random: () => 0,
    retryBaseSeconds: 30,
    allowLoopback: options.allowLoopback ?? false,
    elapsed: () => 0,
    gate: deliveryGate(),
    // No attempt here ever waits for a slot long enough to be deferred (delivery-gate.test.ts does).
    slotWait: () => new Promise(() => undefined),
  };
  return { deps, store, posts, scheduled, resolved };
}

describe("dispatchEvent: the first attempts", () => {
  it("posts the event, signed with each subscription's own secret, to every enabled subscription listing it", async () => {
    const { deps, posts, store } = harness([
      subscription("a"),
      subscription("b"),
      subscription("off", { enabled: false }),
      subscription("payments", { events: ["payment.registered"] }),
    ]);

    await dispatchEvent(deps, EVENT);

    expect(posts.map((post) => post.url.hostname).sort()).toEqual(["a.example.com", "b.example.com"]);
    for (const post of posts) {
      const id = post.url.hostname.split(".")[0];
      expect(post.body).toBe(JSON.stringify(EVENT));
      expect(post.timeoutMs).toBe(10_000);
      expect(post.headers).toEqual({
        "Content-Type": "application/json",
        "User-Agent": "Fynex-Webhooks/1.0",
        "Fynex-Signature": signatureHeader(`whsec_${id}`, post.body, NOW / 1000),
      });
    }
    expect(store.attempts.map(({ webhookId, attempt }) => [webhookId, attempt])).toEqual(
      expect.arrayContaining([
        [
          "a",
          {
            id: expect.stringMatching(/^dlv_[0-9A-Z]{26}$/),
            eventId: EVENT.id,
            eventType: "account.created",
            attempt: 1,
            outcome: "succeeded",
            statusCode: 204,
            at: new Date(NOW).toISOString(),
            durationMs: 0,
            error: null,
            nextAttemptAt: null,
          },
        ],
      ]),
    );
    expect(store.attempts).toHaveLength(2);
  });

  it("schedules the first retry within the base, after recording the failed attempt", async () => {
    const { deps, store, scheduled } = harness([subscription("a")], { status: () => 500 });

    await dispatchEvent(deps, EVENT);

    expect(store.calls).toEqual(["record a", "schedule a"]);
    expect(store.attempts[0]?.attempt).toMatchObject({
      attempt: 1,
      outcome: "retry_scheduled",
      statusCode: 500,
      error: "http_status",
      nextAttemptAt: new Date(NOW + 30_000).toISOString(),
    });
    expect(scheduled).toEqual([
      { orgId: "acme", webhookId: "a", attempt: 2, firstAttemptAt: NOW, dueAt: NOW + 30_000, event: EVENT },
    ]);
    expect(store.subscriptions[0]?.failingSince).toBe(NOW);
  });

  it("counts only 2xx: a redirect is a failure, and is not followed", async () => {
    const { deps, store, posts } = harness([subscription("a")], { status: () => 302 });

    await dispatchEvent(deps, EVENT);

    expect(posts).toHaveLength(1);
    expect(store.attempts[0]?.attempt).toMatchObject({
      statusCode: 302,
      outcome: "retry_scheduled",
      error: "redirect",
    });
  });

  it("logs a timeout or a refused connection as an attempt without status", async () => {
    const { deps, store } = harness([subscription("a")]);
    deps.post = async () => {
      throw new PostFailure("timeout", "no answer within 10 s");
    };

    await dispatchEvent(deps, EVENT);

    expect(store.attempts[0]?.attempt).toMatchObject({
      statusCode: null,
      error: "timeout",
      outcome: "retry_scheduled",
    });
  });

  it("fails the dispatch when a retry cannot be scheduled, so that the event is handed again", async () => {
    const { deps, store } = harness([subscription("a")], { status: () => 500 });
    deps.retries.schedule = async () => {
      throw new Error("queue down");
    };

    await expect(dispatchEvent(deps, EVENT)).rejects.toThrow("queue down");
    expect(store.attempts).toHaveLength(1);
  });

  it("ends a failure streak on success", async () => {
    const { deps, store } = harness([subscription("a", { failingSince: NOW - DAY })]);

    await dispatchEvent(deps, EVENT);

    expect(store.calls).toEqual(["clear a", "record a"]);
    expect(store.subscriptions[0]?.failingSince).toBeUndefined();
  });

  it("disables a subscription failing for 3 days in a row, and marks the delivery failed", async () => {
    const { deps, store, scheduled } = harness([subscription("a", { failingSince: NOW - 3 * DAY })], {
      status: () => 503,
    });

    await dispatchEvent(deps, EVENT);

    expect(store.subscriptions[0]?.enabled).toBe(false);
    expect(scheduled).toEqual([]);
    expect(store.attempts[0]?.attempt).toMatchObject({
      outcome: "failed",
      statusCode: 503,
      error: "http_status",
    });
  });

  it("keeps a subscription failing for less than 3 days", async () => {
    const { deps, store } = harness([subscription("a", { failingSince: NOW - 3 * DAY + 1 })], {
      status: () => 503,
    });

    await dispatchEvent(deps, EVENT);

    expect(store.subscriptions[0]?.enabled).toBe(true);
    expect(store.attempts[0]?.attempt.outcome).toBe("retry_scheduled");
  });
});

describe("no requests to the inside, at delivery time", () => {
  it.each([
    ["10.1.2.3", "private"],
    ["169.254.169.254", "linkLocal"],
    ["127.0.0.1", "loopback"],
    ["fd12::1", "uniqueLocal"],
    ["::ffff:192.168.0.1", "private"],
    ["100.64.0.1", "reserved"],
  ])("refuses a name resolving to %s (%s) without connecting", async (address, kind) => {
    const { deps, store, posts } = harness([subscription("a")], { dns: { "a.example.com": [address] } });
    const logged: Record<string, unknown>[] = [];
    deps.log = (_level, _message, fields) => logged.push(fields);

    await dispatchEvent(deps, EVENT);

    expect(posts).toEqual([]);
    expect(store.attempts[0]?.attempt).toMatchObject({
      statusCode: null,
      outcome: "retry_scheduled",
      error: "refused_address",
    });
    // The tenant's log says only the reason; the operator's says which address of which kind.
    expect(JSON.stringify(store.attempts)).not.toContain(address);
    expect(logged).toContainEqual(
      expect.objectContaining({
        reason: "refused_address",
        detail: `a.example.com resolves to ${address}, an internal address (${kind})`,
      }),
    );
  });

  it("refuses when any one of the addresses is inside", async () => {
    const { deps, posts, store } = harness([subscription("a")], {
      dns: { "a.example.com": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "10.0.0.1"] },
    });

    await dispatchEvent(deps, EVENT);

    expect(posts).toEqual([]);
    expect(store.attempts[0]?.attempt.error).toBe("refused_address");
  });

  it("connects only to the addresses it checked (pinned: no second resolution)", async () => {
    const addresses = ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"];
    const { deps, posts } = harness([subscription("a")], { dns: { "a.example.com": addresses } });

    await dispatchEvent(deps, EVENT);

    expect(posts[0]?.addresses).toEqual([
      { address: "93.184.215.14", family: 4 },
      { address: "2606:2800:21f:cb07:6820:80da:af6b:8b2c", family: 6 },
    ]);
  });

  it("judges an IP-literal URL as written, without resolving it", async () => {
    const { deps, posts, resolved } = harness([subscription("a", { url: "https://93.184.215.14/hook" })]);

    await dispatchEvent(deps, EVENT);

    expect(resolved).toEqual([]);
    expect(posts[0]?.addresses).toEqual([]);
  });

  it("refuses a stored URL the policy no longer allows (an inside literal, http elsewhere than loopback)", async () => {
    const { deps, posts, store } = harness([
      subscription("a", { url: "https://10.0.0.1/hook" }),
      subscription("b", { url: "http://b.example.com/hook" }),
    ]);

    await dispatchEvent(deps, EVENT);

    expect(posts).toEqual([]);
    expect(store.attempts.map(({ attempt }) => attempt.error)).toEqual([
      "refused_address",
      "refused_address",
    ]);
  });

  it("calls loopback only when the local runtime allows it", async () => {
    const allowed = harness([subscription("a", { url: "http://127.0.0.1:9000/hook" })], {
      allowLoopback: true,
    });
    await dispatchEvent(allowed.deps, EVENT);
    expect(allowed.posts).toHaveLength(1);

    const named = harness([subscription("a", { url: "http://localhost:9000/hook" })], {
      allowLoopback: true,
      dns: { localhost: ["127.0.0.1", "10.0.0.1"] },
    });
    await dispatchEvent(named.deps, EVENT);
    expect(named.posts).toEqual([]);

    const refused = harness([subscription("a", { url: "http://127.0.0.1:9000/hook" })]);
    await dispatchEvent(refused.deps, EVENT);
    expect(refused.posts).toEqual([]);
  });

  it("logs a name that does not resolve as a failed connection, the resolver's answer for the operator only", async () => {
    const { deps, store } = harness([subscription("a")]);
    deps.resolve = async () => {
      throw Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" });
    };
    const logged: Record<string, unknown>[] = [];
    deps.log = (_level, _message, fields) => logged.push(fields);

    await dispatchEvent(deps, EVENT);

    expect(store.attempts[0]?.attempt.error).toBe("connection_failed");
    expect(logged).toContainEqual(
      expect.objectContaining({ detail: "a.example.com could not be resolved (ENOTFOUND)" }),
    );
  });
});

describe("retryDelivery", () => {
  const retry = (fields: Partial<PendingRetry> = {}): PendingRetry => ({
    orgId: "acme",
    webhookId: "a",
    attempt: 2,
    firstAttemptAt: NOW - 30_000,
    dueAt: NOW,
    event: EVENT,
    ...fields,
  });

  it("tries again with the same event, at the subscription's current url and secret", async () => {
    const { deps, posts, store } = harness([
      subscription("a", { url: "https://moved.example.com/hook", secret: "whsec_new" }),
    ]);

    await retryDelivery(deps, retry());

    expect(posts[0]?.url.href).toBe("https://moved.example.com/hook");
    expect(JSON.parse(posts[0]?.body ?? "")).toEqual(EVENT);
    expect(posts[0]?.headers["Fynex-Signature"]).toBe(
      signatureHeader("whsec_new", posts[0]?.body ?? "", NOW / 1000),
    );
    expect(store.attempts[0]?.attempt).toMatchObject({ attempt: 2, outcome: "succeeded" });
  });

  it("doubles the wait each time", async () => {
    const { deps, scheduled } = harness([subscription("a")], { status: () => 500 });

    await retryDelivery(deps, retry({ attempt: 4 }));

    expect(scheduled[0]).toMatchObject({ attempt: 5, dueAt: NOW + 8 * 30_000, firstAttemptAt: NOW - 30_000 });
  });

  it("marks the delivery failed once it has been retried for 24 hours", async () => {
    const { deps, scheduled, store } = harness([subscription("a")], { status: () => 500 });

    await retryDelivery(deps, retry({ attempt: 15, firstAttemptAt: NOW - 24 * 3_600_000 }));

    expect(scheduled).toEqual([]);
    expect(store.attempts[0]?.attempt).toMatchObject({ attempt: 15, outcome: "failed", nextAttemptAt: null });
  });

  it("drops the retry of a subscription deleted, disabled or no longer listing the event", async () => {
    for (const subscriptions of [
      [],
      [subscription("a", { enabled: false })],
      [subscription("a", { events: ["payment.registered"] })],
    ]) {
      const { deps, posts, store } = harness(subscriptions);
      await retryDelivery(deps, retry());
      expect(posts).toEqual([]);
      expect(store.attempts).toEqual([]);
    }
  });
});
