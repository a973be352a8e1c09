import { describe, expect, it } from "vitest";
import { remote } from "../integration/target";
import { type HostileRuntime, useHostileRuntime } from "./hostile";
import { expectEnvelope, rawRequest } from "./support";

/**
 * Hostile requests over real HTTP against the local runtime: a corpus of hostile headers, bodies and
 * paths, each written byte for byte on a raw socket, each of which must get a 4xx in the envelope of
 * API.md §4; and the few that HTTP itself says to accept. Which of these API Gateway answers itself
 * once deployed is written down in docs/HOSTILE-INPUT.md; arbitrary input is in
 * hostile-arbitrary-input.test.ts.
 */
let local: HostileRuntime["local"];
let key = "";
let other = "";
let accountId = "";
useHostileRuntime((runtime) => {
  ({ local, key, other, accountId } = runtime);
});
interface Hostile {
  line: string;
  headers?: string[];
  body?: string | Buffer;
  status?: number;
}

const json = "Content-Type: application/json";
const withKey = () => `X-API-Key: ${key}`;
const post = (path: string, body: string | Buffer, headers: string[] = [json]): Hostile => ({
  line: `POST ${path} HTTP/1.1`,
  headers: [withKey(), ...headers],
  body,
});
const get = (path: string, headers: string[] = [withKey()]): Hostile => ({
  line: `GET ${path} HTTP/1.1`,
  headers,
});
const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;

/** Each entry: a request as raw bytes would carry it, and the 4xx it must get. */
const CORPUS: Record<string, () => Hostile> = {
  // Headers
  "no key at all": () => ({ ...get("/api/v1/accounts", []), status: 401 }),
  "an 8 KiB key": () => ({
    ...get("/api/v1/accounts", [`X-API-Key: fynex_k_${"a".repeat(8192)}`]),
    status: 401,
  }),
  "a 20 KiB header (past the front's limit)": () => ({
    ...get("/api/v1/accounts", [withKey(), `X-Padding: ${"p".repeat(20_480)}`]),
    status: 413,
  }),
  "300 headers of 100 bytes": () => ({
    ...get("/api/v1/accounts", [
      withKey(),
      ...Array.from({ length: 300 }, (_, i) => `X-H${i}: ${"h".repeat(90)}`),
    ]),
    status: 413,
  }),
  "a key of non-ASCII bytes (UTF-8)": () => ({
    ...get("/api/v1/accounts", [
      `X-API-Key: ${Buffer.from(`fynex_k_${"é".repeat(24)}`, "utf8").toString("latin1")}`,
    ]),
    status: 401,
  }),
  "a key padded with a no-break space": () => ({
    ...get("/api/v1/accounts", [`X-API-Key: \xa0${key}\xa0`]),
    status: 401,
  }),
  "a key with a zero-width space inside": () => ({
    ...get("/api/v1/accounts", [`X-API-Key: ${key.slice(0, 20)}\xe2\x80\x8b${key.slice(20)}`]),
    status: 401,
  }),
  "a key with trailing characters": () => ({
    ...get("/api/v1/accounts", [`X-API-Key: ${key}==`]),
    status: 401,
  }),
  "a key in lower case": () => ({
    ...get("/api/v1/accounts", [`X-API-Key: ${key.toLowerCase()}`]),
    status: 401,
  }),
  "two different keys in two headers": () => ({
    ...get("/api/v1/accounts", [withKey(), `X-API-Key: ${other}`]),
    status: 401,
  }),
  "two different keys under two casings of the name": () => ({
    ...get("/api/v1/accounts", [`x-api-key: ${key}`, `X-API-KEY: ${other}`]),
    status: 401,
  }),
  "two keys in one header": () => ({
    ...get("/api/v1/accounts", [`X-API-Key: ${key}, ${other}`]),
    status: 401,
  }),
  "a key with a control character": () => ({
    ...get("/api/v1/accounts", [`X-API-Key: ${key.slice(0, 10)}\x01${key.slice(10)}`]),
    status: 400,
  }),
  "a header name with a space before the colon": () => ({
    ...get("/api/v1/accounts", [`X-API-Key : ${key}`]),
    status: 400,
  }),
  "an obsolete folded header line": () => ({
    ...get("/api/v1/accounts", [withKey(), "X-Folded: a", " b"]),
    status: 400,
  }),
  "the key as a bearer token": () => ({
    ...get("/api/v1/accounts", [`Authorization: Bearer ${key}`]),
    status: 401,
  }),
  "the key in the query string": () => ({ ...get(`/api/v1/accounts?api_key=${key}`, []), status: 401 }),
  "an admin call with a huge bearer token": () => ({
    ...get("/admin/v1/orgs/hostile/api-keys", [`Authorization: Bearer ${"t".repeat(8000)}`]),
    status: 401,
  }),
  "an admin call with a non-ASCII bearer token": () => ({
    ...get("/admin/v1/orgs/hostile/api-keys", ["Authorization: Bearer \xc3\xa9\xc3\xa9"]),
    status: 401,
  }),
  "an admin call with the token padded": () => ({
    ...get("/admin/v1/orgs/hostile/api-keys", [`Authorization: Bearer  ${local.adminToken}x`]),
    status: 401,
  }),

  // Bodies
  "malformed JSON": () => ({ ...post("/api/v1/accounts", '{"name": "A", "currency": '), status: 400 }),
  "JSON cut in the middle of a string": () => ({ ...post("/api/v1/accounts", '{"name": "A'), status: 400 }),
  "JSON nested 100,000 deep": () => ({ ...post("/api/v1/accounts", nested(100_000)), status: 400 }),
  "a deeply nested value in a known field": () => ({
    ...post("/api/v1/accounts", `{"name":${nested(50_000)},"currency":"EUR"}`),
    status: 400,
  }),
  "a deeply nested value in an unknown field": () => ({
    ...post(
      "/api/v1/accounts",
      `{"name":"A","currency":"EUR","x":${'{"a":'.repeat(20_000)}1${"}".repeat(20_000)}}`,
    ),
    status: 400,
  }),
  "JSON as text/plain": () => ({
    ...post("/api/v1/accounts", '{"name":"A","currency":"EUR"}', ["Content-Type: text/plain"]),
    status: 415,
  }),
  "JSON without a content type": () => ({
    ...post("/api/v1/accounts", '{"name":"A","currency":"EUR"}', []),
    status: 415,
  }),
  "a form body": () => ({
    ...post("/api/v1/accounts", "name=A&currency=EUR", ["Content-Type: application/x-www-form-urlencoded"]),
    status: 415,
  }),
  "a multipart body": () => ({
    ...post("/api/v1/accounts", '--b\r\nContent-Disposition: form-data; name="name"\r\n\r\nA\r\n--b--\r\n', [
      "Content-Type: multipart/form-data; boundary=b",
    ]),
    status: 415,
  }),
  "a JSON look-alike media type": () => ({
    ...post("/api/v1/accounts", '{"name":"A","currency":"EUR"}', [
      "Content-Type: application/json-patch+json",
    ]),
    status: 415,
  }),
  "a body of 1 MiB and one byte": () => ({
    ...post("/api/v1/accounts", `{"name":"A","currency":"EUR","pad":"${"x".repeat(1024 * 1024)}"}`),
    status: 413,
  }),
  "a CSV import over 1 MiB": () => ({
    ...post("/api/v1/import/accounts", `name,currency\r\n${"A,EUR\r\n".repeat(150_000)}`, [
      "Content-Type: text/csv",
    ]),
    status: 413,
  }),
  "a __proto__ key": () => ({
    ...post("/api/v1/accounts", '{"name":"A","currency":"EUR","__proto__":{"orgId":"other"}}'),
    status: 400,
  }),
  "a constructor.prototype key": () => ({
    ...post("/api/v1/accounts", '{"name":"A","currency":"EUR","constructor":{"prototype":{"admin":true}}}'),
    status: 400,
  }),
  "an orgId in the body": () => ({
    ...post("/api/v1/accounts", '{"name":"A","currency":"EUR","orgId":"other"}'),
    status: 400,
  }),
  "an unknown field": () => ({
    ...post("/api/v1/accounts", '{"name":"A","currency":"EUR","expires_at":"x"}'),
    status: 400,
  }),
  "a balance as a string": () => ({
    ...post("/api/v1/accounts", '{"name":"A","currency":"EUR","balance":"100"}'),
    status: 400,
  }),
  "a balance as a float": () => ({
    ...post("/api/v1/accounts", '{"name":"A","currency":"EUR","balance":10.5}'),
    status: 400,
  }),
  "a balance past 2^53": () => ({
    ...post("/api/v1/accounts", '{"name":"A","currency":"EUR","balance":9007199254740993}'),
    status: 400,
  }),
  "an amount as a string": () => ({
    ...post(`/api/v1/accounts/${accountId}/payments`, '{"amount":"100","currency":"EUR"}'),
    status: 400,
  }),
  "an amount as a float": () => ({
    ...post(`/api/v1/accounts/${accountId}/payments`, '{"amount":0.1,"currency":"EUR"}'),
    status: 400,
  }),
  "an amount that overflows to Infinity": () => ({
    ...post(`/api/v1/accounts/${accountId}/payments`, '{"amount":1e400,"currency":"EUR"}'),
    status: 400,
  }),
  "a negative zero amount": () => ({
    ...post(`/api/v1/accounts/${accountId}/payments`, '{"amount":-0,"currency":"EUR"}'),
    status: 400,
  }),
  "a lower-case currency": () => ({
    ...post("/api/v1/accounts", '{"name":"A","currency":"eur"}'),
    status: 400,
  }),
  "a JSON array body": () => ({
    ...post("/api/v1/accounts", '[{"name":"A","currency":"EUR"}]'),
    status: 400,
  }),
  "a JSON null body": () => ({ ...post("/api/v1/accounts", "null"), status: 400 }),
  "a body with a byte order mark": () => ({
    ...post("/api/v1/accounts", '\ufeff{"name":"A","currency":"EUR"}'),
    status: 400,
  }),
  "an Idempotency-Key of 300 characters": () => ({
    ...post(`/api/v1/accounts/${accountId}/payments`, '{"amount":1,"currency":"EUR"}', [
      json,
      `Idempotency-Key: ${"k".repeat(300)}`,
    ]),
    status: 400,
  }),
  "a non-ASCII Idempotency-Key": () => ({
    ...post(`/api/v1/accounts/${accountId}/payments`, '{"amount":1,"currency":"EUR"}', [
      json,
      "Idempotency-Key: \xc3\xa9",
    ]),
    status: 400,
  }),
  "a CSV import with a __proto__ column": () => ({
    ...post("/api/v1/import/accounts", "name,currency,__proto__\r\nA,EUR,x\r\n", ["Content-Type: text/csv"]),
    status: 400,
  }),
  "a CSV import with an unclosed quote": () => ({
    ...post("/api/v1/import/accounts", 'name,currency\r\n"A,EUR\r\n', ["Content-Type: text/csv"]),
    status: 400,
  }),
  "an import of 1001 rows": () => ({
    ...post(
      "/api/v1/import/accounts",
      JSON.stringify({ accounts: Array(1001).fill({ name: "A", currency: "EUR" }) }),
    ),
    status: 400,
  }),
  "a leak report without a signature": () => ({
    line: "POST /security/v1/secret-scanning HTTP/1.1",
    headers: [json],
    body: JSON.stringify([{ token: key, type: "fynex_api_key", url: "", source: "content" }]),
    status: 401,
  }),
  "an admin create with a nested prototype attack": () => ({
    line: "POST /admin/v1/orgs/hostile/api-keys HTTP/1.1",
    headers: [`Authorization: Bearer ${local.adminToken}`, json],
    body: '{"name":"n","scopes":["export"],"__proto__":{"scopes":["accounts:write"]}}',
    status: 400,
  }),

  // Paths
  "encoded traversal in an id": () => ({
    ...get("/api/v1/accounts/..%2F..%2Fadmin%2Fv1%2Forgs"),
    status: 404,
  }),
  "an id of encoded dots": () => ({ ...get("/api/v1/accounts/%2e%2e"), status: 404 }),
  // The front resolves dot segments (WHATWG URL: `%2e%2e` is `..` too) before it routes, so a
  // traversal lands on another route, whose own authorization then applies: never a way around it.
  "encoded traversal from the API into the admin routes": () => ({
    ...get("/api/v1/%2e%2e/%2e%2e/admin/v1/orgs/hostile/api-keys"),
    status: 401,
  }),
  "traversal from an admin route into the API, with the admin token": () => ({
    line: "GET /admin/v1/orgs/hostile/../../../../api/v1/accounts HTTP/1.1",
    headers: [`Authorization: Bearer ${local.adminToken}`],
    status: 401,
  }),
  "encoded traversal in an admin org id": () => ({
    line: "GET /admin/v1/orgs/hostile%2F..%2Fother/api-keys HTTP/1.1",
    headers: [`Authorization: Bearer ${local.adminToken}`],
    status: 400,
  }),
  "a 5,000-character id": () => ({ ...get(`/api/v1/accounts/acc_${"0".repeat(5000)}`), status: 404 }),
  "a 20,000-character id (past the front's limit)": () => ({
    ...get(`/api/v1/accounts/${"a".repeat(20_000)}`),
    status: 413,
  }),
  "a 5,000-character key id": () => ({
    line: `GET /admin/v1/orgs/hostile/api-keys/key_${"A".repeat(5000)} HTTP/1.1`,
    headers: [`Authorization: Bearer ${local.adminToken}`],
    status: 404,
  }),
  "a truncated percent-encoding": () => ({ ...get("/api/v1/accounts/%E0%A4%A"), status: 404 }),
  "a percent sign with no hex": () => ({ ...get("/api/v1/accounts/%zz"), status: 404 }),
  "an encoded NUL": () => ({ ...get(`/api/v1/accounts/${accountId}%00`), status: 404 }),
  "an overlong UTF-8 encoding of a slash": () => ({ ...get("/api/v1/accounts/%C0%AF"), status: 404 }),
  "a doubled slash": () => ({ ...get("//api/v1/accounts"), status: 404 }),
  "an unknown method on a known path": () => ({
    ...get("/api/v1/accounts"),
    line: "DELETE /api/v1/accounts HTTP/1.1",
    status: 404,
  }),
  "a bad percent-encoding in the query": () => ({ ...get("/api/v1/accounts?limit=%zz"), status: 400 }),
  "a query parameter given twice": () => ({ ...get("/api/v1/accounts?limit=1&limit=2"), status: 400 }),
  "a __proto__ query parameter": () => ({ ...get("/api/v1/accounts?__proto__=1"), status: 400 }),
  "a constructor query parameter": () => ({ ...get("/api/v1/export/accounts?constructor=1"), status: 400 }),
  "a foreign cursor": () => ({
    ...get(
      `/api/v1/accounts?cursor=${Buffer.from('{"o":"other","p":{"sk":"ACCOUNT#"}}').toString("base64url")}`,
    ),
    status: 400,
  }),
  "an 8 KiB cursor": () => ({ ...get(`/api/v1/accounts?cursor=${"A".repeat(8192)}`), status: 400 }),
  "a request line that is not HTTP": () => ({ line: "HELLO", headers: [], status: 400 }),
};

describe.skipIf(remote)("hostile requests", () => {
  it.each(Object.keys(CORPUS))("answers %s with a 4xx in the envelope", async (name) => {
    const hostile = (CORPUS[name] as () => Hostile)();
    const answer = await rawRequest(local.url, hostile.line, hostile.headers ?? [], hostile.body ?? "");
    expectEnvelope(answer, hostile.status);
    expect(answer.headers["x-amzn-requestid"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(answer.headers["content-type"]).toMatch(/^application\/json/);
  });

  it("answers a body over 10 MB as API Gateway does: 413 in plain text, no envelope (DECISIONS.md #108)", async () => {
    const at = (size: number) =>
      rawRequest(local.url, "POST /api/v1/accounts HTTP/1.1", [withKey(), json], Buffer.alloc(size, "x"));

    const over = await at(10 * 1024 * 1024 + 1);

    expect(over.status).toBe(413);
    expect(over.headers["content-type"]).toBe("text; charset=utf-8");
    expect(over.text).toBe("HTTP content length exceeded 10485760 bytes.");
    expect(over.headers["x-request-id"]).toBeUndefined();
    // Exactly 10 MB passes API Gateway's front but not Lambda's 6 MB payload: API Gateway's own 413.
    const atLimit = await at(10 * 1024 * 1024);
    expect(atLimit.status).toBe(413);
    expect(atLimit.text).toBe('{"message": "Request Too Long"}');
    // Under 6 MB the function's own 1 MiB limit answers, enveloped.
    const underLambda = await at(2 * 1024 * 1024);
    expectEnvelope(underLambda, 413, "payload_too_large");
    expect(underLambda.headers["x-request-id"]).toBe(underLambda.headers["x-amzn-requestid"]);
  });

  it("treats spaces and tabs around the key as HTTP does: not part of the value", async () => {
    // RFC 9110 §5.5: optional whitespace around a field value is not part of it.
    const answer = await rawRequest(local.url, "GET /api/v1/accounts HTTP/1.1", [`X-API-Key: \t ${key} \t`]);
    expect(answer.status).toBe(200);
  });

  it("accepts the same key sent twice", async () => {
    const answer = await rawRequest(local.url, "GET /api/v1/accounts HTTP/1.1", [withKey(), withKey()]);
    expect(answer.status).toBe(200);
  });
});
