import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundle } from "./cold-start";
import { runNode } from "./node-process";

/** One `NODE_OPTIONS` setting's figures for a 401, in milliseconds. */
export interface UnauthorizedTimes {
  /** The first 401 of a fresh process (with source maps: the map is read and parsed here). */
  firstMs: number;
  p50: number;
  p99: number;
}

/**
 * The script a fresh process runs: the deployed bundle answers a malformed key (no DynamoDB call:
 * the 401 is pure CPU), and its error's stack is read, as the Lambda runtime does when it reports a
 * thrown error. Prints one JSON line.
 */
const script = (file: string, iterations: number) => `
const { handler } = require(${JSON.stringify(file)});
const event = { type: "REQUEST", methodArn: "arn:aws:execute-api:local:1:api/bench/GET/x",
  headers: { "X-API-Key": "fynex_k_not-a-key" }, multiValueHeaders: { "X-API-Key": ["fynex_k_not-a-key"] } };
const once = async () => {
  const started = process.hrtime.bigint();
  try { await handler(event); throw new Error("allowed"); }
  catch (error) { if (error.message !== "Unauthorized" || error.stack.length === 0) throw error; }
  return Number(process.hrtime.bigint() - started) / 1e6;
};
(async () => {
  const first = await once();
  for (let i = 0; i < 200; i++) await once();
  const samples = [];
  for (let i = 0; i < ${iterations}; i++) samples.push(await once());
  samples.sort((a, b) => a - b);
  const at = (p) => samples[Math.min(samples.length - 1, Math.ceil((p / 100) * samples.length) - 1)];
  console.log(JSON.stringify({ firstMs: first, p50: at(50), p99: at(99) }));
})().catch((error) => { console.error(error.message); process.exit(1); });
`;

async function run(code: string, nodeOptions: string): Promise<UnauthorizedTimes> {
  const { stdout } = await runNode(code, {
    PATH: process.env.PATH,
    NODE_OPTIONS: nodeOptions,
    AWS_REGION: "local",
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    KEYS_TABLE_NAME: "bench-keys",
  });
  return JSON.parse(stdout.trim().split("\n").pop() ?? "") as UnauthorizedTimes;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/**
 * A 401's duration in the deployed authorizer bundle (source map beside it), with and without
 * `--enable-source-maps`: fresh processes taking turns, the median of `runs` each.
 */
export async function measureSourceMaps(projectRoot: string, runs = 5, iterations = 2_000) {
  const dir = await mkdtemp(join(tmpdir(), "fynex-sourcemaps-"));
  try {
    const file = join(dir, "authorizer.js");
    await bundle(join(projectRoot, "lambdas/authorizer/authorizer.handler.ts"), file);
    const code = script(file, iterations);
    const on: UnauthorizedTimes[] = [];
    const off: UnauthorizedTimes[] = [];
    for (let i = 0; i < runs; i++) {
      off.push(await run(code, ""));
      on.push(await run(code, "--enable-source-maps"));
    }
    const summary = (times: UnauthorizedTimes[]): UnauthorizedTimes => ({
      firstMs: median(times.map((t) => t.firstMs)),
      p50: median(times.map((t) => t.p50)),
      p99: median(times.map((t) => t.p99)),
    });
    return { withSourceMaps: summary(on), withoutSourceMaps: summary(off) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
