/**
 * Names of the custom metrics (CloudWatch embedded metric format), shared by the Lambdas that emit
 * them and the stack's alarms and dashboard, so the two cannot drift. Pure data.
 */
export const METRICS_NAMESPACE = "Fynex";

/** The `service` dimension of each emitter. */
export const SERVICE = { authorizer: "fynex-authorizer", api: "fynex-api", admin: "fynex-admin" } as const;

/** Every authorizer decision is counted under one of these (dimension `outcome`). */
export const AUTHORIZER_OUTCOMES = [
  "valid",
  "unknown",
  "malformed",
  "expired",
  "revoked",
  "throttled",
  "ip_denied",
  "storage_error",
] as const;
export type AuthorizerOutcome = (typeof AUTHORIZER_OUTCOMES)[number];

/** The outcomes API Gateway answers 401 for. */
export const UNAUTHORIZED_OUTCOMES: readonly AuthorizerOutcome[] = [
  "unknown",
  "malformed",
  "expired",
  "revoked",
];

export const METRIC = {
  /** Count, dimensions `environment`, `outcome`. */
  authorizerDecisions: "AuthorizerDecisions",
  /** Milliseconds, dimensions `environment`, `route`. */
  latency: "Latency",
  /** Count of 5xx answers, dimensions `environment`, `route`. */
  serverErrors: "ServerErrors",
  /** Count of 429 answers, dimension `environment`. */
  rateLimited: "RateLimited",
} as const;
