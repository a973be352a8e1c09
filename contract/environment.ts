/**
 * The environment variables the stack sets on its functions and `lambdas/shared/runtime.ts` reads
 * (the local runtime sets the same settings directly). Pure data: one name each, so the side that
 * writes a variable and the side that reads it cannot drift apart.
 */
export const ENV = {
  /** The keys table's name (authorizer, key management, secret scanning, the signing-key refresher). */
  keysTable: "KEYS_TABLE_NAME",
  /** The data table's name (business Lambdas, the webhook dispatcher). */
  dataTable: "DATA_TABLE_NAME",
  /** The audit table's name (key management, secret scanning). */
  auditTable: "AUDIT_TABLE_NAME",
  /** The usage history table's name (the keys stream's writer puts into it, key management reads it; API.md §11). */
  usageTable: "USAGE_TABLE_NAME",
  /** Default requests per key per window. */
  rateLimit: "FYNEX_RATE_LIMIT",
  rateWindowSeconds: "FYNEX_RATE_WINDOW_SECONDS",
  /** The environment's name: the metrics' `environment` dimension and the hook's secret names. */
  envName: "FYNEX_ENV",
  /** `1`: copy created and rotated keys to Secrets Manager (API.md §5). */
  secretsManagerHook: "FYNEX_SECRETS_MANAGER_HOOK",
  /** A JSON object of GitHub signing key id → PEM, trusted besides the stored list (local, tests). */
  secretScanningKeys: "FYNEX_SECRET_SCANNING_KEYS",
  /** Base of the webhook retry schedule, seconds. */
  webhookRetryBaseSeconds: "FYNEX_WEBHOOK_RETRY_BASE_SECONDS",
  /** The SQS queue webhook retries wait in (the dispatcher only). */
  webhookRetryQueueUrl: "WEBHOOK_RETRY_QUEUE_URL",
  /** The console page's origin, the only one its API's CORS answers name (the console function). */
  consoleOrigin: "FYNEX_CONSOLE_ORIGIN",
  /** The page's Cognito app client id: the only `aud` the console function takes (the console function). */
  consoleClientId: "FYNEX_CONSOLE_CLIENT_ID",
} as const;
