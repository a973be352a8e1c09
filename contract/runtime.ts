import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";

/**
 * What a function gets from whatever runs it: Lambda deployed (`runtimeFromEnvironment` in
 * `lambdas/shared/runtime.ts`), the local runtime on one machine (`lib/local/`), or a test. Each entry
 * module (`*.handler.ts`) exposes `createHandler(runtime: Runtime)`; its Lambda `handler` is built
 * over the environment's runtime when the module loads (docs/DECISIONS.md #270). Types only: both
 * sides agree on these shapes, neither imports the other (docs/DECISIONS.md #275).
 */

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

/** How retries of cancelled transactions (and re-reads after lost races) wait. Injectable, so tests run the backoff without sleeping. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Ceiling of the first wait, ms; doubles each attempt up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  sleep: (ms: number) => Promise<void>;
  /** Uniform in [0, 1). */
  random: () => number;
}

/** One address a host name resolved to. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to every address it has (injectable: tests answer with inside addresses). */
export type ResolveHost = (hostname: string) => Promise<ResolvedAddress[]>;

export interface PostRequest {
  url: URL;
  /**
   * The addresses the connection may use: those resolved and checked just before. The socket connects
   * to one of them and to nothing else, so a second resolution (DNS rebinding) cannot redirect it
   * inside. Empty for an IP-literal host, which is connected to as written.
   */
  addresses: ResolvedAddress[];
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** Aborts the request (the local runtime closing). */
  signal?: AbortSignal;
}

/** The receiver's status; a failure to get one (timeout, refused connection, TLS) is thrown. */
export type PostWebhook = (request: PostRequest) => Promise<{ statusCode: number }>;

/** The one SQS call the webhook dispatcher makes: a retry, delayed until it is due (at most 900 s). */
export type SendMessage = (input: {
  QueueUrl: string;
  MessageBody: string;
  DelaySeconds: number;
}) => Promise<void>;

/**
 * The webhook dispatcher's outside world, each part its AWS or system one when absent: the local
 * runtime keeps the retry queue in its embedded DynamoDB (there is no local SQS) and aborts attempts
 * in flight when it closes; tests answer DNS and HTTP themselves.
 */
export interface WebhookHost {
  sendMessage?: SendMessage;
  resolve?: ResolveHost;
  post?: PostWebhook;
  /** Uniform in [0, 1): the retries' jitter. */
  random?: () => number;
  signal?: AbortSignal;
}

export interface Runtime {
  clock: Clock;
  dynamo: DynamoDBClient;
  settings: Settings;
  /** How `TransactionConflict` cancellations are retried; `DEFAULT_RETRY` when absent (tests inject one). */
  retry?: RetryPolicy;
  /** The webhook dispatcher's SQS, DNS and HTTP, when not AWS's and the system's. */
  webhooks?: WebhookHost;
}

/** What one run of the scheduled expiry reminders (API.md §11) answers. */
export interface ReminderRun {
  /** Keys of the index read. */
  checked: number;
  /** Reminders that committed in this run. */
  sent: number;
  /** Expired keys this run took off their org's active-key counter (`discountExpiredKeys`). */
  discounted: number;
  /** Rotation-due reminders (API.md §12) that committed in this run. */
  rotationDue: number;
  /**
   * Reminder days (`rotationDueDay`, `expiryDay`) this run's backfill gave keys made before them
   * (docs/DECISIONS.md #333); 0 once the backfill is complete.
   */
  backfilled: number;
}
