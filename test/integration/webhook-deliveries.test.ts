import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ResolveHost } from "../../contract/runtime";
import type { LocalRuntime } from "../../lib/local/runtime";
import { createKey, ManualClock, type Reply, startLocal, withKey } from "./harness";
import { localTarget, remote, type Target } from "./target";
import { Receiver, readmeVerifier, type Verify } from "./webhook-receiver";

/**
 * Webhook deliveries (API.md §9) over real HTTP: the local runtime's poller POSTs to a receiver this
 * file runs on 127.0.0.1 (`FYNEX_WEBHOOKS_ALLOW_LOOPBACK=1`), retries by an injected clock (base 1 s),
 * and resolves names with an injected resolver that points some of them inside.
 */
const T0 = Date.UTC(2026, 5, 1, 8, 0, 0);
const clock = new ManualClock(T0);

/** DNS as the tests want it: these names lead inside; any other name does not resolve. */
const INSIDE: Record<string, string[]> = {
  "inside.test": ["10.0.0.7"],
  "metadata.test": ["169.254.169.254"],
  // One public address does not make up for an inside one: every address must be public.
  "mixed.test": ["93.184.215.14", "fd00::5"],
};
const resolver: ResolveHost = async (hostname) => {
  const addresses = INSIDE[hostname];
  if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
  return addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
};

let local: LocalRuntime;
let target: Target;
let receiver: Receiver;
let verify: Verify;

beforeAll(async () => {
  if (remote) return;
  receiver = await new Receiver().start();
  verify = await readmeVerifier();
  local = await startLocal({
    clock: clock.now,
    webhooksAllowLoopback: true,
    webhookRetryBaseSeconds: 1,
    webhookDelivery: { resolve: resolver, pollIntervalMs: 25 },
  });
  target = localTarget(local);
});
afterAll(async () => {
  await local?.close();
  await receiver?.close();
});

const POLL = { timeout: 15_000, interval: 20 };

async function keyFor(orgId: string): Promise<string> {
  return (await createKey(target, orgId, { scopes: ["webhooks:manage", "accounts:write", "payments:write"] }))
    .key;
}

async function subscribe(key: string, url: string, events = ["account.created"]) {
  const reply = await withKey(target, key, "/api/v1/webhooks", { method: "POST", body: { url, events } });
  expect(reply.status, reply.text).toBe(201);
  return reply.json as { id: string; secret: string };
}

async function createAccount(key: string, name = "Globex"): Promise<Reply> {
  const reply = await withKey(target, key, "/api/v1/accounts", {
    method: "POST",
    body: { name, currency: "EUR", balance: 1000 },
  });
  expect(reply.status, reply.text).toBe(201);
  return reply;
}

async function deliveries(key: string, webhookId: string, query = ""): Promise<Reply> {
  return withKey(target, key, `/api/v1/webhooks/${webhookId}/deliveries${query}`);
}

/** The attempts logged for a subscription, newest first. */
// biome-ignore lint/suspicious/noExplicitAny: log entries are inspected field by field
async function attempts(key: string, webhookId: string): Promise<any[]> {
  const reply = await deliveries(key, webhookId, "?limit=100");
  expect(reply.status, reply.text).toBe(200);
  return reply.json.items;
}

describe.skipIf(remote)("webhook deliveries from the local runtime", () => {
  it("delivers an event once to each subscription listing it, signed as the README verifies", async () => {
    const key = await keyFor("deliver-acme");
    const first = await subscribe(key, `${receiver.url}/acme/a`);
    const second = await subscribe(key, `${receiver.url}/acme/b`);
    const other = await subscribe(key, `${receiver.url}/acme/payments-only`, ["payment.registered"]);

    const account = (await createAccount(key)).json;

    await expect.poll(() => receiver.at("/acme/a").length + receiver.at("/acme/b").length, POLL).toBe(2);
    for (const [path, subscription] of [
      ["/acme/a", first],
      ["/acme/b", second],
    ] as const) {
      const [request] = receiver.at(path);
      expect(request?.headers["content-type"]).toBe("application/json");
      expect(request?.json).toEqual({
        id: expect.stringMatching(/^evt_[0-9A-Z]{26}$/),
        type: "account.created",
        createdAt: new Date(T0).toISOString(),
        orgId: "deliver-acme",
        data: account,
      });
      const header = String(request?.headers["fynex-signature"]);
      expect(header).toMatch(new RegExp(`^t=${T0 / 1000},v1=[0-9a-f]{64}$`));
      expect(verify(request?.raw ?? "", header, subscription.secret, 300, clock.now() / 1000)).toBe(true);
      // Signed with this subscription's secret, over these bytes, recently: nothing else verifies.
      expect(verify(request?.raw ?? "", header, other.secret, 300, clock.now() / 1000)).toBe(false);
      expect(verify(`${request?.raw} `, header, subscription.secret, 300, clock.now() / 1000)).toBe(false);
      expect(verify(request?.raw ?? "", header, subscription.secret, 300, clock.now() / 1000 + 301)).toBe(
        false,
      );
    }
    expect(receiver.at("/acme/a")[0]?.json.id).toBe(receiver.at("/acme/b")[0]?.json.id);

    // The log says one successful attempt each; the next event is the next thing to arrive.
    await expect.poll(async () => (await attempts(key, first.id)).length, POLL).toBe(1);
    expect((await attempts(key, first.id))[0]).toEqual({
      id: expect.stringMatching(/^dlv_/),
      eventId: receiver.at("/acme/a")[0]?.json.id,
      eventType: "account.created",
      attempt: 1,
      outcome: "succeeded",
      statusCode: 204,
      at: new Date(T0).toISOString(),
      durationMs: expect.any(Number),
      error: null,
      nextAttemptAt: null,
    });
    await createAccount(key, "Initech");
    await expect.poll(() => receiver.at("/acme/a").length, POLL).toBe(2);
    const [one, two] = receiver.at("/acme/a");
    expect(two?.json.data.name).toBe("Initech");
    expect(two?.json.id).not.toBe(one?.json.id);
    expect(receiver.at("/acme/payments-only")).toEqual([]);
  });

  it("delivers every event type of API.md §6, each with the resource as the API answered it", async () => {
    const key = (
      await createKey(target, "deliver-all", {
        scopes: ["webhooks:manage", "accounts:write", "contacts:write", "payments:write", "import"],
      })
    ).key;
    const events = [
      "account.created",
      "account.updated",
      "contact.created",
      "contact.updated",
      "payment.registered",
      "import.completed",
    ];
    await subscribe(key, `${receiver.url}/all`, events);
    const call = async (method: string, path: string, body: unknown) => {
      const reply = await withKey(target, key, path, { method, body });
      expect(reply.status, reply.text).toBeLessThan(300);
      return reply.json;
    };

    const account = await call("POST", "/api/v1/accounts", { name: "All", currency: "EUR" });
    const updated = await call("PATCH", `/api/v1/accounts/${account.id}`, { name: "All Inc." });
    const contact = await call("POST", "/api/v1/contacts", { accountId: account.id, name: "Ana" });
    const contactUpdated = await call("PATCH", `/api/v1/contacts/${contact.id}`, { role: "billing" });
    const payment = await call("POST", `/api/v1/accounts/${account.id}/payments`, {
      amount: 5,
      currency: "EUR",
    });
    const imported = await call("POST", "/api/v1/import/accounts", {
      accounts: [{ name: "Row", currency: "EUR" }],
    });

    await expect.poll(() => receiver.at("/all").length, POLL).toBe(7);
    const byType = (type: string) => receiver.at("/all").filter((request) => request.json.type === type);
    expect(byType("account.created").map((request) => request.json.data)).toEqual(
      expect.arrayContaining([account, expect.objectContaining({ id: imported.results[0].id, name: "Row" })]),
    );
    expect(byType("account.updated")[0]?.json.data).toEqual(updated);
    expect(byType("contact.created")[0]?.json.data).toEqual(contact);
    expect(byType("contact.updated")[0]?.json.data).toEqual(contactUpdated);
    expect(byType("payment.registered")[0]?.json.data).toEqual(payment);
    expect(byType("import.completed")[0]?.json.data).toEqual(imported.summary);
    expect(new Set(receiver.at("/all").map((request) => request.json.id)).size).toBe(7);
  });

  it("answers the API request without waiting for the receiver", async () => {
    const key = await keyFor("deliver-slow");
    await subscribe(key, `${receiver.url}/slow`);
    let release: (status: number) => void = () => undefined;
    receiver.answer("/slow", () => new Promise<number>((settle) => (release = settle)));

    // Were the request to wait for the delivery, it would hang until the receiver answers below.
    const reply = await createAccount(key);

    await expect.poll(() => receiver.at("/slow").length, POLL).toBe(1);
    expect(receiver.at("/slow")[0]?.json.data.id).toBe(reply.json.id);
    release(204);
  });

  it("retries a 500 with the same event id, and logs both attempts newest first", async () => {
    const key = await keyFor("deliver-flaky");
    const subscription = await subscribe(key, `${receiver.url}/flaky`);
    receiver.answer("/flaky", (_request, nth) => (nth === 1 ? 500 : 204));

    await createAccount(key);
    await expect.poll(() => receiver.at("/flaky").length, POLL).toBe(1);
    await expect.poll(async () => (await attempts(key, subscription.id)).length, POLL).toBe(1);
    const [failed] = await attempts(key, subscription.id);
    expect(failed).toMatchObject({ attempt: 1, outcome: "retry_scheduled", statusCode: 500 });
    // Base 1 s: the first retry within a second, shortened by at most a quarter.
    const wait = Date.parse(failed.nextAttemptAt) - Date.parse(failed.at);
    expect(wait).toBeGreaterThanOrEqual(750);
    expect(wait).toBeLessThanOrEqual(1000);
    expect(receiver.at("/flaky")).toHaveLength(1);

    clock.advance(1000);
    await expect.poll(() => receiver.at("/flaky").length, POLL).toBe(2);
    const [firstTry, secondTry] = receiver.at("/flaky");
    expect(secondTry?.json).toEqual(firstTry?.json);
    expect(
      verify(
        secondTry?.raw ?? "",
        String(secondTry?.headers["fynex-signature"]),
        subscription.secret,
        300,
        clock.now() / 1000,
      ),
    ).toBe(true);

    await expect.poll(async () => (await attempts(key, subscription.id)).length, POLL).toBe(2);
    const log = await attempts(key, subscription.id);
    expect(log.map((entry) => [entry.attempt, entry.outcome, entry.statusCode, entry.eventId])).toEqual([
      [2, "succeeded", 204, firstTry?.json.id],
      [1, "retry_scheduled", 500, firstTry?.json.id],
    ]);

    // Paginated: one a page, newest first, then the end.
    const page1 = await deliveries(key, subscription.id, "?limit=1");
    expect(page1.json.items.map((entry: { attempt: number }) => entry.attempt)).toEqual([2]);
    const page2 = await deliveries(key, subscription.id, `?limit=1&cursor=${page1.json.nextCursor}`);
    expect(page2.json.items.map((entry: { attempt: number }) => entry.attempt)).toEqual([1]);
    const page3 = await deliveries(key, subscription.id, `?limit=1&cursor=${page2.json.nextCursor}`);
    expect(page3.json).toEqual({ items: [], nextCursor: null });
  });

  it("sends nothing to a disabled subscription", async () => {
    const key = await keyFor("deliver-disabled");
    const disabled = await subscribe(key, `${receiver.url}/disabled`);
    const patched = await withKey(target, key, `/api/v1/webhooks/${disabled.id}`, {
      method: "PATCH",
      body: { enabled: false },
    });
    expect(patched.json.enabled).toBe(false);
    const witness = await subscribe(key, `${receiver.url}/witness`);

    await createAccount(key);

    // Both are served by the one dispatch of the event: once the witness's attempt is logged, any
    // attempt for the disabled one would have been made too.
    await expect.poll(async () => (await attempts(key, witness.id)).length, POLL).toBe(1);
    expect(receiver.at("/disabled")).toEqual([]);
    expect(await attempts(key, disabled.id)).toEqual([]);
  });

  it("lists deliveries only for the caller's own subscriptions, with webhooks:manage", async () => {
    const key = await keyFor("deliver-scope");
    const subscription = await subscribe(key, `${receiver.url}/scoped`);
    const stranger = await keyFor("deliver-stranger");
    expect((await deliveries(stranger, subscription.id)).status).toBe(404);
    expect((await deliveries(key, "wh_unknown")).status).toBe(404);
    const readOnly = (await createKey(target, "deliver-scope", { scopes: ["accounts:read"] })).key;
    expect((await deliveries(readOnly, subscription.id)).json.error.code).toBe("insufficient_scope");
    expect((await deliveries(key, subscription.id, "?limit=0")).status).toBe(400);
    expect((await deliveries(key, subscription.id, "?cursor=bm9wZQ")).status).toBe(400);
  });

  it("refuses inside addresses at creation", async () => {
    const key = await keyFor("deliver-inside");
    for (const url of ["https://10.0.0.1/hook", "https://169.254.169.254/latest", "https://[fd00::1]/"]) {
      const reply = await withKey(target, key, "/api/v1/webhooks", {
        method: "POST",
        body: { url, events: ["account.created"] },
      });
      expect(reply.status, url).toBe(400);
      expect(reply.json.error.details[0].path).toBe("url");
    }
  });

  it("refuses, as a failed attempt, a name that resolves inside at delivery time", async () => {
    const key = await keyFor("deliver-dns");
    const subscriptions = await Promise.all(
      ["https://inside.test/hook", "https://metadata.test/latest", "https://mixed.test/"].map((url) =>
        subscribe(key, url),
      ),
    );

    await createAccount(key);

    for (const subscription of subscriptions) {
      await expect.poll(async () => (await attempts(key, subscription.id)).length, POLL).toBeGreaterThan(0);
      const first = (await attempts(key, subscription.id)).at(-1);
      // Only the reason of API.md §9: never the address the name resolved to (no scanning oracle).
      expect(first).toMatchObject({ attempt: 1, outcome: "retry_scheduled", statusCode: null });
      expect(first.error).toBe("refused_address");
    }
  });

  // Last: it moves the shared clock by days.
  it("disables a subscription whose deliveries have failed for 3 days in a row", async () => {
    const key = await keyFor("deliver-down");
    const subscription = await subscribe(key, `${receiver.url}/down`);
    receiver.answer("/down", () => 503);

    await createAccount(key, "Day one");
    await expect.poll(() => receiver.at("/down").length, POLL).toBe(1);
    await expect.poll(async () => (await attempts(key, subscription.id)).length, POLL).toBe(1);

    clock.advance(3 * 24 * 60 * 60 * 1000);
    await createAccount(key, "Day four");

    await expect
      .poll(
        async () => (await withKey(target, key, `/api/v1/webhooks/${subscription.id}`)).json.enabled,
        POLL,
      )
      .toBe(false);
    await expect
      .poll(
        async () => (await attempts(key, subscription.id)).some((entry) => entry.outcome === "failed"),
        POLL,
      )
      .toBe(true);
    const last = (await attempts(key, subscription.id)).find((entry) => entry.outcome === "failed");
    expect(last).toMatchObject({ statusCode: 503, error: "http_status", nextAttemptAt: null });
  });
});

describe.skipIf(remote)("the outbox across a stop between commit and delivery", () => {
  let dataDir: string;
  let outage: Receiver;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "fynex-outbox-"));
    outage = await new Receiver().start();
  });
  afterAll(async () => {
    await outage?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("delivers, after a restart, an event committed while no dispatcher ran", async () => {
    const options = { dataDir, adminToken: "outbox-token", webhooksAllowLoopback: true };
    const first = await startLocal({ ...options, webhookDelivery: { enabled: false } });
    let accountId: string;
    let secret: string;
    let key: string;
    try {
      const before = localTarget(first);
      key = (await createKey(before, "outbox", { scopes: ["webhooks:manage", "accounts:write"] })).key;
      const created = await withKey(before, key, "/api/v1/webhooks", {
        method: "POST",
        body: { url: `${outage.url}/hook`, events: ["account.created"] },
      });
      secret = created.json.secret;
      const account = await withKey(before, key, "/api/v1/accounts", {
        method: "POST",
        body: { name: "Committed", currency: "EUR" },
      });
      expect(account.status).toBe(201);
      accountId = account.json.id;
    } finally {
      await first.close();
    }
    expect(outage.received).toEqual([]);

    const second = await startLocal(options);
    try {
      await expect.poll(() => outage.received.length, POLL).toBe(1);
      const [delivered] = outage.received;
      expect(delivered?.json).toMatchObject({
        type: "account.created",
        orgId: "outbox",
        data: { id: accountId },
      });
      expect(verify(delivered?.raw ?? "", String(delivered?.headers["fynex-signature"]), secret, 300)).toBe(
        true,
      );

      // Dispatched once: a further restart does not send it again.
      await expect.poll(async () => (await attemptsOf(localTarget(second), key)).length, POLL).toBe(1);
    } finally {
      await second.close();
    }
    const third = await startLocal(options);
    try {
      await withKey(localTarget(third), key, "/api/v1/accounts", {
        method: "POST",
        body: { name: "Next", currency: "EUR" },
      });
      await expect.poll(() => outage.received.length, POLL).toBe(2);
      expect(outage.received[1]?.json.data.name).toBe("Next");
    } finally {
      await third.close();
    }
  });
});

/** The delivery log of the org's only subscription. */
// biome-ignore lint/suspicious/noExplicitAny: log entries are inspected field by field
async function attemptsOf(at: Target, key: string): Promise<any[]> {
  const [subscription] = (await withKey(at, key, "/api/v1/webhooks")).json.items;
  return (await withKey(at, key, `/api/v1/webhooks/${subscription.id}/deliveries`)).json.items;
}
