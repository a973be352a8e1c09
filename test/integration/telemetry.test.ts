import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { METRIC } from "../../contract/metric-names";
import { call, PROJECT_ROOT } from "./harness";
import { remote } from "./target";

/**
 * `npm start`'s console, as an operator sees it: a scripted session against the real local runtime
 * (a child process, telemetry on, no Powertools dev mode), then every line it wrote is read.
 */
const ADMIN = "log-test-admin-token";
let child: ChildProcess;
let output = "";
let url = "";

beforeAll(async () => {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: "0",
    FYNEX_ADMIN_TOKEN: ADMIN,
    FYNEX_RATE_LIMIT: "3",
  };
  delete env.POWERTOOLS_DEV;
  child = spawn(process.execPath, [join(PROJECT_ROOT, "node_modules/tsx/dist/cli.mjs"), "bin/local.ts"], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  url = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`local runtime exited (${code}): ${output}`)));
    const poll = setInterval(() => {
      const found = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      if (found) {
        clearInterval(poll);
        resolve(found);
      }
    }, 20);
  });
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }
});

const admin = (method: string, path: string, body?: unknown) =>
  call(url, path, { method, headers: [["Authorization", `Bearer ${ADMIN}`]], body });

describe.skipIf(remote)("npm start's banner", () => {
  it("prints the page's address, on an origin of its own that the API's old address redirects to", async () => {
    const page = /Settings > Integrations: (http:\/\/\S+)/.exec(output)?.[1] ?? "";
    expect(new URL(page).pathname).toBe("/settings/integrations");
    expect(new URL(page).origin).not.toBe(new URL(url).origin);
    const served = await call(new URL(page).origin, "/settings/integrations");
    expect(served.status).toBe(200);
    expect(served.headers["content-type"]).toMatch(/^text\/html/);
    expect((await call(url, "/settings/integrations")).headers.location).toBe(page);
  });
});

describe.skipIf(remote)("the local runtime's logs", () => {
  it("are JSON lines with request id, org, key id, route and outcome, and never hold a key", async () => {
    // Prepare: a session that walks the README: create, use, 403, 429, revoke, 401.
    const created = await admin("POST", "/admin/v1/orgs/acme/api-keys", {
      name: "logs",
      scopes: ["accounts:read"],
    });
    const { key, id } = created.json as { key: string; id: string };
    const withKey = (method: string, path: string, body?: unknown) =>
      call(url, path, { method, headers: [["X-API-Key", key]], body });
    expect((await withKey("GET", "/api/v1/accounts")).status).toBe(200);
    expect((await withKey("POST", "/api/v1/accounts", { name: "X", currency: "EUR" })).status).toBe(403);
    await withKey("GET", "/api/v1/accounts");
    expect((await withKey("GET", "/api/v1/accounts")).status).toBe(429);
    await admin("POST", `/admin/v1/orgs/acme/api-keys/${id}/revoke`);
    expect((await withKey("GET", "/api/v1/accounts")).status).toBe(401);
    const requestLine = (status: number) =>
      output.split("\n").some((line) => line.includes(`"status":${status}`));
    await expect.poll(() => requestLine(429), { timeout: 10_000 }).toBe(true);

    // Assess
    expect(output).not.toContain(key);
    const lines = output.split("\n").filter((line) => line.startsWith("{"));
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const requests = records.filter((record) => record.message === "request");
    expect(requests.map((r) => [r.route, r.status, r.outcome])).toEqual(
      expect.arrayContaining([
        ["POST /admin/v1/orgs/{orgId}/api-keys", 201, "ok"],
        ["GET /api/v1/accounts", 200, "ok"],
        ["POST /api/v1/accounts", 403, "insufficient_scope"],
        ["GET /api/v1/accounts", 429, "rate_limited"],
      ]),
    );
    for (const request of requests.filter((r) => String(r.route).startsWith("GET /api/"))) {
      expect(request).toMatchObject({
        level: "INFO",
        orgId: "acme",
        keyId: id,
        requestId: expect.any(String),
      });
      expect(request.durationMs).toEqual(expect.any(Number));
    }
    const decisions = records.filter((record) => record.message === "authorizer decision");
    expect(decisions.map((d) => d.outcome)).toEqual(expect.arrayContaining(["valid", "throttled"]));
    expect(decisions.filter((d) => d.outcome === "valid").every((d) => d.keyId === id)).toBe(true);
    // The 401 after the revoke: dynalite cannot say why a condition failed, so locally it is "unknown".
    expect(decisions.at(-1)?.outcome).toMatch(/^(revoked|unknown)$/);
    const emf = records.filter((record) => record._aws !== undefined);
    expect(emf.some((record) => METRIC.latency in record)).toBe(true);
    // The alarms read RateLimited across routes: some record must carry it without a route.
    expect(emf.some((record) => record[METRIC.rateLimited] === 1 && record.route === undefined)).toBe(true);
    expect(emf.some((record) => METRIC.authorizerDecisions in record)).toBe(true);
  });
});
