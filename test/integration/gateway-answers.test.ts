import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalRuntime } from "../../lib/local/runtime";
import { call, createKey, startLocal } from "./harness";
import { localTarget, remote } from "./target";

/** The page's own origin, as the deployed stack names its CloudFront origin on every gateway answer. */
const CONSOLE_ORIGIN = "http://127.0.0.1:4999";
let local: LocalRuntime;

beforeAll(async () => {
  local = await startLocal({ consoleOrigin: CONSOLE_ORIGIN });
});
afterAll(async () => {
  await local?.close();
});

describe.skipIf(remote)("the local gateway's own answers, as the deployed gateway responses", () => {
  it("let the console's page read a 401 for a missing or dead ID token", async () => {
    const answer = await call(local.url, "/console/v1/api-keys", {
      headers: [["Authorization", "Bearer expired"]],
    });
    expect(answer.status).toBe(401);
    expect(answer.json.error.code).toBe("unauthorized");
    expect(answer.headers["access-control-allow-origin"]).toBe(CONSOLE_ORIGIN);
    expect(answer.headers.vary).toBe("Origin");
  });

  it("name the console's origin on the API-key 401 too, one definition for every gateway answer", async () => {
    const answer = await call(local.url, "/api/v1/accounts");
    expect(answer.status).toBe(401);
    expect(answer.headers["access-control-allow-origin"]).toBe(CONSOLE_ORIGIN);
    expect(answer.headers["content-type"]).toBe("application/json");
  });
});

/** Bytes of `size` in a JSON-typed body: API Gateway measures bytes, whatever they are. */
const bodyOf = (size: number) => Buffer.alloc(size, "x");
const MB = 1024 * 1024;

/** `POST /api/v1/accounts` with a live key and a JSON-typed body of `size` bytes. */
async function postAccounts(size: number) {
  const { key } = await createKey(localTarget(local), "bodies", { scopes: ["accounts:write"] });
  return call(local.url, "/api/v1/accounts", {
    method: "POST",
    headers: [
      ["X-API-Key", key],
      ["Content-Type", "application/json"],
    ],
    rawBody: bodyOf(size),
  });
}

describe.skipIf(remote)("bodies between Lambda's 6 MB and API Gateway's 10 MB", () => {
  it("are answered as API Gateway answers when the proxy event exceeds Lambda's payload: 413, its own body", async () => {
    const answer = await postAccounts(7 * MB);
    expect(answer.status).toBe(413);
    expect(answer.headers["content-type"]).toBe("application/json");
    expect(answer.text).toBe('{"message": "Request Too Long"}');
    expect(answer.headers["x-amzn-errortype"]).toBe("BadRequestException");
    expect(answer.headers["x-amzn-requestid"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(answer.headers["x-request-id"]).toBeUndefined();
    // API Gateway's own 413 cannot be customised: no CORS header, even with the console's origin known.
    expect(answer.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("meet the authorizer first: no key, 401 in the envelope", async () => {
    const answer = await call(local.url, "/api/v1/accounts", {
      method: "POST",
      headers: [["Content-Type", "application/json"]],
      rawBody: bodyOf(7 * MB),
    });
    expect(answer.status).toBe(401);
    expect(answer.json.error.code).toBe("unauthorized");
  });

  it("reach the function under 6 MB, which answers its own 1 MiB limit in the envelope", async () => {
    const answer = await postAccounts(5 * MB);
    expect(answer.status).toBe(413);
    expect(answer.json.error.code).toBe("payload_too_large");
  });

  it("over 10 MB never get past API Gateway's front: its plain-text 413", async () => {
    const answer = await call(local.url, "/api/v1/nowhere", { method: "POST", rawBody: bodyOf(10 * MB + 1) });
    expect(answer.status).toBe(413);
    expect(answer.text).toBe("HTTP content length exceeded 10485760 bytes.");
  });
});
