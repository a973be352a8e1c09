import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalRuntime } from "../../lib/local/runtime";
import { admin, startLocal, withKey } from "./harness";
import { localTarget, remote } from "./target";

/**
 * Allowlists against callers the local front sees over a dual-stack socket: an IPv4 client of a
 * server bound to `::` arrives as `::ffff:127.0.0.1` (matched in its IPv4 form), an IPv6 client as
 * `::1`. Its own file: the local runtime is one per process.
 */
async function dualStack(): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(0, "::", () => server.close(() => resolve(true)));
  });
}

const available = !remote && (await dualStack());
let local: LocalRuntime;

beforeAll(async () => {
  if (available) local = await startLocal({ host: "::" });
});
afterAll(async () => {
  await local?.close();
});

describe.skipIf(!available)("allowlists on a dual-stack front", () => {
  /** The runtime reached over IPv4 (127.0.0.1) or IPv6 (::1); it listens on both. */
  const via = (host: string) => ({ ...localTarget(local), url: local.url.replace("[::]", host) });

  async function keyFor(allowedIps: string[]) {
    const reply = await admin(via("127.0.0.1"), "POST", "/admin/v1/orgs/dual/api-keys", {
      name: "dual stack",
      scopes: ["accounts:read"],
      allowedIps,
    });
    if (reply.status !== 201) throw new Error(`create key failed: ${reply.status} ${reply.text}`);
    return reply.json.key as string;
  }

  it("matches an IPv4 client arriving as ::ffff:127.0.0.1 against IPv4 entries, not IPv6 ones", async () => {
    const ipv4 = await keyFor(["127.0.0.1"]);
    const ipv6 = await keyFor(["::1"]);
    const target = via("127.0.0.1");

    expect((await withKey(target, ipv4, "/api/v1/accounts")).status).toBe(200);
    const refused = await withKey(target, ipv6, "/api/v1/accounts");
    expect(refused.status).toBe(403);
    expect(refused.json.error.code).toBe("ip_not_allowed");
  });

  it("matches an IPv6 client against IPv6 entries, not IPv4 ones", async () => {
    const ipv4 = await keyFor(["127.0.0.0/8"]);
    const ipv6 = await keyFor(["::1/128"]);
    const target = via("[::1]");

    expect((await withKey(target, ipv6, "/api/v1/accounts")).status).toBe(200);
    expect((await withKey(target, ipv4, "/api/v1/accounts")).status).toBe(403);
  });
});
