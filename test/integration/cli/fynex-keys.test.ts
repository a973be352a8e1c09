import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it, type MockInstance, vi } from "vitest";
import { PROJECT_ROOT, startLocal, withKey } from "../harness";
import { expectedSignature, parseAuthorization, type ReceivedRequest } from "./sigv4-check";

/**
 * The admin CLI as a user runs it: a child process, against a local runtime started here, over real
 * HTTP. `bin/fynex-keys.mjs` (what `npx fynex-keys` runs) hands `bin/fynex-keys.ts` to tsx, which
 * costs a child about 0.3 s of CPU before the CLI starts; the first test runs that shim, and the rest
 * run the same source bundled once by esbuild (what tsx compiles it to, without the loader), so
 * 40-odd children do not spend their time compiling.
 */
const SHIM = join(PROJECT_ROOT, "bin/fynex-keys.mjs");
let bundled = "";
const TOKEN = "cli-test-admin-token";
const KEY_PATTERN = /^fynex_k_[0-9A-Za-z]{49}$/;

let local: Awaited<ReturnType<typeof startLocal>>;
let consoleSpies: MockInstance[] = [];
let cleanUp: () => Promise<void> = async () => undefined;

beforeAll(async () => {
  const folder = await mkdtemp(join(tmpdir(), "fynex-cli-"));
  bundled = join(folder, "fynex-keys.mjs");
  await build({
    entryPoints: [join(PROJECT_ROOT, "bin/fynex-keys.ts")],
    outfile: bundled,
    bundle: true,
    platform: "node",
    format: "esm",
    // The CLI's CommonJS dependencies (the SDK's) call require, which an ES module has not.
    banner: {
      js: 'import { createRequire } from "node:module"; const require = createRequire(import.meta.url);',
    },
    logLevel: "warning",
  });
  cleanUp = () => rm(folder, { recursive: true, force: true });
  local = await startLocal({ adminToken: TOKEN });
  // The runtime runs in this process: everything it logs while the CLI works is seen here.
  consoleSpies = [vi.spyOn(console, "log"), vi.spyOn(console, "warn"), vi.spyOn(console, "error")];
});
afterAll(async () => {
  for (const spy of consoleSpies) spy.mockRestore();
  await local?.close();
  await cleanUp();
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Child processes at once: enough to overlap their start-up, few enough not to starve the runtime. */
const MAX_CHILDREN = 3;
let running = 0;
const waiting: (() => void)[] = [];

async function slot<T>(work: () => Promise<T>): Promise<T> {
  if (running >= MAX_CHILDREN) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await work();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/**
 * Runs the CLI with `args`, the local runtime's URL and token in its environment unless `env` says
 * otherwise; through the shim when `shim` is set, else its bundle.
 */
function cli(args: string[], env: Record<string, string | undefined> = {}, shim = false): Promise<Run> {
  const base: Record<string, string | undefined> = { ...process.env };
  for (const name of Object.keys(base)) if (/^(FYNEX_|AWS_)/.test(name)) delete base[name];
  const merged = { ...base, FYNEX_URL: local.url, FYNEX_ADMIN_TOKEN: TOKEN, ...env };
  const childEnv = Object.fromEntries(
    Object.entries(merged).filter(([, value]) => value !== undefined),
  ) as Record<string, string>;
  return slot(
    () =>
      new Promise<Run>((resolve) => {
        execFile(
          process.execPath,
          [shim ? SHIM : bundled, ...args],
          { env: childEnv, cwd: PROJECT_ROOT },
          (error, stdout, stderr) => {
            const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
            resolve({ code, stdout, stderr });
          },
        );
      }),
  );
}

const json = (run: Run) => JSON.parse(run.stdout);
const loggedByRuntime = () =>
  consoleSpies.flatMap((spy) => spy.mock.calls.map((args) => args.join(" "))).join("\n");

async function created(orgId: string, ...extra: string[]) {
  const run = await cli([
    "create",
    "--org",
    orgId,
    "--name",
    "CLI key",
    "--scope",
    "accounts:read",
    "--json",
    ...extra,
  ]);
  expect(run.code, run.stderr).toBe(0);
  return json(run) as { id: string; key: string; [field: string]: unknown };
}

// Each test has its own orgs, so the child processes run side by side.
describe.concurrent("fynex-keys", { timeout: 120_000 }, () => {
  it("prints its help with --help, exit code 0, and usage with exit code 2 when given nothing", async () => {
    const help = await cli(["--help"], {}, true);
    const none = await cli([], {}, true);

    expect(help.code).toBe(0);
    for (const command of ["create", "list", "get", "update", "revoke", "rotate", "audit", "policy"]) {
      expect(help.stdout).toMatch(new RegExp(`^  ${command} `, "m"));
    }
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("Usage: fynex-keys");
  });

  it("reads and sets the org's key policy: set changes the rules given, none and any clear them", async () => {
    // Act
    const before = await cli(["policy", "get", "--org", "cli-policy"]);
    const set = await cli([
      "policy",
      "set",
      "--org",
      "cli-policy",
      "--max-lifetime-days",
      "90",
      "--allowed-scope",
      "accounts:read",
      "--allowed-scope",
      "export",
      "--require-allowlist",
      "--rotate-after-days",
      "30",
      "--json",
    ]);
    const partly = await cli([
      "policy",
      "set",
      "--org",
      "cli-policy",
      "--rotate-after-days",
      "none",
      "--json",
    ]);
    const cleared = await cli([
      "policy",
      "set",
      "--org",
      "cli-policy",
      "--max-lifetime-days",
      "none",
      "--allowed-scope",
      "any",
      "--no-require-allowlist",
    ]);
    const allowedAgain = await cli(["create", "--org", "cli-policy", "--name", "k", "--scope", "import"]);

    // Assess
    expect(before.code).toBe(0);
    expect(before.stdout).toMatch(/^rotate after {2}90 days$/m);
    expect(before.stdout).toMatch(/^updated {7}never/m);
    expect(set.code, set.stderr).toBe(0);
    expect(json(set)).toMatchObject({
      maxLifetimeDays: 90,
      allowedScopes: ["accounts:read", "export"],
      requireAllowlist: true,
      rotateAfterDays: 30,
      updatedBy: "local-admin",
    });
    expect(json(partly)).toMatchObject({
      maxLifetimeDays: 90,
      requireAllowlist: true,
      rotateAfterDays: null,
    });
    expect(cleared.code).toBe(0);
    expect(cleared.stdout).toMatch(/^max lifetime {2}none$/m);
    expect(cleared.stdout).toMatch(/^scopes {8}any$/m);
    expect(cleared.stdout).toMatch(/^allowlist {5}optional$/m);
    expect(allowedAgain.code).toBe(0);
  });

  it("refuses a policy set with nothing to change or a bad number (exit 2), and the API's 400 (exit 1)", async () => {
    // Act
    const nothing = await cli(["policy", "set", "--org", "cli-policy-bad"]);
    const notNumber = await cli(["policy", "set", "--org", "cli-policy-bad", "--rotate-after-days", "soon"]);
    const stray = await cli(["policy", "get", "--org", "cli-policy-bad", "--require-allowlist"]);
    const outOfRange = await cli(["policy", "set", "--org", "cli-policy-bad", "--max-lifetime-days", "4000"]);
    const noAction = await cli(["policy", "--org", "cli-policy-bad"]);

    // Assess
    expect([nothing.code, notNumber.code, stray.code, noAction.code]).toEqual([2, 2, 2, 2]);
    expect(outOfRange.code).toBe(1);
    expect(outOfRange.stderr).toContain("maxLifetimeDays");
  });

  it("creates a key and prints it once, alone, on stdout; the details go to stderr", async () => {
    // Act
    const run = await cli([
      "create",
      "--org",
      "cli-acme",
      "--name",
      "Reporting",
      "--scope",
      "accounts:read,export",
    ]);

    // Assess
    expect(run.code, run.stderr).toBe(0);
    const key = run.stdout.trim();
    expect(run.stdout).toBe(`${key}\n`);
    expect(key).toMatch(KEY_PATTERN);
    expect(run.stderr).toMatch(/^id {10}key_/m);
    expect(run.stderr).toMatch(/^scopes {6}accounts:read, export$/m);
    expect(run.stderr).toMatch(/shown this once/);
    expect(run.stderr).not.toContain(key);
    expect((await withKey({ url: local.url } as never, key, "/api/v1/accounts")).status).toBe(200);
    expect(loggedByRuntime()).not.toContain(key);
  });

  it("answers the API's JSON with --json, the key included once", async () => {
    const run = await cli([
      "create",
      "--org",
      "cli-acme",
      "--name",
      "Limited",
      "--scope",
      "accounts:read",
      "--rate-limit",
      "5",
      "--allowed-ip",
      "10.0.0.0/8",
      "--expires-at",
      "2099-01-01",
      "--json",
    ]);

    expect(run.code, run.stderr).toBe(0);
    const body = json(run);
    expect(body).toMatchObject({
      orgId: "cli-acme",
      name: "Limited",
      rateLimit: { limit: 5 },
      allowedIps: ["10.0.0.0/8"],
      expiresAt: "2099-01-01T00:00:00.000Z",
    });
    expect(run.stdout.split(body.key)).toHaveLength(2);
    expect(run.stderr).toBe("");
  });

  it("lists, pages with --cursor, and walks every page with --all", async () => {
    // Prepare
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await created("cli-list")).id);

    // Act
    const table = await cli(["list", "--org", "cli-list"]);
    const page = await cli(["list", "--org", "cli-list", "--limit", "2", "--json"]);
    const firstPage = await cli(["list", "--org", "cli-list", "--limit", "2"]);
    const all = await cli(["list", "--org", "cli-list", "--limit", "1", "--all", "--json"]);

    // Assess
    expect(table.code).toBe(0);
    expect(table.stdout.split("\n")[0]).toMatch(/^ID\s+STATUS\s+NAME\s+SCOPES\s+CREATED\s+EXPIRES$/);
    for (const id of ids) expect(table.stdout).toContain(id);
    expect(json(page).items).toHaveLength(2);
    expect(json(page).nextCursor).toEqual(expect.any(String));
    expect(firstPage.stderr).toMatch(/--cursor \S+/);
    expect(
      json(all)
        .items.map((item: { id: string }) => item.id)
        .sort(),
    ).toEqual([...ids].sort());
    expect(json(all).nextCursor).toBeNull();
  });

  it("gets, updates and revokes a key", async () => {
    // Prepare
    const key = await created("cli-life");

    // Act
    const got = await cli(["get", "--org", "cli-life", key.id]);
    const updated = await cli([
      "update",
      "--org",
      "cli-life",
      key.id,
      "--name",
      "Renamed",
      "--scope",
      "accounts:read",
      "--scope",
      "contacts:read",
      "--rate-limit",
      "7",
      "--json",
    ]);
    const back = await cli([
      "update",
      "--org",
      "cli-life",
      key.id,
      "--rate-limit",
      "default",
      "--any-ip",
      "--json",
    ]);
    const revoked = await cli(["revoke", "--org", "cli-life", key.id]);

    // Assess
    expect(got.code).toBe(0);
    expect(got.stdout).toMatch(new RegExp(`^id {10}${key.id}$`, "m"));
    expect(got.stdout).toMatch(/^status {6}active$/m);
    expect(json(updated)).toMatchObject({
      name: "Renamed",
      scopes: ["accounts:read", "contacts:read"],
      rateLimit: { limit: 7 },
    });
    expect(json(back)).toMatchObject({ rateLimit: { limit: 100 }, allowedIps: null });
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(/^status {6}revoked$/m);
    expect((await withKey({ url: local.url } as never, key.key, "/api/v1/accounts")).status).toBe(401);
  });

  it("rotates with a grace period: the new key on stdout, the old one still working; a second rotation fails", async () => {
    // Prepare
    const old = await created("cli-rotate");

    // Act
    const rotated = await cli(["rotate", "--org", "cli-rotate", old.id, "--grace-period", "300"]);
    const again = await cli(["rotate", "--org", "cli-rotate", old.id]);

    // Assess
    expect(rotated.code, rotated.stderr).toBe(0);
    const fresh = rotated.stdout.trim();
    expect(fresh).toMatch(KEY_PATTERN);
    expect(rotated.stderr).toMatch(new RegExp(`^replaces {4}${old.id}$`, "m"));
    expect((await withKey({ url: local.url } as never, fresh, "/api/v1/accounts")).status).toBe(200);
    expect((await withKey({ url: local.url } as never, old.key, "/api/v1/accounts")).status).toBe(200);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^fynex-keys: .*already rotated.*\(409 conflict\)$/m);
  });

  it("shows the org's audit trail, newest first, with no key in it", async () => {
    const key = await created("cli-audit");
    await cli(["revoke", "--org", "cli-audit", key.id]);

    const table = await cli(["audit", "--org", "cli-audit"]);
    const all = await cli(["audit", "--org", "cli-audit", "--all", "--limit", "1", "--json"]);

    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout.split("\n")[0]).toMatch(/^AT\s+TYPE\s+KEY\s+ACTOR\s+CHANGES$/);
    expect(json(all).items.map((event: { type: string }) => event.type)).toEqual([
      "key.revoked",
      "key.created",
    ]);
    expect(table.stdout).toContain("local-admin");
    const other = await created("cli-audit");
    const oneKey = await cli(["audit", "--org", "cli-audit", "--key", other.id, "--json"]);
    expect(json(oneKey).items.map((event: { keyId: string }) => event.keyId)).toEqual([other.id]);
    expect(table.stdout + all.stdout).not.toContain(key.key);
  });

  describe("on errors", () => {
    it("exits 1 with the API's message and details, and prints the envelope with --json", async () => {
      const run = await cli(["create", "--org", "cli-err", "--name", "x", "--scope", "accounts:fly"]);
      const asJson = await cli([
        "create",
        "--org",
        "cli-err",
        "--name",
        "x",
        "--scope",
        "accounts:fly",
        "--json",
      ]);

      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^fynex-keys: The request is not valid\. \(400 validation_error\)$/m);
      expect(run.stderr).toMatch(/^ {2}scopes\[0\]: Unknown scope/m);
      expect(run.stdout).toBe("");
      expect(asJson.code).toBe(1);
      expect(json(asJson).error).toMatchObject({
        code: "validation_error",
        details: [{ path: "scopes[0]" }],
      });
    });

    it("exits 1 on a wrong admin token, and on a key that is not there", async () => {
      const wrong = await cli(["list", "--org", "cli-err", "--admin-token", "nope"]);
      const missing = await cli(["get", "--org", "cli-err", "key_0000000000000000000000"]);

      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toMatch(/\(401 unauthorized\)/);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/\(404 not_found\)/);
    });

    it("exits 1 when the API cannot be reached", async () => {
      const run = await cli(["list", "--org", "x", "--url", "http://127.0.0.1:1"]);

      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^fynex-keys: cannot reach http:\/\/127\.0\.0\.1:1/m);
    });

    it.each([
      [["create", "--org", "a", "--scope", "export"], /create needs --name/],
      [["get", "--org", "a"], /needs one key id/],
      [["update", "--org", "a", "key_x"], /needs something to change/],
      [["rotate", "--org", "a", "key_x", "--grace-period", "soon"], /whole number/],
      [["list", "--org", "a", "--grace-period", "5"], /list takes no --grace-period/],
      [["list", "--org", "a", "--bogus"], /Unknown option '--bogus'/],
      [["list", "--org", "a", "--admin-token", ""], /admin token/],
    ])("exits 2 on a wrong command line: %j", async (args, message) => {
      const run = await cli(args, {
        FYNEX_ADMIN_TOKEN: undefined,
        ...(args.includes("--admin-token") ? {} : { FYNEX_ADMIN_TOKEN: TOKEN }),
      });

      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(message);
    });
  });

  describe.sequential("against a deployed stage (SigV4)", () => {
    let server: Server;
    let url: string;
    const received: ReceivedRequest[] = [];

    beforeAll(async () => {
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (chunk: Buffer) => chunks.push(chunk));
        req.on("end", () => {
          received.push({
            method: req.method ?? "",
            url: req.url ?? "",
            headers: req.headers,
            body: Buffer.concat(chunks).toString(),
          });
          res.writeHead(200, { "Content-Type": "application/json" });
          res.end(JSON.stringify({ items: [], nextCursor: null }));
        });
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prod`;
    });
    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve));
    });

    const credentials = {
      AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
      AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
      AWS_SESSION_TOKEN: "session-token-example",
      AWS_REGION: "eu-west-1",
    };

    it("signs every call for execute-api with credentials from the standard chain, as SigV4 specifies", async () => {
      // Act
      const listed = await cli(["list", "--org", "acme", "--limit", "10", "--sigv4", "--json"], {
        ...credentials,
        FYNEX_URL: url,
        FYNEX_ADMIN_TOKEN: undefined,
      });
      await cli(
        ["update", "--org", "acme", "key_5u1a57vZeyw1x9yto1mqYA", "--name", "Signed body", "--sigv4"],
        {
          ...credentials,
          FYNEX_URL: url,
          FYNEX_ADMIN_TOKEN: undefined,
        },
      );

      // Assess
      expect(listed.code, listed.stderr).toBe(0);
      expect(received).toHaveLength(2);
      const [list, patch] = received as [ReceivedRequest, ReceivedRequest];
      expect(list.url).toBe("/prod/admin/v1/orgs/acme/api-keys?limit=10");
      expect(parseAuthorization(String(list.headers.authorization))).toMatchObject({
        accessKeyId: "AKIDEXAMPLE",
        region: "eu-west-1",
        service: "execute-api",
      });
      expect(list.headers["x-amz-security-token"]).toBe("session-token-example");
      expect(list.headers.authorization).toContain(
        `Signature=${expectedSignature(list, credentials.AWS_SECRET_ACCESS_KEY)}`,
      );
      expect(patch.method).toBe("PATCH");
      expect(parseAuthorization(String(patch.headers.authorization))?.signedHeaders).toContain(
        "content-type",
      );
      expect(patch.headers.authorization).toContain(
        `Signature=${expectedSignature(patch, credentials.AWS_SECRET_ACCESS_KEY)}`,
      );
      // The check is not vacuous: another body would not verify.
      expect(
        expectedSignature({ ...patch, body: '{"name":"Other"}' }, credentials.AWS_SECRET_ACCESS_KEY),
      ).not.toBe(parseAuthorization(String(patch.headers.authorization))?.signature);
      expect(list.headers).not.toHaveProperty("x-api-key");
    });

    it("exits 1 with the credential chain's message when there are no credentials", async () => {
      const run = await cli(["list", "--org", "acme", "--sigv4", "--region", "eu-west-1"], {
        FYNEX_URL: url,
        FYNEX_ADMIN_TOKEN: undefined,
        AWS_CONFIG_FILE: "/nonexistent",
        AWS_SHARED_CREDENTIALS_FILE: "/nonexistent",
        AWS_EC2_METADATA_DISABLED: "true",
      });

      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^fynex-keys: .*credential/im);
    });
  });
});
