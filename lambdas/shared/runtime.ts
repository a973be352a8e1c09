import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ENV } from "../../contract/environment";
import type { Runtime, Settings } from "../../contract/runtime";

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1)
    throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

/**
 * Reads the settings the stack puts in a function's environment; fails loudly, naming the variable,
 * when one is malformed. A table a function cannot work without is checked by its `createHandler`
 * ({@link requireSetting}), since only the function knows which tables it needs.
 */
export function settingsFromEnv(env: NodeJS.ProcessEnv): Settings {
  return {
    keysTable: env[ENV.keysTable] ?? "",
    dataTable: env[ENV.dataTable] ?? "",
    auditTable: env[ENV.auditTable] ?? "",
    usageTable: env[ENV.usageTable] ?? "",
    rateLimit: positiveInteger(env, ENV.rateLimit, 100),
    rateWindowSeconds: positiveInteger(env, ENV.rateWindowSeconds, 900),
    telemetry: env.POWERTOOLS_METRICS_DISABLED !== "true",
    envName: env[ENV.envName] || undefined,
    secretsManagerHook: env[ENV.secretsManagerHook] === "1",
    secretScanningKeys: keyMap(env, ENV.secretScanningKeys),
    webhookRetryBaseSeconds: positiveInteger(env, ENV.webhookRetryBaseSeconds, 30),
    webhookRetryQueueUrl: env[ENV.webhookRetryQueueUrl] || undefined,
    consoleOrigin: env[ENV.consoleOrigin] || undefined,
    consoleClientId: cognitoClientId(env, ENV.consoleClientId),
  };
}

/** A Cognito app client id as AWS defines it (`[\w+]+`, at most 128 characters), or absent. */
function cognitoClientId(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  if (!/^[\w+]{1,128}$/.test(raw)) throw new Error(`${name} must be a Cognito app client id, got "${raw}"`);
  return raw;
}

/**
 * A JSON object of strings (key id → PEM). Only its shape is checked here, without zod, so that the
 * authorizer's bundle stays small; whoever uses a key checks that it is one.
 */
function keyMap(env: NodeJS.ProcessEnv, name: string): Record<string, string> | undefined {
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  const isMap =
    typeof parsed === "object" &&
    parsed !== null &&
    !Array.isArray(parsed) &&
    Object.values(parsed).every((value) => typeof value === "string");
  if (!isMap) throw new Error(`${name} must be a JSON object of key id to PEM public key`);
  return parsed as Record<string, string>;
}

/**
 * A deployed function's runtime, from its environment: the real clock, a DynamoDB client (one per
 * execution environment: the entry module calls this once, when it loads) and the settings.
 */
export function runtimeFromEnvironment(env: NodeJS.ProcessEnv): Runtime {
  return { clock: Date.now, dynamo: new DynamoDBClient({}), settings: settingsFromEnv(env) };
}

/**
 * A setting the function cannot start without (a table's name): its value, or an error naming its
 * variable. Called by `createHandler`, so a deployed function missing it fails its cold start, loudly,
 * before any request.
 */
export function requireSetting(value: string | undefined, variable: string): string {
  if (!value) throw new Error(`${variable} is not set; this function cannot start without it`);
  return value;
}
