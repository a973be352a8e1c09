import { AsyncLocalStorage } from "node:async_hooks";
import { writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type AttributeValue, GetItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { generateApiKey } from "../lambdas/shared/api-keys/api-key";
import { SUMMARY_SORT_KEY } from "../lambdas/shared/api-keys/usage-summary";
import { startLocalRuntime } from "../lib/local/runtime";
import { measureAuthorizerCpu, measureAuthorizerDuration } from "./authorizer-cpu";
import { measureColdStart } from "./cold-start";
import { CONSOLE_BUDGETS, measureConsolePage } from "./console-page";
import { measureFunctionLoads } from "./function-loads";
import { measureGranularity } from "./granularity";
import { measuringCore } from "./node-process";
import { instrument, measurePipeline } from "./pipeline";
import { type BenchReport, renderReport } from "./report";
import { measureSourceMaps } from "./source-maps";
import { round } from "./stats";

/**
 * `npm run bench`: every budget of DESIGN.md "Measured budgets", measured in one run on this machine,
 * each against a floor measured in the same run. Writes docs/PERFORMANCE.md; the last line printed is
 * one JSON object. Benchmarks are not tests: nothing here fails on a slow machine, it reports.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CONCURRENCY = 8;
const REQUESTS = 1500;
const COLD_RUNS = 11;
/** Interleaved rounds of loading every function's bundle (and of the per-domain comparison). */
const LOAD_RUNS = 15;

/** AWS list prices used for the cost figure (us-east-1, as published on 2026-11-26). */
export const PRICES = {
  lambdaPerMillionRequests: 0.2,
  lambdaArmPerGbSecond: 0.0000133334,
  dynamoOnDemandPerMillionWriteUnits: 0.625,
  dynamoOnDemandPerMillionReadUnits: 0.125,
};
/** The authorizer's memory in the stack (lib/constructs/fynex-function.ts). */
export const AUTHORIZER_MEMORY_MB = 256;

const progress = (line: string) => console.error(line);

/** The environment's default limit (lib/config.ts): how many requests a busy key spends per window. */
const DEFAULT_REQUESTS_PER_WINDOW = 100;

/**
 * An item's size as DynamoDB bills it: each attribute's name in UTF-8 bytes plus its value (strings
 * in UTF-8 bytes, numbers about one byte per two significant digits plus one).
 */
function itemBytes(item: Record<string, AttributeValue>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) {
    bytes += Buffer.byteLength(name);
    if (value.S !== undefined) bytes += Buffer.byteLength(value.S);
    else if (value.N !== undefined) bytes += Math.ceil(value.N.replace(/^[-0.]+|\./g, "").length / 2) + 1;
    else bytes += Buffer.byteLength(JSON.stringify(value));
  }
  return bytes;
}

/** Set while the usage history's writer runs: its calls are off the request path, counted apart. */
const inWriter = new AsyncLocalStorage<true>();

async function main() {
  // First, before the local runtime starts: these fresh processes then share the machine with nothing
  // of this one (its store, its stream and TTL pollers).
  progress("Every function's bundle and load…");
  const loads = await measureFunctionLoads(ROOT, LOAD_RUNS);
  progress("One function per route or per domain…");
  const granularity = await measureGranularity(ROOT, LOAD_RUNS);
  // A window of a day and a limit no run reaches: the pipeline measures the served path, not 429s.
  const local = await startLocalRuntime({
    usageHistory: { wrap: (writer) => (event) => inWriter.run(true, () => writer(event)) },
    projectRoot: ROOT,
    port: 0,
    rateLimit: 1_000_000_000,
    rateWindowSeconds: 86_400,
    ttlSweepIntervalMs: 3_600_000,
    // Deliveries are asynchronous (deployed: another Lambda on the table's stream); the poller's calls
    // on the same client would be recorded as the request's and run on the request path's CPU.
    webhookDelivery: { enabled: false },
  });
  try {
    const { dynamo, settings } = local.deps;
    const recorder = instrument(dynamo, settings.keysTable);
    // Any usage-table call on the request path would be counted beside the keys table's; the history's
    // writer (the keys table's stream, off the path) is counted apart.
    let usageTableCalls = 0;
    let allTableCalls = 0;
    const writerCalls: Record<string, number> = {};
    /** Every command on the request path, by name (the console page's figures read it). */
    const dynamoCommands: Record<string, number> = {};
    dynamo.middlewareStack.add(
      (next, context) => async (args) => {
        if (inWriter.getStore()) {
          const name = context.commandName ?? "unknown";
          writerCalls[name] = (writerCalls[name] ?? 0) + 1;
          return next(args);
        }
        allTableCalls++;
        const command = context.commandName ?? "unknown";
        dynamoCommands[command] = (dynamoCommands[command] ?? 0) + 1;
        if ((args.input as { TableName?: string }).TableName === settings.usageTable) usageTableCalls++;
        return next(args);
      },
      { step: "initialize", name: "benchUsageCalls" },
    );
    const createKey = async (
      name: string,
      scopes = ["accounts:read", "accounts:write", "payments:write"],
    ) => {
      const reply = await fetch(`${local.url}/admin/v1/orgs/bench/api-keys`, {
        method: "POST",
        headers: { Authorization: `Bearer ${local.adminToken}`, "Content-Type": "application/json" },
        body: JSON.stringify({ name, scopes }),
      });
      if (reply.status !== 201) throw new Error(`create key: ${reply.status} ${await reply.text()}`);
      return (await reply.json()) as { id: string; key: string };
    };
    const apiCall = (key: string, method: string, path: string, body?: unknown) => ({
      method,
      path,
      headers: { "X-API-Key": key, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const send = (key: string, method: string, path: string, body?: unknown) => {
      const call = apiCall(key, method, path, body);
      return fetch(`${local.url}${path}`, { method, headers: call.headers, body: call.body });
    };
    /** Keys- and usage-table calls (the authorizer's: no admin call runs meanwhile) one request makes. */
    const authorizerCalls = async (key: string) => {
      const keysBefore = recorder.keysTableCalls;
      const usageBefore = usageTableCalls;
      await send(key, "GET", "/api/v1/accounts?limit=1");
      const keys = recorder.keysTableCalls - keysBefore;
      return { keys, all: keys + usageTableCalls - usageBefore };
    };

    const benchKey = await createKey("bench");
    for (let i = 0; i < 10; i++)
      await send(benchKey.key, "POST", "/api/v1/accounts", { name: `Account ${i}`, currency: "EUR" });

    progress("DynamoDB calls per request…");
    let steady = 0;
    for (let i = 0; i < 100; i++) steady += (await authorizerCalls(benchKey.key)).all;
    const rollover = await createKey("rollover");
    // As if the key was last used yesterday: its stored window is one window back, and counted a busy
    // window's requests, so the rollover writes its usage history item.
    const closed = await dynamo.send(
      new UpdateItemCommand({
        TableName: settings.keysTable,
        Key: { pk: { S: rollover.id } },
        UpdateExpression: "SET windowStart = windowStart - :window, windowCount = :count",
        ExpressionAttributeValues: {
          ":window": { N: String(settings.rateWindowSeconds) },
          ":count": { N: String(DEFAULT_REQUESTS_PER_WINDOW) },
        },
        ReturnValues: "UPDATED_NEW",
      }),
    );
    // The writer runs right after the rollover's update (off the request path): counted from here.
    const writerBefore = { ...writerCalls };
    const atRollover = await authorizerCalls(rollover.key);
    const calls = {
      steady: steady / 100,
      rollover: atRollover.all,
      rolloverKeysTable: atRollover.keys,
      unknown: (await authorizerCalls(generateApiKey())).all,
      malformed: (await authorizerCalls("fynex_k_not-a-key")).all,
    };
    // The history item the stream's writer put for the closed window (off the request path: waited for).
    const historyKey = {
      keyId: { S: rollover.id },
      windowStart: { S: new Date(Number(closed.Attributes?.windowStart?.N) * 1000).toISOString() },
    };
    let historyItem: Record<string, AttributeValue> | undefined;
    for (let tries = 0; !historyItem && tries < 200; tries++) {
      ({ Item: historyItem } = await dynamo.send(
        new GetItemCommand({ TableName: settings.usageTable, Key: historyKey, ConsistentRead: true }),
      ));
      if (!historyItem) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    if (!historyItem) throw new Error("the usage history's writer wrote no item for the closed window");
    const { Item: summaryItem } = await dynamo.send(
      new GetItemCommand({
        TableName: settings.usageTable,
        Key: { keyId: historyKey.keyId, windowStart: { S: SUMMARY_SORT_KEY } },
        ConsistentRead: true,
      }),
    );
    const writerPerWindow = Object.fromEntries(
      Object.entries(writerCalls).map(([name, count]) => [name, count - (writerBefore[name] ?? 0)]),
    );
    const historyItemBytes = itemBytes(historyItem);
    const historyWriteUnits = Math.ceil(historyItemBytes / 1024);
    // The 7-day summary at its largest (168 hours) is about 3.4 KB: up to 4 write units, 1 read unit.
    const summaryItemBytes = summaryItem ? itemBytes(summaryItem) : 0;

    progress("Authorizer CPU and duration…");
    const cpu = await measureAuthorizerCpu(local.deps);
    const duration = await measureAuthorizerDuration(local.deps, benchKey.key);

    progress("Full local request path against its floor…");
    const list = await measurePipeline({
      baseUrl: local.url,
      client: dynamo,
      recorder,
      call: () => apiCall(benchKey.key, "GET", "/api/v1/accounts?limit=25"),
      expectStatus: 200,
      total: REQUESTS,
      concurrency: CONCURRENCY,
    });

    // Payments spread over accounts, as an integration's are: payments on one account at once contend
    // for its balance (transaction conflicts, retried), which measures contention, not the path.
    const payees: string[] = [];
    for (let i = 0; i < 64; i++) {
      const reply = await send(benchKey.key, "POST", "/api/v1/accounts", {
        name: `Payee ${i}`,
        currency: "EUR",
      });
      payees.push(((await reply.json()) as { id: string }).id);
    }
    const payee = (i: number) => payees[(i + payees.length) % payees.length] as string;
    const payments = await measurePipeline({
      baseUrl: local.url,
      client: dynamo,
      recorder,
      call: (i) =>
        apiCall(benchKey.key, "POST", `/api/v1/accounts/${payee(i)}/payments`, {
          amount: 1,
          currency: "EUR",
        }),
      substitute: (i) => ({ [payee(-1)]: payee(i) }),
      expectStatus: 201,
      total: REQUESTS,
      concurrency: CONCURRENCY,
    });

    progress("Cold start and bundles…");
    const cold = await measureColdStart({
      projectRoot: ROOT,
      dynamoEndpoint: local.dynamoEndpoint,
      dynamoCredentials: local.dynamoCredentials,
      keysTable: settings.keysTable,
      key: benchKey.key,
      keyId: benchKey.id,
      runs: COLD_RUNS,
    });
    progress("An import of 1000 rows…");
    const importKey = await createKey("import", ["import"]);
    const rows = Array.from({ length: 1000 }, (_, i) => ({
      name: `Imported ${i}`,
      currency: "EUR",
      externalRef: `bench-${i}`,
      balance: i,
    }));
    const callsBeforeImport = allTableCalls;
    const importStarted = performance.now();
    const imported = await send(importKey.key, "POST", "/api/v1/import/accounts", { accounts: rows });
    const importMs = performance.now() - importStarted;
    const importSummary = ((await imported.json()) as { summary?: { created?: number } }).summary;
    if (imported.status !== 200 || importSummary?.created !== rows.length) {
      throw new Error(`import: ${imported.status} ${JSON.stringify(importSummary)}`);
    }
    const importCalls = allTableCalls - callsBeforeImport;
    progress("A 401 with and without source maps…");
    const sourceMaps = await measureSourceMaps(ROOT);

    // Lambda bills the duration rounded up to the millisecond.
    const billedSeconds = Math.ceil(duration.p50) / 1000;
    // The history: reading the keys table's stream is free to a Lambda trigger; the writer runs once
    // per key per window (filtered to rollovers), at most 4 write units for the summary and 1 for the
    // window, one read unit for the summary; at the default 100 requests per window.
    const windowsPerMillion = 1_000_000 / DEFAULT_REQUESTS_PER_WINDOW;
    const summaryWriteUnits = Math.max(1, Math.ceil(summaryItemBytes / 1024));
    const cost = {
      lambdaRequests: PRICES.lambdaPerMillionRequests,
      lambdaDuration: (AUTHORIZER_MEMORY_MB / 1024) * billedSeconds * 1_000_000 * PRICES.lambdaArmPerGbSecond,
      dynamoWrites: calls.steady * PRICES.dynamoOnDemandPerMillionWriteUnits,
      history:
        (windowsPerMillion / 1_000_000) *
        (PRICES.lambdaPerMillionRequests +
          (historyWriteUnits + summaryWriteUnits) * PRICES.dynamoOnDemandPerMillionWriteUnits +
          PRICES.dynamoOnDemandPerMillionReadUnits),
      streamReads: 0,
    };
    const summary = {
      ddbCallsPerRequest: round(calls.steady, 3),
      ddbCallsAtRollover: calls.rollover,
      ddbKeysTableCallsAtRollover: calls.rolloverKeysTable,
      ddbCallsUnknownKey: calls.unknown,
      ddbCallsMalformedKey: calls.malformed,
      historyItemBytes,
      // One history write per key per window: at the default limit fully used, and in the worst case
      // of a single request per key per window.
      historyWriteUnitsPerMillionRequests: (historyWriteUnits * 1_000_000) / DEFAULT_REQUESTS_PER_WINDOW,
      historyWriteUnitsPerMillionRequestsWorstCase: historyWriteUnits * 1_000_000,
      authorizerCpuMicrosP50: round(cpu.p50, 1),
      authorizerCpuMicrosP99: round(cpu.p99, 1),
      pipelineOverFloor: round(Math.max(list.overFloor, payments.overFloor)),
      requestsPerSecond: round(Math.min(list.requestsPerSecond, payments.requestsPerSecond), 0),
      coldStartOverFloor: round(cold.coldStartOverFloor),
      authorizerBundleOverFloor: round(cold.authorizerBundleOverFloor, 3),
      authorizerBundleBytes: cold.authorizerBundleBytes,
      costPerMillionUsd: round(
        cost.lambdaRequests + cost.lambdaDuration + cost.dynamoWrites + cost.history + cost.streamReads,
        4,
      ),
      writerCallsPerClosedWindow: writerPerWindow,
      summaryItemBytes,
      import1000RowsMs: round(importMs, 0),
      import1000RowsDdbCalls: importCalls,
      unauthorizedFirstMsSourceMapsOnOff: [
        round(sourceMaps.withSourceMaps.firstMs, 1),
        round(sourceMaps.withoutSourceMaps.firstMs, 1),
      ] as [number, number],
    };
    // The console page (issue 13): its own budgets, beside the API's.
    progress("console page: build, size, first render of the signed-in list");
    const consolePage = await measureConsolePage(local, () => ({ ...dynamoCommands }));
    const report: BenchReport = {
      consolePage,
      summary,
      routes: [
        { route: "GET /api/v1/accounts", ...list },
        { route: "POST /api/v1/accounts/{accountId}/payments", ...payments },
      ],
      cold,
      loads,
      granularity,
      authorizerDurationMs: duration,
      sourceMaps,
      cost,
      settings: {
        concurrency: CONCURRENCY,
        requests: REQUESTS,
        coldRuns: COLD_RUNS,
        loadRuns: LOAD_RUNS,
        loadCore: measuringCore(),
        prices: PRICES,
        memoryMb: AUTHORIZER_MEMORY_MB,
      },
    };
    await writeFile(join(ROOT, "docs/PERFORMANCE.md"), renderReport(report));
    progress(
      `console page: ${consolePage.jsGzipBytes} B of JS gzipped (budget ${CONSOLE_BUDGETS.jsGzipBytes}), ` +
        `list of ${consolePage.keysInList} rendered in ${consolePage.firstListRenderMsP50} ms p50 ` +
        `(budget ${CONSOLE_BUDGETS.firstListRenderMs})`,
    );
    console.log(JSON.stringify({ ...summary, consolePage }));
  } finally {
    await local.close();
  }
}

await main();
