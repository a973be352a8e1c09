import { cpus } from "node:os";

import type { ConsolePageFigures } from "./console-page";
import type { measureFunctionLoads } from "./function-loads";
import type { measureGranularity } from "./granularity";

export interface BenchReport {
  /** The Settings > Integrations page (issue 13), measured in Chromium. */
  consolePage: ConsolePageFigures;
  summary: {
    ddbCallsPerRequest: number;
    ddbCallsAtRollover: number;
    ddbKeysTableCallsAtRollover: number;
    ddbCallsUnknownKey: number;
    ddbCallsMalformedKey: number;
    historyItemBytes: number;
    historyWriteUnitsPerMillionRequests: number;
    historyWriteUnitsPerMillionRequestsWorstCase: number;
    authorizerCpuMicrosP50: number;
    authorizerCpuMicrosP99: number;
    pipelineOverFloor: number;
    requestsPerSecond: number;
    coldStartOverFloor: number;
    authorizerBundleOverFloor: number;
    authorizerBundleBytes: number;
    costPerMillionUsd: number;
    /** The history writer's DynamoDB commands for one closed window, off the request path. */
    writerCallsPerClosedWindow: Record<string, number>;
    summaryItemBytes: number;
    /** One request importing 1000 new accounts (JSON) through the local runtime, and its DynamoDB calls. */
    import1000RowsMs: number;
    import1000RowsDdbCalls: number;
    /** The first 401 of a fresh authorizer process, in ms: with `--enable-source-maps`, then without. */
    unauthorizedFirstMsSourceMapsOnOff: [number, number];
  };
  routes: {
    route: string;
    calls: string[];
    pipelineMs: number;
    floorMs: number;
    overFloor: number;
    requestsPerSecond: number;
  }[];
  cold: {
    authorizerMs: number;
    floorMs: number;
    coldStartOverFloor: number;
    authorizerBundleBytes: number;
    floorBundleBytes: number;
    authorizerBundleOverFloor: number;
  };
  loads: Awaited<ReturnType<typeof measureFunctionLoads>>;
  granularity: Awaited<ReturnType<typeof measureGranularity>>;
  authorizerDurationMs: { p50: number; p99: number };
  sourceMaps: Record<"withSourceMaps" | "withoutSourceMaps", { firstMs: number; p50: number; p99: number }>;
  cost: {
    lambdaRequests: number;
    lambdaDuration: number;
    dynamoWrites: number;
    history: number;
    streamReads: number;
  };
  settings: {
    concurrency: number;
    requests: number;
    coldRuns: number;
    loadRuns: number;
    /** The core the load step pinned its processes to, if any. */
    loadCore: number | undefined;
    prices: {
      lambdaPerMillionRequests: number;
      lambdaArmPerGbSecond: number;
      dynamoOnDemandPerMillionWriteUnits: number;
      dynamoOnDemandPerMillionReadUnits: number;
    };
    memoryMb: number;
  };
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const ms = (value: number) => `${value.toFixed(1)} ms`;
const usd = (value: number) => `$${value.toFixed(4)}`;

/** docs/PERFORMANCE.md: the method, then this run's figures against their budgets. */
export function renderReport(report: BenchReport): string {
  const { summary: s, cold, settings } = report;
  const budget = (ok: boolean) => (ok ? "within budget" : "**over budget**");
  return `# Performance

Written by \`npm run bench\` (bench/run.ts) on ${new Date().toISOString().slice(0, 10)}, on this project's
machine (${cpus().length} cores, Node ${process.version}). Every figure is measured in one run, and
each ratio is against a floor measured in the same run on the same machine, so a slow or busy machine
moves both sides. Benchmarks are not tests: nothing asserts a time.

## Results

| figure | this run | budget (DESIGN.md) | |
|---|---|---|---|
| DynamoDB calls per authorized request, steady state | ${s.ddbCallsPerRequest} | 1 | ${budget(s.ddbCallsPerRequest === 1)} |
| … at a window rollover, history included (written from the keys table's stream, off the path) | ${s.ddbCallsAtRollover} (keys table ${s.ddbKeysTableCallsAtRollover}) | ≤ 2 | ${budget(s.ddbCallsAtRollover <= 2)} |
| … for a well-formed unknown key | ${s.ddbCallsUnknownKey} | 1 | ${budget(s.ddbCallsUnknownKey === 1)} |
| … for a malformed key | ${s.ddbCallsMalformedKey} | 0 | ${budget(s.ddbCallsMalformedKey === 0)} |
| Usage history: the closed window written by the stream's writer (its commands for one window) | ${Object.entries(
    s.writerCallsPerClosedWindow,
  )
    .map(([name, count]) => `${count} ${name}`)
    .join(
      ", ",
    )}; item of ${s.historyItemBytes} bytes, 7-day summary of ${s.summaryItemBytes} | at most one history write per key per window | ${budget(s.historyItemBytes <= 1024)} |
| Usage history write units per million requests (keys at their default 100 per window; one request per key per window) | ${s.historyWriteUnitsPerMillionRequests}; ${s.historyWriteUnitsPerMillionRequestsWorstCase} (windows only; the summary adds up to 4 each) | — | |
| authorizer CPU of our own, p50 / p99 | ${s.authorizerCpuMicrosP50} µs / ${s.authorizerCpuMicrosP99} µs | p50 < 200 µs | ${budget(s.authorizerCpuMicrosP50 < 200)} |
| full local request path over its floor (worst route) | ${s.pipelineOverFloor}× | ≤ 2× | ${budget(s.pipelineOverFloor <= 2)} |
| requests per second through the local path (slower route) | ${s.requestsPerSecond} | — | |
| authorizer cold start over its floor | ${s.coldStartOverFloor}× (${ms(cold.authorizerMs)} vs ${ms(cold.floorMs)}) | ≤ 1.3× | ${budget(s.coldStartOverFloor <= 1.3)} |
| authorizer bundle over its floor | ${s.authorizerBundleOverFloor}× (${kb(cold.authorizerBundleBytes)} vs ${kb(cold.floorBundleBytes)}) | ≤ 1.15× | ${budget(s.authorizerBundleOverFloor <= 1.15)} |
| a 401 in a fresh authorizer process, source maps on / off (deployed: off) | ${ms(s.unauthorizedFirstMsSourceMapsOnOff[0])} / ${ms(s.unauthorizedFirstMsSourceMapsOnOff[1])} | off unless free | ${s.unauthorizedFirstMsSourceMapsOnOff[0] > s.unauthorizedFirstMsSourceMapsOnOff[1] ? "costly: kept off" : "free"} |
| an import of 1000 new rows in one request, local: time; DynamoDB calls | ${(s.import1000RowsMs / 1000).toFixed(1)} s; ${s.import1000RowsDdbCalls} | < 25 s (the function's timeout) | ${budget(s.import1000RowsMs < 25_000)} |
| Settings page: JavaScript, gzipped | ${(report.consolePage.jsGzipBytes / 1024).toFixed(1)} KiB | < 60 KiB | ${budget(report.consolePage.jsGzipBytes < 60 * 1024)} |
| Settings page: sign-in to a painted list of ${report.consolePage.keysInList} keys, median / worst of ${report.consolePage.runs} | ${report.consolePage.firstListRenderMsP50} ms / ${report.consolePage.firstListRenderMsMax} ms | < 1 s | ${budget(report.consolePage.firstListRenderMsP50 < 1000)} |
| Settings page: one painted page of ${report.consolePage.keysInList} keys with their sparklines, API calls | ${Object.entries(
    report.consolePage.apiCalls,
  )
    .map(([call, count]) => `${count} \`${call}\``)
    .join(
      ", ",
    )} | one list call | ${budget((report.consolePage.apiCalls["GET /console/v1/api-keys"] ?? 0) === 1 && !Object.keys(report.consolePage.apiCalls).some((call) => call.endsWith("/usage")))} |
| … and the DynamoDB commands behind them | ${Object.entries(report.consolePage.dynamoCalls)
    .map(([name, count]) => `${count} ${name}`)
    .join(", ")} | bounded, not per key | |
| every function's bundle, the largest | ${kb(report.loads.worstBytes)} (${report.loads.worstBytes} bytes) | ≤ 550,000 bytes | ${budget(report.loads.worstBytes <= report.loads.bytesBudget)} |
| every function's load over a bare Node start, the worst against the authorizer's: CPU (wall) | ${report.loads.worstCpuOverAuthorizer}× (${report.loads.worstOverAuthorizer}×); authorizer ${ms(report.loads.authorizerCpuOverBareMs)} CPU (${ms(report.loads.authorizerLoadOverBareMs)}) | ≤ 1.5× | ${budget(report.loads.worstCpuOverAuthorizer <= report.loads.loadBudgetOverAuthorizer)}: ${report.loads.functions.filter((fn) => fn.cpuOverAuthorizer > report.loads.loadBudgetOverAuthorizer).length} of ${report.loads.functions.length} over |
| cold starts an integration meets after a quiet spell (${report.granularity.integration.routes} routes): one function per route / per domain | ${report.granularity.integration.perRoute.coldStarts} (${ms(report.granularity.integration.perRoute.ms)}) / ${report.granularity.integration.perDomain.coldStarts} (${ms(report.granularity.integration.perDomain.ms)}) | — (docs/DECISIONS.md #221) | |
| cost per million authorized requests (key layer, usage history included) | ${usd(s.costPerMillionUsd)} | — | |

## Method

- **DynamoDB calls**: a client middleware on the local runtime's DynamoDB client counts every command
  sent to the keys and usage tables while business requests run (no admin call meanwhile, so they are
  the authorizer's): the mean over 100 requests of one key in its window; one request of a key whose
  stored window is one window old (rollover); one well-formed key that was never issued; one
  malformed key. The usage history's writer, which the local runtime feeds with the keys table's
  changes as the stream feeds it deployed, runs apart (its calls are counted apart, by
  AsyncLocalStorage); the bench waits for the closed window's item to be sure the history is complete. A failed condition returns the stored item (\`ReturnValuesOnConditionCheckFailure\`,
  which the local runtime makes up for dynalite as DynamoDB answers it): none means no such key, one
  call. A key with an allowlist pays one more call (its list is checked before anything is counted).
- **Authorizer CPU**: the real handler, with a stub DynamoDB client that answers at once with a live
  key's item; ${"20,000"} timed invocations after 2,000 of warm-up. What is timed is ours: header
  look-up, format and checksum, SHA-256, id, context, policy.
- **Full local request path**: ${settings.requests} requests at concurrency ${settings.concurrency} over
  keep-alive HTTP through the local front, authorizer, middy chain and handler to dynalite, against
  the floor: the very DynamoDB calls one such request made (recorded at the SDK's build step),
  replayed ${settings.requests} times directly by a client in the same process, against the same
  dynalite, at the same concurrency, in interleaved rounds (the two take turns, so neither pays alone
  for the store's growth or the machine's drift). Both warmed up first. The local runtime's webhook
  poller is off: deliveries run apart from the request path (deployed, another Lambda).
- **Cold start**: the authorizer is bundled as the stack bundles it (esbuild, minified, CommonJS,
  the SDK bundled with a credential provider that reads the environment only, a source map); a fresh
  \`node\` process loads it as deployed (no \`NODE_OPTIONS\`: source maps are off on the authorizer) and answers one request against the local DynamoDB. The floor is
  a fresh process loading a bundle of only the DynamoDB client and \`UpdateItemCommand\`, built the same
  way, sending one UpdateItem. Median of ${settings.coldRuns} runs each, interleaved, wall time from
  spawn to exit.
- **A 401 and source maps**: the authorizer bundled as deployed (map file beside it) answers a
  malformed key in fresh \`node\` processes, with and without \`NODE_OPTIONS=--enable-source-maps\`,
  taking turns, and each thrown error's stack is read as the Lambda runtime reads it to report the
  error. The first 401 of a process (the map is parsed there), then 2,000 more after 200 of warm-up:
  on ${ms(report.sourceMaps.withSourceMaps.firstMs)} first, p50 ${report.sourceMaps.withSourceMaps.p50.toFixed(3)} ms,
  p99 ${report.sourceMaps.withSourceMaps.p99.toFixed(3)} ms; off ${ms(report.sourceMaps.withoutSourceMaps.firstMs)} first,
  p50 ${report.sourceMaps.withoutSourceMaps.p50.toFixed(3)} ms, p99 ${report.sourceMaps.withoutSourceMaps.p99.toFixed(3)} ms.
  Median of 5 processes each. The authorizer is deployed without them; every other function keeps them.
- **Import**: one \`POST /api/v1/import/accounts\` of 1000 new accounts with an \`externalRef\` each
  (the contract's most), timed from request to answer, with every DynamoDB command its handler and
  the authorizer sent (for each row: a look-up of its ref, then one transaction of account, ref guard
  and interaction; 8 rows at a time). Locally every call is CPU spent in this process (the SDK on
  both sides of the wire and dynalite), so the time is the machine's; deployed, the calls are network
  round trips of a few milliseconds, 8 in flight. The integration test of this import checks what it
  writes, not how fast (it lifts the local 29 s deadline: docs/DECISIONS.md #161).
- **Cost** per million authorized requests, key layer only (API Gateway aside): Lambda requests
  (${usd(settings.prices.lambdaPerMillionRequests)} per million), the authorizer's billed duration
  (the warm p50 of ${ms(report.authorizerDurationMs.p50)} measured locally with its DynamoDB round trip,
  rounded up to the millisecond, at ${settings.memoryMb} MB on ARM at
  ${settings.prices.lambdaArmPerGbSecond} per GB-second), and one on-demand write request unit per
  DynamoDB call (${usd(settings.prices.dynamoOnDemandPerMillionWriteUnits)} per million; the key item
  is under 1 KB and the org index is not written by the counter). AWS list prices for us-east-1 as
  published on 2026-11-26. Deployed, the round trip to DynamoDB is a network hop of a few
  milliseconds, so the duration part should be read as a floor.
  The usage history: Lambda's reads of the keys table's stream are not billed (DynamoDB's pricing:
  GetRecords calls by a Lambda trigger are free); the writer is invoked only for rollovers (an event
  filter on \`windowCount\` 1), once per key per window, each costing an invocation, the window's write
  unit, the summary's read unit and up to 4 write units (${usd(settings.prices.dynamoOnDemandPerMillionReadUnits)}
  per million read units), at the default 100 requests per window.
  Breakdown: requests ${usd(report.cost.lambdaRequests)}, duration ${usd(report.cost.lambdaDuration)},
  DynamoDB ${usd(report.cost.dynamoWrites)}, usage history ${usd(report.cost.history)}, stream reads
  ${usd(report.cost.streamReads)}.
- **Every function, as deployed**: each function the stack deploys (the route table's and the
  others) bundled as the stack bundles it; a fresh \`node\` process, with the deployed variables,
  reads its CPU and monotonic clocks, \`require\`s the bundle (as Lambda's init does) and reads them
  again: what the load costs over the bare Node start, read inside the process, so the start's own
  cost and its variation are in neither reading (subtracting a bare process's median from a loaded
  one's, as earlier runs did, put both starts' noise of several ms on a difference of 20 ms). Median
  of ${settings.loadRuns} interleaved rounds (each round every bundle once), ${settings.loadCore === undefined ? "unpinned (one core, or no `taskset` here)" : `each load's process pinned to core ${settings.loadCore} (\`taskset\`: on this machine one core at a time turns about 1.5 times slower for a spell, and unpinned samples mixed two speeds; pinned, a spell slows alike every load of the rounds it covers)`}, measured first, before
  the local runtime starts, so nothing else of the bench runs meanwhile. The budget is judged on the
  CPU time: this machine's two cores are shared with other work, and the CPU a process spends loading
  is what a Lambda's init pays on its own core; the wall figures are shown beside. A load includes what
  any first \`require\` costs (about 2 ms: the loads of health and not-found, a few hundred bytes
  each). A bare start, unpinned, for scale, this run: ${ms(report.loads.bareMs)} wall from spawn to exit, ${ms(report.loads.bareCpuMs)}
  CPU.
- **Per route or per domain**: every business route's handler of a domain (its folder) bundled into
  one file, loaded the same way, beside the route bundles an integration's six calls wake:
  ${"GET/POST accounts, POST/GET payments, POST contacts, GET webhooks"}. The cold-start time it meets is
  the sum of the loads of the functions it wakes (each cold once).

## Per route

| route | DynamoDB calls | local path | floor | over floor | requests/s |
|---|---|---|---|---|---|
${report.routes
  .map(
    (r) =>
      `| ${r.route} | ${r.calls.join(", ")} | ${ms(r.pipelineMs)} | ${ms(r.floorMs)} | ${r.overFloor.toFixed(2)}× | ${r.requestsPerSecond.toFixed(0)} |`,
  )
  .join("\n")}

## Every function as deployed

| function | bundle | load over bare start (wall) | × authorizer | CPU over bare | × authorizer |
|---|---|---|---|---|---|
${report.loads.functions
  .map(
    (fn) =>
      `| \`${fn.module}\` | ${fn.bytes} B | ${ms(fn.loadOverBareMs)} | ${fn.overAuthorizer}× | ${ms(fn.cpuOverBareMs)} | ${fn.cpuOverAuthorizer}× |`,
  )
  .join("\n")}

## One function per domain (for comparison; deployed: one per route)

| domain | routes | bundle | load over bare start (wall) |
|---|---|---|---|
${report.granularity.domains
  .map((d) => `| ${d.domain} | ${d.routes} | ${d.bytes} B | ${ms(d.loadOverBareMs)} |`)
  .join("\n")}
`;
}
