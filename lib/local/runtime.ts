import { randomBytes } from "node:crypto";
import { type Clock, configureRuntime } from "../../lambdas/shared/runtime";
import { AUDIT_TABLE, DATA_TABLE, KEYS_TABLE } from "../tables";
import { startLocalDynamo } from "./dynamo";
import { type GatewayOptions, startGateway } from "./gateway";

/** Everything the local runtime can be told; `bin/local.ts` fills it from the environment. */
export interface LocalRuntimeOptions {
  projectRoot: string;
  host?: string;
  /** 0 picks a free port (tests). */
  port?: number;
  /** Generated when absent. */
  adminToken?: string;
  /** Keep the data on disk between runs; in memory when absent. */
  dataDir?: string;
  rateLimit?: number;
  rateWindowSeconds?: number;
  /** Public keys trusted to sign secret-scanning reports, key id → PEM (`FYNEX_SECRET_SCANNING_KEYS`). */
  secretScanningKeys?: Record<string, string>;
  /** Webhook URLs may name loopback, over http too (`FYNEX_WEBHOOKS_ALLOW_LOOPBACK=1`); never deployed. */
  webhooksAllowLoopback?: boolean;
  /** Injected by tests to make expiry and window boundaries deterministic. */
  clock?: Clock;
  /** How often expired items are deleted, as DynamoDB's TTL would (eventually). */
  ttlSweepIntervalMs?: number;
  /** Structured logs and metrics on the console, as JSON lines (`npm start`); off by default (tests). */
  telemetry?: boolean;
  /** Sees every event handed to a Lambda (tests). */
  observe?: GatewayOptions["observe"];
}

export interface LocalRuntime {
  url: string;
  adminToken: string;
  /** The embedded DynamoDB's endpoint (benchmarks aim their own clients at it). */
  dynamoEndpoint: string;
  /** Runs the TTL sweep now (tests); returns how many items it deleted. */
  sweepExpired(): Promise<number>;
  close(): Promise<void>;
}

const TABLE_NAMES = { keys: "fynex-local-keys", data: "fynex-local-data", audit: "fynex-local-audit" };

/**
 * The whole API on one machine: embedded DynamoDB (dynalite behind DynamoDB's own protocol), the
 * very handlers that deploy, and an API Gateway-like HTTP front. One per process: the handlers share
 * one runtime (clock, client, settings), as a Lambda execution environment does.
 */
export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const clock = options.clock ?? Date.now;
  const dynamo = await startLocalDynamo({
    dataDir: options.dataDir,
    clock,
    ttlSweepIntervalMs: options.ttlSweepIntervalMs ?? 60_000,
    tables: [
      { definition: KEYS_TABLE, name: TABLE_NAMES.keys },
      { definition: DATA_TABLE, name: TABLE_NAMES.data },
      { definition: AUDIT_TABLE, name: TABLE_NAMES.audit },
    ],
  });
  configureRuntime({
    clock,
    dynamo: dynamo.client,
    settings: {
      keysTable: TABLE_NAMES.keys,
      dataTable: TABLE_NAMES.data,
      auditTable: TABLE_NAMES.audit,
      rateLimit: options.rateLimit ?? 100,
      rateWindowSeconds: options.rateWindowSeconds ?? 900,
      // The Secrets Manager hook is never on locally: Secrets Manager is not emulated (DESIGN.md).
      secretsManagerHook: false,
      secretScanningKeys: options.secretScanningKeys ?? {},
      webhooksAllowLoopback: options.webhooksAllowLoopback ?? false,
      envName: "local",
      telemetry: options.telemetry ?? false,
    },
  });
  const adminToken = options.adminToken ?? randomBytes(24).toString("base64url");
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  try {
    gateway = await startGateway({
      projectRoot: options.projectRoot,
      adminToken,
      host: options.host,
      port: options.port,
      observe: options.observe,
    });
  } catch (error) {
    await dynamo.close();
    throw error;
  }
  return {
    url: gateway.url,
    adminToken,
    dynamoEndpoint: dynamo.endpoint,
    sweepExpired: () => dynamo.sweepExpired(),
    close: async () => {
      await gateway.close();
      await dynamo.close();
    },
  };
}
