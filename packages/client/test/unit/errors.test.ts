import { describe, expect, it } from "vitest";
import { createFynexClient, FynexApiError, isErrorEnvelope, unwrap } from "../../src/index";
import { envelope, fakeFetch, json } from "./fake-fetch";

/** Typed errors from the envelope of API.md §4, and the client's own refusals, over a scripted `fetch`. */
const BASE_URL = "https://api.fynex.test";
const KEY = "fynex_k_003aUlTJC7tjlCTQj2uNU3MFagCXG9LRKRcwGkBIDlf3oAV0y";

/** What `unwrap` threw for the one answer `answer`. */
async function errorOf(answer: Response): Promise<FynexApiError> {
  const { fetch } = fakeFetch(answer);
  const fynex = createFynexClient({ baseUrl: BASE_URL, apiKey: KEY, fetch, retry: false });
  const result = await fynex.GET("/api/v1/accounts");
  try {
    unwrap(result);
  } catch (error) {
    if (error instanceof FynexApiError) return error;
    throw error;
  }
  throw new Error("unwrap did not throw");
}

describe("FynexApiError", () => {
  it("carries the envelope's code, message, requestId and details, and the status", async () => {
    // Act
    const error = await errorOf(
      envelope(403, "insufficient_scope", "This key lacks the scope accounts:write.", {
        RateLimit: '"default";r=3;t=60',
      }),
    );

    // Assess
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      name: "FynexApiError",
      status: 403,
      code: "insufficient_scope",
      message: "This key lacks the scope accounts:write.",
      requestId: "req-insufficient_scope",
      details: [],
      retryAfterSeconds: undefined,
    });
    expect(error.headers.get("RateLimit")).toBe('"default";r=3;t=60');
  });

  it("lists a validation error's details, each with its path and message", async () => {
    const details = [
      { path: "name", message: "Required." },
      { path: "query.limit", message: "Must be 1 to 100." },
    ];

    const error = await errorOf(envelope(400, "validation_error", "The request is not valid.", {}, details));

    expect(error).toMatchObject({ status: 400, code: "validation_error", details });
  });

  it("says unexpected_response for an answer outside the envelope, with API Gateway's request id", async () => {
    const error = await errorOf(
      new Response("<html>Bad Gateway</html>", {
        status: 502,
        headers: { "Content-Type": "text/html", "x-amzn-RequestId": "gw-1" },
      }),
    );

    expect(error).toMatchObject({
      status: 502,
      code: "unexpected_response",
      requestId: "gw-1",
      details: [],
      body: "<html>Bad Gateway</html>",
    });
    expect(error.message).toBe("The API answered 502 without its error envelope.");
  });

  it("prefers the envelope's requestId, then X-Request-Id, then x-amzn-RequestId", async () => {
    const headers = { "X-Request-Id": "from-header", "x-amzn-RequestId": "from-gateway" };

    expect((await errorOf(json(404, { error: "nope" }, headers))).requestId).toBe("from-header");
    expect((await errorOf(json(404, {}, { "x-amzn-RequestId": "from-gateway" }))).requestId).toBe(
      "from-gateway",
    );
    expect((await errorOf(json(404, {}))).requestId).toBeUndefined();
  });

  it("takes a 4xx with no body too", async () => {
    expect(await errorOf(new Response(null, { status: 404 }))).toMatchObject({
      status: 404,
      code: "unexpected_response",
    });
  });
});

describe("unwrap", () => {
  it("answers the data of a 2xx, and nothing for a 204", async () => {
    const { fetch } = fakeFetch(json(200, { id: "wh_1" }), new Response(null, { status: 204 }));
    const fynex = createFynexClient({ baseUrl: BASE_URL, apiKey: KEY, fetch });

    const webhook = unwrap(
      await fynex.GET("/api/v1/webhooks/{webhookId}", { params: { path: { webhookId: "wh_1" } } }),
    );
    const deleted = unwrap(
      await fynex.DELETE("/api/v1/webhooks/{webhookId}", { params: { path: { webhookId: "wh_1" } } }),
    );

    expect(webhook).toEqual({ id: "wh_1" });
    expect(deleted).toBeUndefined();
  });
});

describe("isErrorEnvelope", () => {
  it("accepts the envelope and nothing short of it", () => {
    const error = { code: "not_found", message: "No such account.", requestId: "r", details: [] };

    expect(isErrorEnvelope({ error })).toBe(true);
    expect(isErrorEnvelope({ error: { ...error, details: undefined } })).toBe(false);
    expect(isErrorEnvelope({ error: { ...error, code: 404 } })).toBe(false);
    expect(isErrorEnvelope({ error: "not_found" })).toBe(false);
    expect(isErrorEnvelope(null)).toBe(false);
    expect(isErrorEnvelope("error")).toBe(false);
  });
});

describe("createFynexClient", () => {
  it("sends the key as X-API-Key, and the headers it was given, on every request", async () => {
    const { fetch, sent } = fakeFetch(json(200, { items: [], nextCursor: null }));
    const fynex = createFynexClient({
      baseUrl: `${BASE_URL}/prod/`,
      apiKey: KEY,
      headers: { "X-Trace": "t-1" },
      fetch,
    });

    await fynex.GET("/api/v1/accounts");

    expect(sent[0]?.url).toBe(`${BASE_URL}/prod/api/v1/accounts`);
    expect(sent[0]?.headers.get("X-API-Key")).toBe(KEY);
    expect(sent[0]?.headers.get("X-Trace")).toBe("t-1");
  });

  it("refuses an empty key (an unset environment variable) at once, and sends none when it is left out", async () => {
    expect(() => createFynexClient({ baseUrl: BASE_URL, apiKey: undefined })).toThrow(/apiKey is empty/);
    expect(() => createFynexClient({ baseUrl: BASE_URL, apiKey: "" })).toThrow(TypeError);

    const { fetch, sent } = fakeFetch(json(200, { status: "ok" }));
    await createFynexClient({ baseUrl: BASE_URL, fetch }).GET("/health");
    expect(sent[0]?.headers.has("X-API-Key")).toBe(false);
  });
});
