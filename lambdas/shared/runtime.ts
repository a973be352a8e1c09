import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { RetryPolicy } from "./transact";

/**
 * What every handler depends on from outside: the clock, the DynamoDB client and the settings.
 * Deployed, it is built once per cold start from the environment. The local runtime and tests
 * replace it with `configureRuntime` (their own clock, a client pointed at the embedded DynamoDB).
 */
export type Clock = () => number;

export interface Settings {
  /** Keys table name (authorizer and management Lambdas only). */
  keysTable: string;
  /** Data table name (business Lambdas only). */
  dataTable: string;
  /** Audit table name (key management only). */
  auditTable: string;
  /** Default requests per key per window. */
  rateLimit: number;
  rateWindowSeconds: number;
  /**
   * Webhook URLs may name loopback, over http too (API.md §9). Only the local runtime ever sets it
   * (`FYNEX_WEBHOOKS_ALLOW_LOOPBACK=1`), so that deliveries can be tested on one machine; deployed, never.
   */
  webhooksAllowLoopback?: boolean;
}

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

/** Reads the settings the stack (or the local runtime) puts in the environment; fails loudly when malformed. */
export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): Settings {
  return {
    keysTable: env.KEYS_TABLE_NAME ?? "",
    dataTable: env.DATA_TABLE_NAME ?? "",
    auditTable: env.AUDIT_TABLE_NAME ?? "",
    rateLimit: positiveInteger(env, "FYNEX_RATE_LIMIT", 100),
    rateWindowSeconds: positiveInteger(env, "FYNEX_RATE_WINDOW_SECONDS", 900),
  };
}

let current: Runtime | undefined;

export function runtime(): Runtime {
  current ??= { clock: Date.now, dynamo: new DynamoDBClient({}), settings: settingsFromEnv() };
  return current;
}

/** Replaces the runtime (local runtime, tests). */
export function configureRuntime(next: Runtime): void {
  current = next;
}

/** A table name the handler cannot work without. */
export function requireTable(name: string, variable: string): string {
  if (!name) throw new Error(`${variable} is not set`);
  return name;
}
