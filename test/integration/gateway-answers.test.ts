import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalRuntime } from "../../lib/local/runtime";
import { call, startLocal } from "./harness";
import { remote } from "./target";

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
