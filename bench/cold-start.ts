import { spawn } from "node:child_process";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { DEPLOYED_BUILD } from "./deployed-bundles";
import { median } from "./stats";

/**
 * Builds a file as the stack bundles a Lambda (lib/constructs/fynex-function.ts: esbuild, minified,
 * CommonJS, node22, ES-module entry points first, the SDK bundled with the environment-only credential
 * provider, a source map beside it: `DEPLOYED_BUILD`, from lib/lambda-bundling.ts).
 */
export async function bundle(entry: string, outfile: string): Promise<number> {
  await build({ ...DEPLOYED_BUILD, entryPoints: [entry], outfile });
  return (await stat(outfile)).size;
}

const FLOOR_SOURCE = `
import { DynamoDBClient, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
const client = new DynamoDBClient({});
export async function run(table, id) {
  await client.send(new UpdateItemCommand({
    TableName: table,
    Key: { pk: { S: id } },
    UpdateExpression: "SET lastUsedAt = :now",
    ExpressionAttributeValues: { ":now": { N: String(Date.now()) } },
  }));
}
`;

/**
 * Wall time of a fresh Node process that loads a bundle and answers once, as a cold Lambda would.
 * Asynchronous: the local DynamoDB it calls lives in this process and must keep answering.
 */
function timeProcess(script: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ["-e", script], { env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code === 0) resolve(performance.now() - started);
      else reject(new Error(`cold start run failed (${code}): ${stderr}`));
    });
  });
}

/**
 * Cold start of the authorizer's deployable artifact against a floor process that loads only the
 * DynamoDB client and sends one UpdateItem; and the two bundles' sizes. Both run as the authorizer is
 * deployed (no NODE_OPTIONS: source maps off) against the same local DynamoDB.
 */
export async function measureColdStart(options: {
  projectRoot: string;
  dynamoEndpoint: string;
  /** The local DynamoDB only answers requests signed with its run's credential. */
  dynamoCredentials: { accessKeyId: string; secretAccessKey: string };
  keysTable: string;
  key: string;
  keyId: string;
  runs: number;
}) {
  const dir = await mkdtemp(join(tmpdir(), "fynex-bench-"));
  try {
    const authorizerFile = join(dir, "authorizer.js");
    const floorEntry = join(options.projectRoot, "bench", ".floor-entry.mjs");
    const floorFile = join(dir, "floor.js");
    await writeFile(floorEntry, FLOOR_SOURCE);
    let floorBytes: number;
    try {
      floorBytes = await bundle(floorEntry, floorFile);
    } finally {
      await rm(floorEntry, { force: true });
    }
    const authorizerBytes = await bundle(
      join(options.projectRoot, "lambdas/authorizer/authorizer.handler.ts"),
      authorizerFile,
    );

    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      AWS_REGION: "local",
      AWS_ACCESS_KEY_ID: options.dynamoCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: options.dynamoCredentials.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: options.dynamoEndpoint,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      KEYS_TABLE_NAME: options.keysTable,
      FYNEX_RATE_LIMIT: "1000000000",
    };
    const event = JSON.stringify({
      type: "REQUEST",
      methodArn: "arn:aws:execute-api:local:123456789012:api/bench/GET/api/v1/accounts",
      headers: { "X-API-Key": options.key },
      multiValueHeaders: { "X-API-Key": [options.key] },
    });
    const authorizerScript = `require(${JSON.stringify(authorizerFile)}).handler(${event}).then(
      (r) => process.exit(r.policyDocument.Statement[0].Effect === "Allow" ? 0 : 2),
      (e) => { console.error(e.message); process.exit(1); })`;
    const floorScript = `require(${JSON.stringify(floorFile)}).run(${JSON.stringify(options.keysTable)}, ${JSON.stringify(options.keyId)}).then(
      () => process.exit(0), (e) => { console.error(e.message); process.exit(1); })`;

    const authorizerMs: number[] = [];
    const floorMs: number[] = [];
    await timeProcess(floorScript, env); // warm the OS file cache for both before timing
    await timeProcess(authorizerScript, env);
    for (let i = 0; i < options.runs; i++) {
      floorMs.push(await timeProcess(floorScript, env));
      authorizerMs.push(await timeProcess(authorizerScript, env));
    }
    return {
      authorizerMs: median(authorizerMs),
      floorMs: median(floorMs),
      coldStartOverFloor: median(authorizerMs) / median(floorMs),
      authorizerBundleBytes: authorizerBytes,
      floorBundleBytes: floorBytes,
      authorizerBundleOverFloor: authorizerBytes / floorBytes,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
