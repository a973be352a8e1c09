import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKey, startLocal, withKey } from "./harness";
import type { Target } from "./target";
import { localTarget, remote } from "./target";

/**
 * `FYNEX_WEBHOOKS_ALLOW_LOOPBACK=1` (API.md §9): the local runtime alone may let subscriptions name
 * loopback, over http too, so deliveries can be tested on one machine. Its own runtime, started with
 * the setting as `bin/local.ts` passes it; nothing else inside is let through.
 */
let target: Target & { close(): Promise<void> };

beforeAll(async () => {
  if (remote) return;
  const local = await startLocal({ webhooksAllowLoopback: true });
  target = { ...localTarget(local), close: () => local.close() };
});
afterAll(async () => {
  await target?.close();
});

describe.skipIf(remote)("webhook URLs with FYNEX_WEBHOOKS_ALLOW_LOOPBACK=1", () => {
  const events = ["account.created"];

  it("accepts http and https on loopback addresses and localhost", async () => {
    const { key } = await createKey(target, "loopback", { scopes: ["webhooks:manage"] });
    for (const url of [
      "http://127.0.0.1:9000/hook",
      "http://localhost:9000/hook",
      "https://127.0.0.1/hook",
      "http://[::1]:9000/hook",
      "http://2130706433:9000/hook",
    ]) {
      const reply = await withKey(target, key, "/api/v1/webhooks", { method: "POST", body: { url, events } });
      expect(reply.status, `${url}: ${reply.text}`).toBe(201);
    }
  });

  it("still refuses http elsewhere, and every other inside address", async () => {
    const { key } = await createKey(target, "loopback", { scopes: ["webhooks:manage"] });
    for (const url of [
      "http://hooks.example.com/",
      "http://8.8.8.8/",
      "https://10.0.0.1/",
      "https://169.254.169.254/",
      "https://[fd00::1]/",
      "https://0.0.0.0/",
    ]) {
      const reply = await withKey(target, key, "/api/v1/webhooks", { method: "POST", body: { url, events } });
      expect(reply.status, url).toBe(400);
      expect(reply.json.error.details[0].path).toBe("url");
    }
  });
});
