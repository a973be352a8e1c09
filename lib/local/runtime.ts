import { randomBytes } from "node:crypto";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CONSOLE_PAGE_PATH, LOCAL_CONSOLE_CLIENT_ID } from "../../contract/console";
import type {
  Clock,
  PostWebhook,
  ReminderRun,
  ResolveHost,
  RetryPolicy,
  Runtime,
  Settings,
} from "../../contract/runtime";
import { AUDIT_TABLE, DATA_TABLE, KEYS_TABLE, USAGE_TABLE } from "../../contract/tables";
import { consolePage } from "./console-page";
import { startLocalDynamo } from "./dynamo";
import { loadHandler, provideFunctionEnvironment } from "./entry-modules";
import { cognitoStep } from "./gateway/cognito-step";
import { type GatewayOptions, startGateway } from "./gateway/server";
import { startLocalSignIn } from "./oidc/provider";
import { type OriginServer, startOriginServer } from "./origin-server";
import { type StreamHandler, startUsageHistoryFeed, type UsageHistoryFeed } from "./usage-history-feed";
import { LOCAL_RETRIES_TABLE, startWebhookPoller, type WebhookPoller } from "./webhook-poller";

/** Everything the local runtime can be told; `bin/local.ts` fills it from the environment. */
export interface LocalRuntimeOptions {
  projectRoot: string;
  host?: string;
  /** 0 picks a free port (tests). */
  port?: number;
  /** The page's own port (`FYNEX_CONSOLE_PORT`); the API's port + 1 when absent, a free one with port 0. */
  consolePort?: number;
  /** The OpenID provider's port (`FYNEX_SIGN_IN_PORT`); the API's port + 2 when absent, free with port 0. */
  signInPort?: number;
  /** The console's ID token lifetime, seconds (`FYNEX_CONSOLE_TOKEN_SECONDS`); 900 as deployed. */
  consoleTokenSeconds?: number;
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
  /** Base of the webhook retry schedule, seconds (`FYNEX_WEBHOOK_RETRY_BASE_SECONDS`); 30 when absent. */
  webhookRetryBaseSeconds?: number;
  /**
   * Webhook delivery (API.md §9): the poller runs unless `enabled` is false (tests stop a runtime
   * "between commit and delivery" that way); tests may inject the DNS resolver and HTTP client.
   */
  webhookDelivery?: {
    enabled?: boolean;
    resolve?: ResolveHost;
    post?: PostWebhook;
    random?: () => number;
    /** How often due retries are looked for, real ms (200 when absent). */
    pollIntervalMs?: number;
  };
  /**
   * Usage history (API.md §11): the keys table's changes are handed to the history's handler unless
   * `enabled` is false (tests stop the path between a rollover and its history write that way); tests
   * may wrap the handler (to make it fail) and shorten the pause before a failed batch is retried.
   */
  usageHistory?: {
    enabled?: boolean;
    wrap?: (handler: StreamHandler) => StreamHandler;
    retryDelayMs?: number;
  };
  /**
   * Expiry reminders (API.md §11) run at start and then every this many seconds
   * (`FYNEX_REMINDER_INTERVAL_SECONDS`; 3600 when absent), as the deployed daily schedule does.
   */
  reminderIntervalSeconds?: number;
  /** Injected by tests to make expiry and window boundaries deterministic. */
  clock?: Clock;
  /**
   * The DynamoDB client the functions are built over, given the embedded DynamoDB's endpoint and
   * credential; its own client when absent. Fault tests hand one that reaches it through a proxy, or
   * nothing at all.
   */
  functionDynamo?: (embedded: {
    endpoint: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  }) => DynamoDBClient;
  /** How the functions retry cancelled transactions; `DEFAULT_RETRY` when absent (tests record the waits). */
  retry?: RetryPolicy;
  /**
   * Copy created and rotated keys to Secrets Manager (API.md §5). Never in `npm start`: Secrets
   * Manager is not emulated (DESIGN.md); tests turn it on and answer Secrets Manager with a mock.
   */
  secretsManagerHook?: boolean;
  /** How often expired items are deleted, as DynamoDB's TTL would (eventually). */
  ttlSweepIntervalMs?: number;
  /** Structured logs and metrics on the console, as JSON lines (`npm start`); off by default (tests). */
  telemetry?: boolean;
  /** Sees every event handed to a Lambda (tests). */
  observe?: GatewayOptions["observe"];
  /**
   * API.md §5's bounds on keys, lowered so tests reach them with a few keys; the documented numbers
   * (`KEY_LIMITS`) when absent.
   */
  keyLimits?: Settings["keyLimits"];
  /** How long a function may run before its answer is cut off, ms; API Gateway's 29 s when absent. */
  functionDeadlineMs?: GatewayOptions["functionDeadlineMs"];
}

export interface LocalRuntime {
  url: string;
  /** Settings > Integrations on the page's own origin (API.md §10). */
  consoleUrl: string;
  /** The page's origin, apart from the API's. */
  consoleOrigin: string;
  /** The local OpenID provider's origin (its issuer), apart from both. */
  signInOrigin: string;
  adminToken: string;
  /** The embedded DynamoDB's endpoint (benchmarks and fault proxies aim their own clients at it). */
  dynamoEndpoint: string;
  /** This run's DynamoDB credential: the endpoint refuses requests signed with anything else. */
  dynamoCredentials: { accessKeyId: string; secretAccessKey: string };
  /**
   * What every function's handler was built over (`createHandler`): the clock, the DynamoDB client and
   * the settings. Tests read the tables' names there and watch the client's calls.
   */
  deps: Runtime;
  /** Runs the TTL sweep now (tests); returns how many items it deleted. */
  sweepExpired(): Promise<number>;
  /** Runs the expiry reminders now, as the schedule would (tests). */
  sendReminders(): Promise<ReminderRun>;
  close(): Promise<void>;
}

const TABLE_NAMES = {
  keys: "fynex-local-keys",
  data: "fynex-local-data",
  audit: "fynex-local-audit",
  usage: "fynex-local-usage",
  webhookRetries: "fynex-local-webhook-retries",
};

/** The functions the runtime runs besides the route table's (`lib/local/gateway` loads those). */
const USAGE_HISTORY_MODULE = "lambdas/usage-history/usage-history.handler";
const EXPIRY_REMINDERS_MODULE = "lambdas/key-management/expiry-reminders.handler";
const WEBHOOK_DISPATCH_MODULE = "lambdas/webhooks/dispatch.handler";
/** Where the dispatcher sends its retries: the local runtime's stand-in for SQS takes every message. */
const LOCAL_RETRY_QUEUE_URL = "local://fynex-local-webhook-retries";

/**
 * The whole API on one machine: embedded DynamoDB (dynalite behind DynamoDB's own protocol), the
 * very handlers that deploy, and an API Gateway-like HTTP front. Each function's handler is built
 * through its entry module's `createHandler` over this runtime's dependencies (`deps`: its clock, a
 * client of the embedded DynamoDB, its settings), as deployed it is built over the environment's.
 */
export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const clock = options.clock ?? Date.now;
  const host = options.host ?? "127.0.0.1";
  // The page and the sign-in on origins of their own, as deployed (docs/DECISIONS.md #162).
  const besideApi = (offset: number) => (options.port ? options.port + offset : 0);
  const origins: OriginServer[] = [];
  const closeOrigins = () => Promise.allSettled(origins.map((origin) => origin.close()));
  try {
    origins.push(await startOriginServer(host, options.consolePort ?? besideApi(1)));
    origins.push(await startOriginServer(host, options.signInPort ?? besideApi(2)));
  } catch (error) {
    await closeOrigins();
    throw error;
  }
  const [page, signInServer] = origins as [OriginServer, OriginServer];
  // Set once the poller runs; until then (and with delivery off) commits are not followed.
  let poller: WebhookPoller | undefined;
  // Likewise for the keys table's changes and the usage history.
  let usageFeed: UsageHistoryFeed | undefined;
  const followKeys = options.usageHistory?.enabled !== false;
  let dynamo: Awaited<ReturnType<typeof startLocalDynamo>>;
  try {
    dynamo = await startLocalDynamo({
      dataDir: options.dataDir,
      clock,
      ttlSweepIntervalMs: options.ttlSweepIntervalMs ?? 60_000,
      tables: [
        { definition: KEYS_TABLE, name: TABLE_NAMES.keys },
        { definition: DATA_TABLE, name: TABLE_NAMES.data },
        { definition: AUDIT_TABLE, name: TABLE_NAMES.audit },
        { definition: USAGE_TABLE, name: TABLE_NAMES.usage },
        { definition: LOCAL_RETRIES_TABLE, name: TABLE_NAMES.webhookRetries },
      ],
      afterCommit: ({ items }) => poller?.committed(items),
      changes: followKeys
        ? { tables: [TABLE_NAMES.keys], onChange: (change) => usageFeed?.changed(change) }
        : undefined,
    });
  } catch (error) {
    await closeOrigins();
    throw error;
  }
  const deps: Runtime = {
    clock,
    dynamo:
      options.functionDynamo?.({ endpoint: dynamo.endpoint, credentials: dynamo.credentials }) ??
      dynamo.client,
    retry: options.retry,
    settings: {
      keysTable: TABLE_NAMES.keys,
      dataTable: TABLE_NAMES.data,
      auditTable: TABLE_NAMES.audit,
      usageTable: TABLE_NAMES.usage,
      rateLimit: options.rateLimit ?? 100,
      rateWindowSeconds: options.rateWindowSeconds ?? 900,
      secretsManagerHook: options.secretsManagerHook ?? false,
      secretScanningKeys: options.secretScanningKeys ?? {},
      webhooksAllowLoopback: options.webhooksAllowLoopback ?? false,
      webhookRetryBaseSeconds: options.webhookRetryBaseSeconds ?? 30,
      webhookRetryQueueUrl: LOCAL_RETRY_QUEUE_URL,
      envName: "local",
      telemetry: options.telemetry ?? false,
      consoleOrigin: page.origin,
      consoleClientId: LOCAL_CONSOLE_CLIENT_ID,
      keyLimits: options.keyLimits,
    },
  };
  provideFunctionEnvironment({ ...TABLE_NAMES, retryQueueUrl: LOCAL_RETRY_QUEUE_URL });
  let remind: () => Promise<ReminderRun>;
  // Before the front opens, so that no commit can slip between the outbox scan and the first report.
  try {
    remind = await loadHandler(options.projectRoot, EXPIRY_REMINDERS_MODULE, deps);
    if (followKeys) {
      const writer = await loadHandler<StreamHandler>(options.projectRoot, USAGE_HISTORY_MODULE, deps);
      usageFeed = await startUsageHistoryFeed({
        client: dynamo.client,
        keysTable: TABLE_NAMES.keys,
        handler: options.usageHistory?.wrap?.(writer) ?? writer,
        retryDelayMs: options.usageHistory?.retryDelayMs,
      });
    }
  } catch (error) {
    await dynamo.close();
    await closeOrigins();
    throw error;
  }
  if (options.webhookDelivery?.enabled !== false) {
    try {
      poller = await startWebhookPoller({
        client: dynamo.client,
        dataTable: TABLE_NAMES.data,
        retriesTable: TABLE_NAMES.webhookRetries,
        clock,
        pollIntervalMs: options.webhookDelivery?.pollIntervalMs,
        dispatcher: (host) =>
          loadHandler(options.projectRoot, WEBHOOK_DISPATCH_MODULE, {
            ...deps,
            webhooks: {
              ...host,
              resolve: options.webhookDelivery?.resolve,
              post: options.webhookDelivery?.post,
              random: options.webhookDelivery?.random,
            },
          }),
      });
    } catch (error) {
      await usageFeed?.close();
      await dynamo.close();
      await closeOrigins();
      throw error;
    }
  }
  const adminToken = options.adminToken ?? randomBytes(24).toString("base64url");
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  try {
    const signIn = await startLocalSignIn({
      issuer: signInServer.origin,
      consoleOrigin: page.origin,
      adminToken,
      tokenSeconds: options.consoleTokenSeconds ?? 900,
    });
    signInServer.serve(signIn.handle);
    gateway = await startGateway({
      projectRoot: options.projectRoot,
      deps,
      adminToken,
      host: options.host,
      port: options.port,
      observe: options.observe,
      functionDeadlineMs: options.functionDeadlineMs,
      consoleOrigin: page.origin,
      cognito: cognitoStep({ issuer: signIn.issuer, jwks: signIn.jwks }),
    });
    page.serve(
      consolePage({
        projectRoot: options.projectRoot,
        origins: { api: gateway.url, signIn: [signIn.issuer] },
        config: {
          apiUrl: `${gateway.url}/`,
          authority: signIn.issuer,
          clientId: signIn.clientId,
          signInOrigin: signIn.issuer,
        },
      }),
    );
  } catch (error) {
    await poller?.close();
    await usageFeed?.close();
    await dynamo.close();
    await closeOrigins();
    throw error;
  }
  const reminders = startReminders(options.reminderIntervalSeconds ?? 3600, remind);
  await reminders.run();
  return {
    url: gateway.url,
    consoleUrl: `${page.origin}${CONSOLE_PAGE_PATH}`,
    consoleOrigin: page.origin,
    signInOrigin: signInServer.origin,
    adminToken,
    dynamoEndpoint: dynamo.endpoint,
    dynamoCredentials: dynamo.credentials,
    deps,
    sweepExpired: () => dynamo.sweepExpired(),
    sendReminders: remind,
    close: async () => {
      await reminders.stop();
      await gateway.close();
      await closeOrigins();
      await poller?.close();
      await usageFeed?.close();
      await dynamo.close();
    },
  };
}

/**
 * The local stand-in for the daily reminder schedule: one run of the reminders' handler at a time,
 * every `seconds` (real time), a failed run reported and retried at the next tick, never a crash of
 * the runtime.
 */
function startReminders(seconds: number, remind: () => Promise<ReminderRun>) {
  let running: Promise<unknown> = Promise.resolve();
  const run = () => {
    running = running.then(remind).catch((error: unknown) => {
      process.stderr.write(
        `expiry reminders failed: ${error instanceof Error ? error.message : "unknown"}\n`,
      );
    });
    return running;
  };
  const timer = setInterval(run, seconds * 1000);
  timer.unref();
  return {
    run,
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
