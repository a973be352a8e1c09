import { describe, expect, it } from "vitest";
import { createFynexClient, FynexApiError, unwrap } from "../../src/index";
import { envelope, fakeFetch, json, recordingSleep } from "./fake-fetch";

/**
 * Waiting out 429 and 503 (API.md §3) through the client as integrations create it, over a scripted
 * `fetch` and a sleep that only records how long it was asked to wait: no test waits for real.
 */
const BASE_URL = "https://api.fynex.test";
const KEY = "fynex_k_003aUlTJC7tjlCTQj2uNU3MFagCXG9LRKRcwGkBIDlf3oAV0y";
const PAGE = { items: [], nextCursor: null };
const rateLimited = (retryAfter?: string) =>
  envelope(
    429,
    "rate_limited",
    "Rate limit exceeded.",
    retryAfter === undefined ? {} : { "Retry-After": retryAfter },
  );

describe("retrying 429 and 503 by Retry-After", () => {
  it("waits out a 429's Retry-After, then sends the same request again and answers its data", async () => {
    // Prepare
    const { fetch, sent } = fakeFetch(rateLimited("2"), json(201, { id: "acc_1" }));
    const { sleep, waits } = recordingSleep();
    const fynex = createFynexClient({ baseUrl: BASE_URL, apiKey: KEY, fetch, retry: { sleep } });

    // Act
    const account = unwrap(
      await fynex.POST("/api/v1/accounts", { body: { name: "Globex", currency: "EUR" } }),
    );

    // Assess
    expect(account).toEqual({ id: "acc_1" });
    expect(waits).toEqual([2000]);
    expect(sent).toHaveLength(2);
    for (const request of sent) {
      expect(request).toMatchObject({ method: "POST", url: `${BASE_URL}/api/v1/accounts` });
      expect(request.headers.get("X-API-Key")).toBe(KEY);
      expect(JSON.parse(request.body)).toEqual({ name: "Globex", currency: "EUR" });
    }
  });

  it("waits out a 503 unavailable the same way", async () => {
    const { fetch, sent } = fakeFetch(
      envelope(503, "unavailable", "Try again.", { "Retry-After": "1" }),
      json(200, PAGE),
    );
    const { sleep, waits } = recordingSleep();
    const fynex = createFynexClient({ baseUrl: BASE_URL, apiKey: KEY, fetch, retry: { sleep } });

    expect(unwrap(await fynex.GET("/api/v1/accounts"))).toEqual(PAGE);
    expect(waits).toEqual([1000]);
    expect(sent).toHaveLength(2);
  });

  it("gives up after 3 attempts by default and throws the last 429 as a FynexApiError", async () => {
    // Prepare
    const { fetch, sent } = fakeFetch(rateLimited("1"), rateLimited("1"), rateLimited("7"), json(200, PAGE));
    const { sleep, waits } = recordingSleep();
    const fynex = createFynexClient({ baseUrl: BASE_URL, apiKey: KEY, fetch, retry: { sleep } });

    // Act
    const result = await fynex.GET("/api/v1/accounts");

    // Assess
    expect(sent).toHaveLength(3);
    expect(waits).toEqual([1000, 1000]);
    expect(() => unwrap(result)).toThrow(FynexApiError);
    expect(() => unwrap(result)).toThrow(
      expect.objectContaining({ status: 429, code: "rate_limited", retryAfterSeconds: 7 }),
    );
  });

  it("makes as many attempts as `attempts` says", async () => {
    const { fetch, sent } = fakeFetch(
      rateLimited("1"),
      rateLimited("1"),
      rateLimited("1"),
      rateLimited("1"),
      json(200, PAGE),
    );
    const { sleep, waits } = recordingSleep();
    const fynex = createFynexClient({ baseUrl: BASE_URL, apiKey: KEY, fetch, retry: { sleep, attempts: 5 } });

    expect(unwrap(await fynex.GET("/api/v1/accounts"))).toEqual(PAGE);
    expect(sent).toHaveLength(5);
    expect(waits).toEqual([1000, 1000, 1000, 1000]);
  });

  it("sends once and answers the 429 as it is with `retry: false`", async () => {
    const { fetch, sent } = fakeFetch(rateLimited("1"), json(200, PAGE));
    const fynex = createFynexClient({ baseUrl: BASE_URL, apiKey: KEY, fetch, retry: false });

    const result = await fynex.GET("/api/v1/accounts");

    expect(sent).toHaveLength(1);
    expect(result.response.status).toBe(429);
    expect(() => unwrap(result)).toThrow(
      expect.objectContaining({ code: "rate_limited", retryAfterSeconds: 1 }),
    );
  });

  it("does not wait longer than maxDelaySeconds (60 by default): such an answer comes back at once", async () => {
    // Prepare: the rest of a 15-minute window, then a wait the caller allowed.
    const { fetch, sent } = fakeFetch(rateLimited("900"), rateLimited("90"), json(200, PAGE));
    const { sleep, waits } = recordingSleep();
    const fynex = createFynexClient({ baseUrl: BASE_URL, apiKey: KEY, fetch, retry: { sleep } });
    const patient = createFynexClient({
      baseUrl: BASE_URL,
      apiKey: KEY,
      fetch,
      retry: { sleep, maxDelaySeconds: 90 },
    });

    // Act
    const refused = await fynex.GET("/api/v1/accounts");
    const served = await patient.GET("/api/v1/accounts");

    // Assess
    expect(() => unwrap(refused)).toThrow(expect.objectContaining({ status: 429, retryAfterSeconds: 900 }));
    expect(unwrap(served)).toEqual(PAGE);
    expect(waits).toEqual([90_000]);
    expect(sent).toHaveLength(3);
  });

  it("retries no other status, and no 429 or 503 without a readable Retry-After", async () => {
    const { fetch, sent } = fakeFetch(
      envelope(500, "internal_error", "Something went wrong."),
      envelope(502, "bad_gateway", "Bad gateway.", { "Retry-After": "1" }),
      envelope(503, "unavailable", "Try again."),
      rateLimited("soon"),
    );
    const { sleep, waits } = recordingSleep();
    const fynex = createFynexClient({ baseUrl: BASE_URL, apiKey: KEY, fetch, retry: { sleep } });

    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await fynex.GET("/api/v1/accounts")).response.status);

    expect(statuses).toEqual([500, 502, 503, 429]);
    expect(sent).toHaveLength(4);
    expect(waits).toEqual([]);
  });

  it("reads a Retry-After given as an HTTP date against the injected clock", async () => {
    const now = Date.UTC(2026, 5, 1, 8, 0, 0);
    const { fetch } = fakeFetch(
      rateLimited(new Date(now + 5000).toUTCString()),
      rateLimited("Mon, 01 Jun 2026 07:00:00 GMT"),
      json(200, PAGE),
    );
    const { sleep, waits } = recordingSleep();
    const fynex = createFynexClient({
      baseUrl: BASE_URL,
      apiKey: KEY,
      fetch,
      retry: { sleep, now: () => now },
    });

    expect(unwrap(await fynex.GET("/api/v1/accounts"))).toEqual(PAGE);
    // A date already past means now.
    expect(waits).toEqual([5000, 0]);
  });

  it("stops waiting when the request's signal aborts, with the signal's reason", async () => {
    // Prepare: the default timer, asked to wait 30 s; the caller gives up at once.
    const { fetch, sent } = fakeFetch(rateLimited("30"), json(200, PAGE));
    const fynex = createFynexClient({ baseUrl: BASE_URL, apiKey: KEY, fetch });
    const controller = new AbortController();
    const reason = new Error("the caller gave up");

    // Act
    const pending = fynex.GET("/api/v1/accounts", { signal: controller.signal });
    await expect.poll(() => sent.length).toBe(1);
    controller.abort(reason);

    // Assess
    await expect(pending).rejects.toBe(reason);
    expect(sent).toHaveLength(1);
  });

  it("refuses attempts below 1 or not whole, and a negative maxDelaySeconds", () => {
    const { fetch } = fakeFetch();
    for (const retry of [{ attempts: 0 }, { attempts: 1.5 }, { maxDelaySeconds: -1 }]) {
      expect(() => createFynexClient({ baseUrl: BASE_URL, apiKey: KEY, fetch, retry })).toThrow(RangeError);
    }
  });
});
