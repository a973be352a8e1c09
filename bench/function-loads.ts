import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { handlerModules } from "../contract/routes";
import { BUNDLE_BUDGET_BYTES, buildDeployedBundles } from "./deployed-bundles";
import { measuringCore, runNode } from "./node-process";
import { median, round } from "./stats";

/**
 * The functions the stack deploys besides the route table's, by handler module (the bundle test
 * checks that this list and the route table's modules are every function of the stack).
 */
export const OTHER_FUNCTIONS = [
  "lambdas/authorizer/authorizer.handler",
  "lambdas/not-found/not-found.handler",
  "lambdas/key-management/doors/direct.handler",
  "lambdas/key-management/expiry-reminders.handler",
  "lambdas/secret-scanning/refresh-signing-keys.handler",
  "lambdas/webhooks/dispatch.handler",
  "lambdas/usage-history/usage-history.handler",
] as const;

export const AUTHORIZER = "lambdas/authorizer/authorizer.handler";

/** Every function the stack deploys, by handler module. */
export function deployedFunctions(): string[] {
  return [...new Set([...handlerModules(), ...OTHER_FUNCTIONS])].sort();
}

/** A function's load over the bare start may be at most this many times the authorizer's (DESIGN.md). */
export const LOAD_BUDGET_OVER_AUTHORIZER = 1.5;

/**
 * What a fresh `node`, pinned to `measuringCore()`, spends on `script`: its wall and CPU time (ms) read
 * inside the process, on its monotonic and CPU clocks, just before the script and just after it. Read
 * in the process, so what the Node start itself costs (and how much that varies on a busy machine) is
 * in neither figure.
 */
export async function timeNode(script: string, env: NodeJS.ProcessEnv): Promise<Load> {
  const { stdout } = await runNode(
    "const c=process.cpuUsage(),t=process.hrtime.bigint();" +
      `${script};` +
      "const u=process.cpuUsage(c);" +
      'process.stdout.write(Number(process.hrtime.bigint()-t)/1e6+" "+(u.user+u.system)/1000)',
    env,
    measuringCore(),
  );
  const [wall, cpu] = stdout.split(" ").map(Number);
  return { wall: wall ?? Number.NaN, cpu: cpu ?? Number.NaN };
}

export interface FunctionLoad {
  module: string;
  bytes: number;
  /** Median wall time of a fresh process that loads the bundle, less the bare start's median. */
  loadOverBareMs: number;
  overAuthorizer: number;
  /** The same with the processes' CPU time. */
  cpuOverBareMs: number;
  cpuOverAuthorizer: number;
}

/**
 * The deployed functions' environment, as far as loading reads it (names, region, credentials): each
 * bundle builds its handler when it loads, and refuses to without what its function needs.
 */
export const LOAD_ENV: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  AWS_REGION: "eu-west-1",
  AWS_ACCESS_KEY_ID: "bench",
  AWS_SECRET_ACCESS_KEY: "bench",
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  KEYS_TABLE_NAME: "keys",
  DATA_TABLE_NAME: "data",
  AUDIT_TABLE_NAME: "audit",
  USAGE_TABLE_NAME: "usage",
  WEBHOOK_RETRY_QUEUE_URL: "https://sqs.eu-west-1.amazonaws.com/123456789012/bench-webhook-retries",
  FYNEX_ENV: "bench",
};

export type Load = { wall: number; cpu: number };

/**
 * How long a fresh Node process takes to load each file (`require`, as the Lambda runtime's init
 * does) once Node has started, wall and CPU ms, each the median of `runs` interleaved rounds (every
 * file once a round, so drift and noise fall on all alike); and, for scale, what a bare start costs
 * (a fresh `node` that loads nothing, spawn to exit, and its CPU time).
 */
export async function loadsOverBare(
  files: ReadonlyMap<string, string>,
  runs: number,
): Promise<{ bare: Load; over: Map<string, Load> }> {
  const bare: Load[] = [];
  const loads = new Map<string, Load[]>([...files.keys()].map((name) => [name, []]));
  // One warm-up round (the OS file cache), not counted.
  for (let round = 0; round <= runs; round++) {
    const started = performance.now();
    const { stdout } = await runNode(
      "const u=process.cpuUsage();process.stdout.write(String((u.user+u.system)/1000))",
      LOAD_ENV,
    );
    if (round > 0) bare.push({ wall: performance.now() - started, cpu: Number(stdout) });
    for (const [name, file] of files) {
      const run = await timeNode(`require(${JSON.stringify(file)})`, LOAD_ENV);
      if (round > 0) loads.get(name)?.push(run);
    }
  }
  const medianOf = (runs: Load[]): Load => ({
    wall: median(runs.map((run) => run.wall)),
    cpu: median(runs.map((run) => run.cpu)),
  });
  return { bare: medianOf(bare), over: new Map([...loads].map(([name, runs]) => [name, medianOf(runs)])) };
}

/**
 * Every deployed function as deployed: its bundle's bytes, and the time a fresh Node process takes
 * to load it over a bare Node start (`loadsOverBare`), against the authorizer's.
 */
export async function measureFunctionLoads(projectRoot: string, runs: number) {
  const modules = deployedFunctions();
  const dir = await mkdtemp(join(tmpdir(), "fynex-loads-"));
  try {
    const { bundles } = await buildDeployedBundles(projectRoot, modules, dir);
    const files = new Map(modules.map((module) => [module, bundles.get(module)?.file ?? ""]));
    const { bare, over } = await loadsOverBare(files, runs);
    const zero = { wall: 0, cpu: 0 };
    const authorizer = over.get(AUTHORIZER) ?? zero;
    const functions: FunctionLoad[] = modules.map((module) => {
      const load = over.get(module) ?? zero;
      return {
        module,
        bytes: bundles.get(module)?.bytes ?? 0,
        loadOverBareMs: round(load.wall, 1),
        overAuthorizer: round(load.wall / authorizer.wall, 2),
        cpuOverBareMs: round(load.cpu, 1),
        cpuOverAuthorizer: round(load.cpu / authorizer.cpu, 2),
      };
    });
    return {
      bareMs: round(bare.wall, 1),
      bareCpuMs: round(bare.cpu, 1),
      authorizerLoadOverBareMs: round(authorizer.wall, 1),
      authorizerCpuOverBareMs: round(authorizer.cpu, 1),
      functions,
      worstBytes: Math.max(...functions.map((fn) => fn.bytes)),
      worstOverAuthorizer: Math.max(...functions.map((fn) => fn.overAuthorizer)),
      worstCpuOverAuthorizer: Math.max(...functions.map((fn) => fn.cpuOverAuthorizer)),
      bytesBudget: BUNDLE_BUDGET_BYTES,
      loadBudgetOverAuthorizer: LOAD_BUDGET_OVER_AUTHORIZER,
      runs,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
