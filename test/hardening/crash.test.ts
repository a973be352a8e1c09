import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, PROJECT_ROOT, type Reply } from "../integration/harness";
import { remote } from "../integration/target";

/**
 * `npm start` with a data dir, killed with SIGKILL in the middle of an import: no chance to flush or
 * close anything. Restarted on the same dir, every row of every import whose answer had arrived must
 * be there. The runtime runs as `node --import tsx bin/local.ts`, one process, so SIGKILL reaches the
 * process that holds the store (tsx's CLI would run it in a child the signal never reaches).
 */
const ADMIN = "crash-test-admin-token";
let dataDir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "fynex-crash-"));
});
afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await Promise.all(
    children.map((child) =>
      child.exitCode === null && child.signalCode === null
        ? new Promise((resolve) => child.once("exit", resolve))
        : undefined,
    ),
  );
  await rm(dataDir, { recursive: true, force: true });
});

/** Starts `bin/local.ts` on the data dir; resolves with its URL once it says it listens. */
async function startRuntime(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "bin/local.ts"], {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      PORT: "0",
      FYNEX_DATA_DIR: dataDir,
      FYNEX_ADMIN_TOKEN: ADMIN,
      FYNEX_TELEMETRY: "0",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const found = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      if (found) resolve(found);
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code, signal) =>
      reject(new Error(`local runtime exited (${code ?? signal}): ${output}`)),
    );
  });
  return { child, url };
}

function killHard(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

const rows = (tag: string, count: number) =>
  Array.from({ length: count }, (_, index) => ({ name: `${tag}-${index}`, currency: "EUR" }));

/** The rows an import's answer says it created, as `{id, name}`. */
function created(reply: Reply, sent: { name: string }[]): { id: string; name: string }[] {
  expect(reply.status, reply.text).toBe(200);
  expect(reply.json.summary.failed).toBe(0);
  return (reply.json.results as { index: number; status: string; id: string }[]).map((result) => ({
    id: result.id,
    name: (sent[result.index] as { name: string }).name,
  }));
}

describe.skipIf(remote)("a crash of the local runtime in the middle of an import", () => {
  it("loses no row of an import that was answered", async () => {
    // Prepare: a key, then two imports answered (JSON and CSV): their rows are acknowledged.
    const first = await startRuntime();
    const createdKey = await call(first.url, "/admin/v1/orgs/crash/api-keys", {
      method: "POST",
      headers: [["Authorization", `Bearer ${ADMIN}`]],
      body: { name: "importer", scopes: ["import", "export"], rateLimit: { limit: 10_000 } },
    });
    const key = createdKey.json.key as string;
    const withKey = (url: string, path: string, options: Parameters<typeof call>[2] = {}) =>
      call(url, path, { ...options, headers: [["X-API-Key", key], ...(options.headers ?? [])] });
    const exported = async (url: string) => {
      const reply = await withKey(url, "/api/v1/export/accounts");
      expect(reply.status, reply.text).toBe(200);
      return (reply.json as { id: string; name: string }[]).map(({ id, name }) => ({ id, name }));
    };

    const jsonRows = rows("json", 150);
    const acknowledged = created(
      await withKey(first.url, "/api/v1/import/accounts", { method: "POST", body: { accounts: jsonRows } }),
      jsonRows,
    );
    const csvRows = rows("csv", 150);
    acknowledged.push(
      ...created(
        await withKey(first.url, "/api/v1/import/accounts", {
          method: "POST",
          headers: [["Content-Type", "text/csv"]],
          rawBody: `name,currency\r\n${csvRows.map((row) => `${row.name},${row.currency}`).join("\r\n")}\r\n`,
        }),
        csvRows,
      ),
    );

    // Act: a 1000-row import; once some of its rows are stored (it is in flight), SIGKILL.
    const bigRows = rows("big", 1000);
    let bigAnswer: Reply | undefined;
    const big = withKey(first.url, "/api/v1/import/accounts", { method: "POST", body: { accounts: bigRows } })
      .then((reply) => {
        bigAnswer = reply;
      })
      .catch(() => undefined); // the connection dies with the process
    while (bigAnswer === undefined && (await exported(first.url)).length <= acknowledged.length) {
      // Polling the export is the wait: each round trip lets the import go on.
    }
    await killHard(first.child);
    await big;

    // Assess: on the same dir, every answered row is there as answered; the store opens and serves.
    if (bigAnswer) acknowledged.push(...created(bigAnswer, bigRows));
    const second = await startRuntime();
    const stored = await exported(second.url);
    const byId = new Map(stored.map((account) => [account.id, account.name]));
    const missing = acknowledged.filter((row) => byId.get(row.id) !== row.name);
    expect(missing).toEqual([]);
    expect(acknowledged.length).toBeGreaterThanOrEqual(300);
    // The rows of the killed import that did land are whole accounts of that import, nothing else.
    const extra = stored.filter((account) => !acknowledged.some((row) => row.id === account.id));
    expect(extra.every((account) => /^big-\d+$/.test(account.name))).toBe(true);
    await killHard(second.child);
  }, 120_000);
});
