import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateApiKey } from "../../lambdas/shared/api-keys/api-key";
import type { LocalRuntime } from "../../lib/local/runtime";
import { call, createKey, ManualClock, startLocal, withKey } from "./harness";
import { localTarget, remote } from "./target";

const WINDOW_START = Date.UTC(2026, 10, 26, 15, 0, 0);
const clock = new ManualClock(WINDOW_START + 1000);
let local: LocalRuntime;
let keysTableCalls = 0;

/** Counts every command the functions' DynamoDB client sends to the keys table (only the authorizer, here). */
function countKeysTableCalls(client: DynamoDBClient, keysTable: string) {
  client.middlewareStack.add(
    (next) => async (args) => {
      if ((args.input as { TableName?: string }).TableName === keysTable) keysTableCalls++;
      return next(args);
    },
    { step: "initialize", name: "countKeysTableCalls" },
  );
}

beforeAll(async () => {
  local = await startLocal({ clock: clock.now });
  countKeysTableCalls(local.deps.dynamo, local.deps.settings.keysTable);
});
afterAll(async () => {
  await local?.close();
});

async function callsFor(request: () => Promise<unknown>): Promise<number> {
  const before = keysTableCalls;
  await request();
  return keysTableCalls - before;
}

describe.skipIf(remote)(
  "DynamoDB calls the authorizer makes (DESIGN.md budget), over the real protocol",
  () => {
    it("makes one call per authorized request in the steady state, a fresh key's first included", async () => {
      const { key } = await createKey(localTarget(local), "acme", { scopes: ["accounts:read"] });
      for (let i = 0; i < 5; i++) {
        expect(await callsFor(() => withKey(localTarget(local), key, "/api/v1/accounts"))).toBe(1);
      }
    });

    it("makes two calls at a window rollover, then one again", async () => {
      const { key } = await createKey(localTarget(local), "acme", { scopes: ["accounts:read"] });
      await withKey(localTarget(local), key, "/api/v1/accounts");
      clock.set(WINDOW_START + 900_000 + 5);
      expect(await callsFor(() => withKey(localTarget(local), key, "/api/v1/accounts"))).toBe(2);
      expect(await callsFor(() => withKey(localTarget(local), key, "/api/v1/accounts"))).toBe(1);
    });

    it("makes two calls for a caller inside a key's allowlist (the list read first), one outside it (nothing written)", async () => {
      const admin = localTarget(local);
      const inside = await createKey(admin, "acme", { scopes: ["accounts:read"], allowedIps: ["127.0.0.1"] });
      const outside = await createKey(admin, "acme", {
        scopes: ["accounts:read"],
        allowedIps: ["10.0.0.0/8"],
      });
      expect(await callsFor(() => withKey(localTarget(local), inside.key, "/api/v1/accounts"))).toBe(2);
      expect(await callsFor(() => withKey(localTarget(local), outside.key, "/api/v1/accounts"))).toBe(1);
    });

    it("makes two calls at a window rollover of a key with an allowlist", async () => {
      const { key } = await createKey(localTarget(local), "acme", {
        scopes: ["accounts:read"],
        allowedIps: ["127.0.0.1"],
      });
      await withKey(localTarget(local), key, "/api/v1/accounts");
      clock.advance(900_000);
      expect(await callsFor(() => withKey(localTarget(local), key, "/api/v1/accounts"))).toBe(2);
    });

    it("makes one call for a well-formed unknown key, and none for a malformed one", async () => {
      expect(await callsFor(() => withKey(localTarget(local), generateApiKey(), "/api/v1/accounts"))).toBe(1);
      expect(await callsFor(() => withKey(localTarget(local), "fynex_k_nope", "/api/v1/accounts"))).toBe(0);
      const bad = generateApiKey();
      const badChecksum = `${bad.slice(0, -1)}${bad.endsWith("0") ? "1" : "0"}`;
      expect(await callsFor(() => withKey(localTarget(local), badChecksum, "/api/v1/accounts"))).toBe(0);
      expect(await callsFor(() => call(local.url, "/api/v1/accounts"))).toBe(0);
    });
  },
);
