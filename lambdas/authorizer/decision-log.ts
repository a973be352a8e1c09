import { type AuthorizerOutcome, METRIC, METRICS_NAMESPACE, SERVICE } from "../../contract/metric-names";

/**
 * One line per decision: a structured log line that is also a CloudWatch embedded-metric-format
 * record, so CloudWatch counts `AuthorizerDecisions` by outcome from the log alone (no API call, no
 * library on the authorizer's cold start). It names the key by id, never the key.
 */
export function decisionLine(
  outcome: AuthorizerOutcome,
  fields: { environment: string; requestId?: string; keyId?: string; nowMs: number },
): string {
  return JSON.stringify({
    _aws: {
      Timestamp: fields.nowMs,
      CloudWatchMetrics: [
        {
          Namespace: METRICS_NAMESPACE,
          Dimensions: [["service", "environment", "outcome"]],
          Metrics: [{ Name: METRIC.authorizerDecisions, Unit: "Count" }],
        },
      ],
    },
    level: outcome === "storage_error" ? "ERROR" : "INFO",
    message: "authorizer decision",
    service: SERVICE.authorizer,
    environment: fields.environment,
    outcome,
    requestId: fields.requestId,
    keyId: fields.keyId,
    [METRIC.authorizerDecisions]: 1,
  });
}
