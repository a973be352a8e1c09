import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ENV } from "../../contract/environment";
import type { RetryPolicy } from "./dynamo/transact";

/** Epoch milliseconds: `Date.now` deployed; the local runtime and tests inject their own. */
export type Clock = () => number;

export interface Settings {
  /** Keys table name (authorizer and management Lambdas only). */
  keysTable: string;
  /** Data table name (business Lambdas only). */
  dataTable: string;
  /** Audit table name (key management only). */
  auditTable: string;
  /**
   * Usage history table name (API.md §11): the keys table's stream writer puts closed windows, key
   * management reads them.
   */
  usageTable?: string;
  /** Default requests per key per window. */
  rateLimit: number;
  rateWindowSeconds: number;
  /**
   * Webhook URLs may name loopback, over http too (API.md §9). Only the local runtime ever sets it
   * (`FYNEX_WEBHOOKS_ALLOW_LOOPBACK=1`), so that deliveries can be tested on one machine; deployed, never.
   */
  webhooksAllowLoopback?: boolean;
  /**
   * Base of the webhook retry schedule, seconds (`FYNEX_WEBHOOK_RETRY_BASE_SECONDS`, default 30): the
   * first retry comes within it, and the whole schedule, its 24-hour span included, scales with it.
   */
  webhookRetryBaseSeconds?: number;
  /** The SQS queue webhook retries wait in (`WEBHOOK_RETRY_QUEUE_URL`; the dispatcher Lambda only). */
  webhookRetryQueueUrl?: string;
  /**
   * The environment's name (`FYNEX_ENV`): it names the Secrets Manager hook's secrets and is the
   * `environment` dimension of the custom metrics.
   */
  envName?: string;
  /** Write structured logs and metrics (the local runtime's `npm start` does; the test suite does not). */
  telemetry?: boolean;
  /** Copy created and rotated keys to Secrets Manager (API.md §5; `FYNEX_SECRETS_MANAGER_HOOK=1`). Never locally. */
  secretsManagerHook?: boolean;
  /**
   * Public keys trusted to sign secret-scanning reports, by key id (API.md §8;
   * `FYNEX_SECRET_SCANNING_KEYS`, a JSON object of key id to PEM). Deployed, GitHub's list is read
   * from the keys table instead, where the scheduled refresher keeps it.
   */
  secretScanningKeys?: Record<string, string>;
  /**
   * The console page's origin (`FYNEX_CONSOLE_ORIGIN`, deployed: its CloudFront URL), the only origin
   * the console API's CORS answers name. Locally the runtime sets it to the page's own port.
   */
  consoleOrigin?: string;
  /**
   * The page's app client id (`FYNEX_CONSOLE_CLIENT_ID`): the console function takes only ID tokens
   * issued to it (`aud`). Without it, the console function refuses every token.
   */
  consoleClientId?: string;
  /**
   * API.md §5's bounds (an org's active keys, a filtered list's reads per request), lowered only by
   * the local runtime's tests; deployed, never set, so the documented numbers hold.
   */
  keyLimits?: { orgActiveKeys: number; filteredListReads: number };
}

/**
 * What a function depends on from outside: the clock, the DynamoDB client and the settings. Each
 * entry module (`*.handler.ts`) exposes `createHandler(runtime)`, which checks that the settings name
 * what that function needs and builds its dependencies once; its Lambda `handler` is
 * `createHandler(runtimeFromEnvironment(process.env))`, built when the module loads (the cold start).
 * The local runtime and tests call `createHandler` with their own: a clock they move, a client on
 * the embedded DynamoDB or a mocked one, their settings (docs/DECISIONS.md #270). Nothing holds a
 * runtime globally.
 */
export interface Runtime {
  clock: Clock;
  dynamo: DynamoDBClient;
  settings: Settings;
  /** How `TransactionConflict` cancellations are retried; `DEFAULT_RETRY` when absent (tests inject one). */
  retry?: RetryPolicy;
}

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
