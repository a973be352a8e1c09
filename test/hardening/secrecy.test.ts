import { generateKeyPairSync, sign } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { format } from "node:util";
import { type AttributeValue, ListTablesCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { SCOPES } from "../../contract/scopes";
import { generateApiKey } from "../../lambdas/shared/api-keys/api-key";
import { admin, adminCall, call, type Reply, startLocal, withKey } from "../integration/harness";
import { localTarget, remote, type Target } from "../integration/target";

/**
 * After a scripted session that walks every way a key is made, used, misused, rotated, revoked and
 * reported, no full key and no key's random part may be anywhere the service keeps or writes things:
 * the three tables (scanned through the runtime's own DynamoDB client), the data dir's files (raw
 * bytes) and every log line (telemetry on, stdout, stderr and the console captured). Only its
 * create or rotate answer ever carried it.
 */
const TRUSTED_ID = "secrecy-test-key";
const scanning = generateKeyPairSync("ec", { namedCurve: "P-256" });
const MARKER = `secrecy-marker-${Date.now()}`;

let dataDir: string;
let local: Awaited<ReturnType<typeof startLocal>>;
let target: Target;
const written: string[] = [];
const answers: { path: string; text: string; headers: string }[] = [];
const keys: string[] = [];
const restore: (() => void)[] = [];

/** Keeps everything the process writes, and still lets it through (vitest shows it on failure). */
function capture() {
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream);
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      written.push(Buffer.isBuffer(chunk) ? chunk.toString("utf8") : String(chunk));
      return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
    restore.push(() => {
      stream.write = original as typeof stream.write;
    });
  }
  for (const method of ["log", "info", "warn", "error", "debug"] as const) {
    const spy = vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      written.push(format(...args));
    });
    restore.push(() => spy.mockRestore());
  }
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "fynex-secrecy-"));
  capture();
  local = await startLocal({
    dataDir,
    telemetry: true,
    rateLimit: 5,
    secretScanningKeys: {
      [TRUSTED_ID]: scanning.publicKey.export({ type: "spki", format: "pem" }).toString(),
    },
  });
  target = localTarget(local);
});
afterAll(async () => {
  for (const undo of restore.reverse()) undo();
  await local?.close().catch(() => undefined);
  await rm(dataDir, { recursive: true, force: true });
});

/** Remembers every answer, to check no key comes back where it should not. */
function seen(path: string, reply: Reply): Reply {
  answers.push({ path, text: reply.text, headers: JSON.stringify(reply.headers) });
  return reply;
}
const adminAs = async (method: string, path: string, body?: unknown) =>
  seen(path, await admin(target, method, path, body));
const api = async (key: string, path: string, options: Parameters<typeof withKey>[3] = {}) =>
  seen(path, await withKey(target, key, path, options));

/** What of a key must never be kept: all of it, what follows the prefix, and its 43 random digits. */
function secretParts(key: string): string[] {
  return [key, key.slice(8), key.slice(8, 51)];
}

/** Every 16-character window of the random part: found even if storage compression split the whole. */
function windows(key: string): string[] {
  const random = key.slice(8, 51);
  return Array.from({ length: random.length - 15 }, (_, i) => random.slice(i, i + 16));
}

function stringsOf(value: AttributeValue): string[] {
  if (value.S !== undefined) return [value.S];
  if (value.N !== undefined) return [value.N];
  if (value.B !== undefined) {
    const bytes = Buffer.from(value.B);
    return [bytes.toString("latin1"), bytes.toString("hex"), bytes.toString("base64")];
  }
  if (value.SS) return value.SS;
  if (value.NS) return value.NS;
  if (value.BS) return value.BS.map((bytes) => Buffer.from(bytes).toString("latin1"));
  if (value.L) return value.L.flatMap(stringsOf);
  if (value.M) return Object.entries(value.M).flatMap(([name, inner]) => [name, ...stringsOf(inner)]);
  return [];
}

/** Every attribute name and value of every item of every table, through the functions' own client. */
async function tableText(): Promise<{ table: string; text: string }[]> {
  const { dynamo } = local.deps;
  const { TableNames = [] } = await dynamo.send(new ListTablesCommand({}));
  const out: { table: string; text: string }[] = [];
  for (const table of TableNames) {
    let start: Record<string, AttributeValue> | undefined;
    const parts: string[] = [];
    do {
      const page = await dynamo.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
      for (const item of page.Items ?? []) {
        parts.push(...Object.entries(item).flatMap(([name, value]) => [name, ...stringsOf(value)]));
      }
      start = page.LastEvaluatedKey;
    } while (start);
    out.push({ table, text: parts.join("\n") });
  }
  return out;
}

async function filesUnder(dir: string): Promise<{ path: string; bytes: Buffer }[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return Promise.all(
    entries
      .filter((entry) => entry.isFile())
      .map(async (entry) => {
        const path = join(entry.parentPath, entry.name);
        return { path, bytes: await readFile(path) };
      }),
  );
}

/** A report as GitHub signs it: ECDSA P-256 over SHA-256 of the raw body, DER, base64. */
function leakReport(tokens: string[]) {
  const body = JSON.stringify(
    tokens.map((token) => ({
      token,
      type: "fynex_api_key",
      url: "https://github.com/o/r/blob/1/.env",
      source: "content",
    })),
  );
  const signature = sign("sha256", Buffer.from(body), {
    key: scanning.privateKey,
    dsaEncoding: "der",
  }).toString("base64");
  return call(local.url, "/security/v1/secret-scanning", {
    method: "POST",
    headers: [
      ["Content-Type", "application/json"],
      ["Github-Public-Key-Identifier", TRUSTED_ID],
      ["Github-Public-Key-Signature", signature],
    ],
    rawBody: body,
  });
}

describe.skipIf(remote)("no key is kept or written anywhere", () => {
  it("after a session that makes, uses, misuses, rotates, revokes and reports keys", async () => {
    // Prepare & Act: the session.
    const org = "/admin/v1/orgs/secrecy/api-keys";
    const make = async (body: Record<string, unknown>, idempotencyKey?: string) => {
      const reply = seen(
        org,
        await adminCall(target, org, {
          method: "POST",
          body: { name: "secrecy", ...body },
          headers: idempotencyKey ? [["Idempotency-Key", idempotencyKey]] : [],
        }),
      );
      expect(reply.status, reply.text).toBe(201);
      keys.push(reply.json.key);
      return reply.json as { id: string; key: string };
    };
    const main = await make({ scopes: [...SCOPES], rateLimit: { limit: 1000 } }, "secrecy-create-1");
    const fenced = await make({ scopes: ["accounts:read"], allowedIps: ["203.0.113.0/24"] });
    const small = await make({ scopes: ["accounts:read"], expiresAt: "2999-01-01" });
    const leaked = await make({ scopes: ["accounts:read"] });

    // A replayed create answers the first key's id, never a key.
    const replay = seen(
      org,
      await adminCall(target, org, {
        method: "POST",
        body: { name: "again", scopes: ["export"] },
        headers: [["Idempotency-Key", "secrecy-create-1"]],
      }),
    );
    expect(replay.status).toBe(409);

    // Business use: writes of every kind, with a marker to prove the scans can see what is stored.
    const account = await api(main.key, "/api/v1/accounts", {
      method: "POST",
      body: { name: MARKER, currency: "EUR", externalRef: "secrecy-1" },
    });
    expect(account.status).toBe(201);
    const accountId = account.json.id;
    expect(
      (
        await api(main.key, `/api/v1/accounts/${accountId}/payments`, {
          method: "POST",
          headers: [["Idempotency-Key", "pay-1"]],
          body: { amount: 100, currency: "EUR" },
        })
      ).status,
    ).toBe(201);
    expect(
      (await api(main.key, "/api/v1/contacts", { method: "POST", body: { accountId, name: "Ana" } })).status,
    ).toBe(201);
    expect(
      (
        await api(main.key, "/api/v1/import/accounts", {
          method: "POST",
          headers: [["Content-Type", "text/csv"]],
          rawBody: "name,currency\r\nImported,EUR\r\n",
        })
      ).status,
    ).toBe(200);
    const webhook = await api(main.key, "/api/v1/webhooks", {
      method: "POST",
      body: { url: "https://hooks.example.com/fynex", events: ["account.created"] },
    });
    expect(webhook.status).toBe(201);
    for (const path of [
      "/api/v1/accounts",
      "/api/v1/contacts",
      "/api/v1/export/accounts?format=csv",
      "/api/v1/webhooks",
    ]) {
      expect((await api(main.key, path)).status).toBe(200);
    }

    // Misuse: the key where it does not belong, in bodies, queries, paths and other headers.
    for (const [path, options] of [
      ["/api/v1/accounts", { method: "POST", body: { name: main.key, currency: "XXX" } }],
      ["/api/v1/accounts", { method: "POST", body: { name: "x", currency: "EUR", apiKey: main.key } }],
      [`/api/v1/accounts?cursor=${main.key}`, {}],
      [`/api/v1/accounts?key=${main.key}`, {}],
      [`/api/v1/accounts/${main.key}`, {}],
      [
        "/api/v1/accounts",
        { method: "POST", rawBody: main.key, headers: [["Content-Type", "application/json"]] },
      ],
    ] as [string, Parameters<typeof withKey>[3]][]) {
      const reply = await api(main.key, path, options);
      expect(reply.status, `${path}: ${reply.text}`).toBeGreaterThanOrEqual(400);
    }
    expect((await adminAs("GET", `${org}/${main.key}`)).status).toBe(404);
    expect(
      seen(
        "bearer",
        await call(local.url, "/api/v1/accounts", { headers: [["Authorization", `Bearer ${main.key}`]] }),
      ).status,
    ).toBe(401);
    const mistyped = `${main.key.slice(0, 30)}${main.key[30] === "a" ? "b" : "a"}${main.key.slice(31)}`;
    expect((await api(mistyped, "/api/v1/accounts")).status).toBe(401);
    expect((await api(`${main.key}x`, "/api/v1/accounts")).status).toBe(401);
    expect((await api(generateApiKey(), "/api/v1/accounts")).status).toBe(401);
    expect(
      seen(
        "two keys",
        await call(local.url, "/api/v1/accounts", {
          headers: [
            ["X-API-Key", main.key],
            ["X-API-Key", leaked.key],
          ],
        }),
      ).status,
    ).toBe(401);

    // Refusals of live keys: outside the allowlist, over the limit, lacking the scope.
    expect((await api(fenced.key, "/api/v1/accounts")).status).toBe(403);
    for (let i = 0; i < 5; i++) await api(small.key, "/api/v1/accounts");
    expect((await api(small.key, "/api/v1/accounts")).status).toBe(429);
    expect((await api(small.key, "/api/v1/contacts")).status).toBe(429);

    // Rotation with grace, then without; revocation; a leak report of a live, a revoked and an unknown key.
    const rotated = seen(
      org,
      await admin(target, "POST", `${org}/${main.id}/rotate`, { gracePeriodSeconds: 600 }),
    );
    expect(rotated.status).toBe(201);
    keys.push(rotated.json.key);
    expect((await api(rotated.json.key, "/api/v1/accounts")).status).toBe(200);
    const again = seen(org, await admin(target, "POST", `${org}/${rotated.json.id}/rotate`));
    expect(again.status).toBe(201);
    keys.push(again.json.key);
    expect((await api(rotated.json.key, "/api/v1/accounts")).status).toBe(401);
    expect((await adminAs("POST", `${org}/${fenced.id}/revoke`)).status).toBe(200);
    expect((await api(fenced.key, "/api/v1/accounts")).status).toBe(401);
    const unknown = generateApiKey();
    keys.push(unknown);
    const report = seen("report", await leakReport([leaked.key, fenced.key, unknown]));
    expect(report.status, report.text).toBe(200);
    expect(report.json.map((label: { label: string }) => label.label)).toEqual([
      "true_positive",
      "true_positive",
      "false_positive",
    ]);
    expect((await api(leaked.key, "/api/v1/accounts")).status).toBe(401);
    for (const path of [org, "/admin/v1/orgs/secrecy/audit-events?limit=100", `${org}/${leaked.id}`]) {
      expect((await adminAs("GET", path)).status).toBe(200);
    }

    // Assess: the tables.
    const tables = await tableText();
    // Every table the runtime has: keys, data and audit, and any other one added since.
    expect(tables.map(({ table }) => table)).toEqual(
      expect.arrayContaining(["fynex-local-audit", "fynex-local-data", "fynex-local-keys"]),
    );
    const everything = tables.map(({ text }) => text).join("\n");
    expect(everything).toContain(MARKER); // the scan sees what is stored
    expect(everything).toContain(webhook.json.secret); // a stored secret is found, so a key would be
    for (const key of keys) {
      for (const { table, text } of tables) {
        for (const part of secretParts(key))
          expect(text.includes(part), `${table} holds ${part}`).toBe(false);
      }
    }

    // The logs: telemetry was on and wrote request lines with key ids, never a key.
    const logs = written.join("\n");
    expect(logs).toMatch(/"message": ?"request"/);
    expect(logs).toContain(main.id);
    expect(logs).toContain("authorizer decision");
    for (const key of [...keys, mistyped]) {
      for (const part of [...secretParts(key), ...windows(key)])
        expect(logs.includes(part), `a log holds ${part}`).toBe(false);
    }

    // The answers: a key only ever in its own create or rotate answer.
    for (const key of keys) {
      const carrying = answers.filter(
        (answer) => answer.text.includes(key.slice(8, 51)) || answer.headers.includes(key.slice(8, 51)),
      );
      expect(carrying.length, `answers carrying ${key}`).toBeLessThanOrEqual(1);
      if (carrying[0]) expect(carrying[0].path).toBe(org);
    }

    // The data dir, byte for byte, once the store is closed.
    await local.close();
    const files = await filesUnder(dataDir);
    expect(files.length).toBeGreaterThan(0);
    expect(files.some(({ bytes }) => bytes.includes(MARKER))).toBe(true);
    // A stored secret is found in the raw bytes, as a key would be.
    expect(files.some(({ bytes }) => bytes.includes(webhook.json.secret))).toBe(true);
    for (const key of keys) {
      for (const { path, bytes } of files) {
        for (const part of [...secretParts(key), ...windows(key)]) {
          expect(bytes.includes(part), `${path} holds ${part}`).toBe(false);
        }
      }
    }
  }, 60_000);
});
