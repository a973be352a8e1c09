import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalRuntime } from "../../lib/local/runtime";
import { call, createKey, startLocal, useTarget } from "./harness";
import { localTarget, remote, type Target } from "./target";

/** Everything a server answers to `request` sent as raw bytes, until it closes the connection. */
function rawExchange(baseUrl: string, request: string): Promise<string> {
  const url = new URL(baseUrl);
  return new Promise((resolvePromise, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.end(request));
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("close", () => resolvePromise(Buffer.concat(chunks).toString("utf8")));
    socket.on("error", reject);
  });
}

const MB = 1024 * 1024;

/** `POST /api/v1/accounts` with a live key and a JSON-typed body of `size` bytes, whatever they are. */
async function postAccounts(target: Target, size: number) {
  const { key } = await createKey(target, "bodies", { scopes: ["accounts:write"] });
  return call(target.url, "/api/v1/accounts", {
    method: "POST",
    headers: [
      ["X-API-Key", key],
      ["Content-Type", "application/json"],
    ],
    rawBody: Buffer.alloc(size, "x"),
  });
}

describe.skipIf(remote)("the local gateway's own answers, as the deployed gateway responses", () => {
  let local: LocalRuntime;
  beforeAll(async () => {
    local = await startLocal();
  });
  afterAll(async () => {
    await local?.close();
  });

  it("let the console's page read a 401 for a missing or dead ID token", async () => {
    const answer = await call(local.url, "/console/v1/api-keys", {
      headers: [["Authorization", "Bearer expired"]],
    });
    expect(answer.status).toBe(401);
    expect(answer.json.error.code).toBe("unauthorized");
    expect(answer.headers["access-control-allow-origin"]).toBe(local.consoleOrigin);
    expect(answer.headers.vary).toBe("Origin");
  });

  it("name the console's origin on the API-key 401 too, one definition for every gateway answer", async () => {
    const answer = await call(local.url, "/api/v1/accounts");
    expect(answer.status).toBe(401);
    expect(answer.headers["access-control-allow-origin"]).toBe(local.consoleOrigin);
    expect(answer.headers["content-type"]).toBe("application/json");
  });

  it("name it on the answer to a request that is not valid HTTP too", async () => {
    const reply = await rawExchange(
      local.url,
      "GET /api/v1/accounts HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
    );
    expect(reply).toMatch(/^HTTP\/1\.1 400 /);
    expect(reply).toContain(`\r\nAccess-Control-Allow-Origin: ${local.consoleOrigin}\r\n`);
  });

  it("leave API Gateway's own 413 as it is: no CORS header, which it cannot be given deployed", async () => {
    const answer = await postAccounts(localTarget(local), 7 * MB);
    expect(answer.status).toBe(413);
    expect(answer.headers["access-control-allow-origin"]).toBeUndefined();
  });
});

/**
 * Bodies between Lambda's 6 MB and API Gateway's 10 MB (API.md §4), locally and, with `npm run smoke`,
 * on a deployed stage: the local answers are taken from what stages answer, and a stage proves them.
 */
describe("bodies by size", () => {
  const target = useTarget();

  it("over Lambda's 6 MB payload: API Gateway's own 413, after the authorizer", async () => {
    const answer = await postAccounts(target, 7 * MB);
    expect(answer.status).toBe(413);
    expect(answer.headers["content-type"]).toBe("application/json");
    expect(answer.text).toBe('{"message": "Request Too Long"}');
    expect(answer.headers["x-amzn-errortype"]).toBe("BadRequestException");
    expect(answer.headers["x-amzn-requestid"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(answer.headers["x-request-id"]).toBeUndefined();
  });

  it("over 6 MB without a key: the authorizer's 401 in the envelope comes first", async () => {
    const answer = await call(target.url, "/api/v1/accounts", {
      method: "POST",
      headers: [["Content-Type", "application/json"]],
      rawBody: Buffer.alloc(7 * MB, "x"),
    });
    expect(answer.status).toBe(401);
    expect(answer.json.error.code).toBe("unauthorized");
  });

  it("under 6 MB: the function answers its own 1 MiB limit in the envelope", async () => {
    const answer = await postAccounts(target, 5 * MB);
    expect(answer.status).toBe(413);
    expect(answer.json.error.code).toBe("payload_too_large");
  });

  it("over 10 MB: API Gateway's plain-text 413, before anything runs", async () => {
    const answer = await call(target.url, "/api/v1/nowhere", {
      method: "POST",
      rawBody: Buffer.alloc(10 * MB + 1, "x"),
    });
    expect(answer.status).toBe(413);
    expect(answer.text).toBe("HTTP content length exceeded 10485760 bytes.");
  });
});
