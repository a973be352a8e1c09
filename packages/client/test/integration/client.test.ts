import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalRuntime } from "../../../../lib/local/runtime";
import { ManualClock, startLocal } from "../../../../test/integration/harness";
import { remote } from "../../../../test/integration/target";
import { Receiver } from "../../../../test/integration/webhook-receiver";
import {
  createFynexClient,
  type FynexApiError,
  type FynexClient,
  pages,
  paginate,
  SIGNATURE_HEADER,
  unwrap,
  verifyWebhook,
} from "../../src/index";

/**
 * The client against the local runtime, over real HTTP, as an integration uses it: the seed's whole
 * flow (README "Walkthrough"), waiting out a 429 on the runtime's manual clock, paging, and a webhook
 * delivery verified as a receiver would. Admin calls go through the same client, with the local admin
 * token as a header (deployed, they need SigV4: a signing `fetch`).
 */
const WINDOW_START = Date.UTC(2026, 5, 1, 8, 0, 0); // a multiple of the 900 s window
const T0 = WINDOW_START + 870_000; // 30 s before that window ends
const clock = new ManualClock(T0);

let local: LocalRuntime;
let receiver: Receiver;
let admin: FynexClient;

beforeAll(async () => {
  // The client's own tests: pointed at a stage (`npm run smoke`), the suite's other files check it.
  if (remote) return;
  receiver = await new Receiver().start();
  local = await startLocal({
    clock: clock.now,
    webhooksAllowLoopback: true,
    webhookDelivery: { pollIntervalMs: 25 },
  });
  admin = createFynexClient({ baseUrl: local.url, headers: { Authorization: `Bearer ${local.adminToken}` } });
});
afterAll(async () => {
  await local?.close();
  await receiver?.close();
});

type Scope = "accounts:read" | "accounts:write" | "webhooks:manage";

/** Creates a key through the admin API, typed by the client; answers its record, with the key. */
async function createKey(orgId: string, scopes: Scope[], limit?: number) {
  return unwrap(
    await admin.POST("/admin/v1/orgs/{orgId}/api-keys", {
      params: { path: { orgId } },
      body: { name: `client ${scopes.join(" ")}`, scopes, ...(limit ? { rateLimit: { limit } } : {}) },
    }),
  );
}

/** What `unwrap` threw for `result`, which must be a non-2xx answer. */
function thrownBy(result: Parameters<typeof unwrap>[0]): FynexApiError {
  try {
    unwrap(result);
  } catch (error) {
    return error as FynexApiError;
  }
  throw new Error(`expected an error, got ${result.response.status}`);
}

describe.skipIf(remote)("@fynex/client against the local runtime", () => {
  it("runs the seed's flow: create, call, 403, 429 then a retry after Retry-After, usage, revoke, 401", async () => {
    // 1. An admin creates a key that may read accounts, limited to 5 requests a window.
    const created = await createKey("client-acme", ["accounts:read"], 5);
    expect(created).toMatchObject({ orgId: "client-acme", scopes: ["accounts:read"], status: "active" });
    expect(created.key).toMatch(/^fynex_k_[0-9A-Za-z]{49}$/);
    const noRetry = createFynexClient({ baseUrl: local.url, apiKey: created.key, retry: false });

    // 2. A business call: 200, with the RateLimit fields.
    const listed = await noRetry.GET("/api/v1/accounts");
    expect(unwrap(listed)).toEqual({ items: [], nextCursor: null });
    expect(listed.response.headers.get("RateLimit")).toBe('"default";r=4;t=30');

    // 3. A route needing a scope the key lacks: 403 insufficient_scope, typed.
    const refused = thrownBy(
      await noRetry.POST("/api/v1/accounts", { body: { name: "Globex", currency: "EUR" } }),
    );
    expect(refused).toMatchObject({ status: 403, code: "insufficient_scope", details: [] });
    expect(refused.message).toContain("accounts:write");
    expect(refused.requestId).toBe(refused.headers.get("X-Request-Id"));

    // 4. Past the limit: the fifth request is the last let through, the sixth is 429 with Retry-After.
    for (let i = 0; i < 3; i++) expect((await noRetry.GET("/api/v1/accounts")).response.status).toBe(200);
    const limited = thrownBy(await noRetry.GET("/api/v1/accounts"));
    expect(limited).toMatchObject({ status: 429, code: "rate_limited", retryAfterSeconds: 30 });

    // 5. The admin sees the usage of this window: every request counted, the 403 and the 429 too.
    const record = unwrap(
      await admin.GET("/admin/v1/orgs/{orgId}/api-keys/{keyId}", {
        params: { path: { orgId: "client-acme", keyId: created.id } },
      }),
    );
    expect(record.usage).toEqual({ windowStart: new Date(WINDOW_START).toISOString(), count: 6 });

    // 6. A client that retries waits out the Retry-After (here, on the runtime's clock) and is served.
    const waits: number[] = [];
    const fynex = createFynexClient({
      baseUrl: local.url,
      apiKey: created.key,
      retry: {
        sleep: async (milliseconds) => {
          waits.push(milliseconds);
          clock.advance(milliseconds);
        },
      },
    });
    expect(unwrap(await fynex.GET("/api/v1/accounts"))).toEqual({ items: [], nextCursor: null });
    expect(waits).toEqual([30_000]);
    expect(clock.now()).toBe(WINDOW_START + 900_000);

    // 7. The admin revokes the key; the very next request with it is 401 unauthorized.
    const revoked = unwrap(
      await admin.POST("/admin/v1/orgs/{orgId}/api-keys/{keyId}/revoke", {
        params: { path: { orgId: "client-acme", keyId: created.id } },
      }),
    );
    expect(revoked.status).toBe("revoked");
    const unauthorized = thrownBy(await fynex.GET("/api/v1/accounts"));
    expect(unauthorized).toMatchObject({ status: 401, code: "unauthorized" });
    expect(unauthorized.requestId).toBeTruthy();
  });

  it("walks every page of a list, following nextCursor until it is null", async () => {
    // Prepare: 26 accounts, one more than a page holds by default. (An export's Link is followed in the
    // unit tests: its pages hold 5,000 records.)
    const { key } = await createKey("client-pages", ["accounts:read", "accounts:write"]);
    const fynex = createFynexClient({ baseUrl: local.url, apiKey: key });
    const names = Array.from({ length: 26 }, (_, i) => `Account ${String(i).padStart(2, "0")}`);
    for (const name of names) {
      unwrap(await fynex.POST("/api/v1/accounts", { body: { name, currency: "EUR" } }));
    }

    // Act
    const sizes: number[] = [];
    for await (const page of pages((cursor) =>
      fynex.GET("/api/v1/accounts", { params: { query: { cursor } } }),
    )) {
      sizes.push(page.items.length);
    }
    const listed: string[] = [];
    for await (const account of paginate((cursor) =>
      fynex.GET("/api/v1/accounts", { params: { query: { cursor } } }),
    )) {
      listed.push(account.name);
    }

    // Assess
    expect(sizes).toEqual([25, 1]);
    expect([...listed].sort()).toEqual(names);
  });

  it("verifies a webhook delivery the runtime signed, and refuses it tampered, stale or with another secret", async () => {
    // Prepare: a subscription to account.created at a receiver on loopback.
    const { key } = await createKey("client-hooks", ["webhooks:manage", "accounts:write"]);
    const fynex = createFynexClient({ baseUrl: local.url, apiKey: key });
    const subscription = unwrap(
      await fynex.POST("/api/v1/webhooks", {
        body: { url: `${receiver.url}/hooks`, events: ["account.created"] },
      }),
    );
    expect(subscription.secret).toMatch(/^whsec_/);

    // Act
    const account = unwrap(
      await fynex.POST("/api/v1/accounts", { body: { name: "Initech", currency: "EUR" } }),
    );
    await expect.poll(() => receiver.at("/hooks").length, { timeout: 15_000, interval: 20 }).toBe(1);
    const [delivery] = receiver.at("/hooks");
    const raw = delivery?.raw ?? Buffer.alloc(0);
    // As a Node receiver reads it: `string | string[] | undefined`.
    const header = delivery?.headers[SIGNATURE_HEADER.toLowerCase()];

    // Assess
    expect(JSON.parse(raw.toString("utf8"))).toMatchObject({ type: "account.created", data: account });
    expect(await verifyWebhook(raw, header, subscription.secret, { now: clock.now })).toBe(true);
    expect(await verifyWebhook(raw.toString("utf8"), header, subscription.secret, { now: clock.now })).toBe(
      true,
    );
    const tampered = Buffer.from(raw.toString("utf8").replace("Initech", "Initrode"));
    expect(await verifyWebhook(tampered, header, subscription.secret, { now: clock.now })).toBe(false);
    expect(await verifyWebhook(raw, header, "whsec_not-this-one", { now: clock.now })).toBe(false);
    const later = () => clock.now() + 301_000;
    expect(await verifyWebhook(raw, header, subscription.secret, { now: later })).toBe(false);
  });
});
