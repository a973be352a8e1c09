import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type middy from "@middy/core";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { METRIC, METRICS_NAMESPACE, SERVICE } from "../../../contract/metric-names";
import type { Settings } from "../../../contract/runtime";
import type { HttpResult } from "../http/http-result";
import { requestState } from "../http/request-state";

/**
 * Structured logs and metrics with Powertools for AWS Lambda: JSON log lines, and metrics in the
 * embedded metric format (CloudWatch reads them from the log, no API call). One logger and one
 * metrics instance per process (a Lambda serves one service), as Powertools has them. Off when the
 * function's settings say so (the test suite), so that thousands of requests do not print; `npm start`
 * and deployed stages write them.
 */
let logger: Logger | undefined;
let metrics: Metrics | undefined;
/** The level the process's functions were built to log at (`telemetryLogger`); Powertools' until then. */
let level: "INFO" | "WARN" | undefined;

/** What telemetry reads of a function's settings. */
export type TelemetrySettings = Pick<Settings, "telemetry" | "envName">;

/**
 * The process's logger, named after the first service that asks (a Lambda serves one; the local
 * runtime's one process serves them all). Fields only: never an event, a header or a body.
 */
export function appLogger(service: string = SERVICE.api): Logger {
  logger ??= new Logger({ serviceName: service });
  // Set again at each use: Powertools puts a logger back to its initial level at each invocation it
  // wraps (`injectLambdaContext`).
  if (level) logger.setLogLevel(level);
  return logger;
}

/**
 * The process's logger, set to a function's settings by its `createHandler` (once, at its cold
 * start): warnings and errors always, the per-request lines only with telemetry on. `log()` then
 * writes at that level. The local runtime's functions share its one process and its settings.
 */
export function telemetryLogger(settings: TelemetrySettings, service?: string): Logger {
  level = settings.telemetry === true ? "INFO" : "WARN";
  return appLogger(service);
}

function appMetrics(service: string, settings: TelemetrySettings): Metrics {
  metrics ??= new Metrics({
    namespace: METRICS_NAMESPACE,
    serviceName: service,
    defaultDimensions: { environment: settings.envName ?? "local" },
  });
  return metrics;
}

type Request = middy.Request<APIGatewayProxyEvent, APIGatewayProxyResult | HttpResult>;

/** Who and what a request was about, for its log line: ids only (from the event or the request's state). */
export type RequestFields = (request: Request) => Record<string, string | undefined>;

/**
 * Registered before the envelope, so it runs after it on the way out and sees the final answer: one
 * log line per request (request id, route, status, outcome, duration, and the caller's org and key
 * ids) and its metrics (latency and 5xx per route, 429s).
 */
export function requestTelemetry(
  service: string,
  settings: TelemetrySettings,
  fields: RequestFields,
): middy.MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult | HttpResult>[] {
  const record = (request: Request) => {
    if (settings.telemetry !== true) return;
    const response = request.response as APIGatewayProxyResult | undefined;
    const status = response?.statusCode ?? 500;
    const startedAt = requestState(request.context).startedAt ?? performance.now();
    const durationMs = Math.round(performance.now() - startedAt);
    const route = `${request.event.httpMethod} ${request.event.resource}`;
    appLogger().info("request", {
      requestId: request.event.requestContext?.requestId,
      route,
      status,
      outcome: status < 400 ? "ok" : errorCode(response?.body),
      durationMs,
      ...fields(request),
    });
    // Twice: per route (latency, errors), and across routes (what the alarms read: an alarm cannot
    // sum a metric over a dimension's values).
    const m = appMetrics(service, settings);
    const counts = () => {
      m.addMetric(METRIC.serverErrors, MetricUnit.Count, status >= 500 ? 1 : 0);
      m.addMetric(METRIC.rateLimited, MetricUnit.Count, status === 429 ? 1 : 0);
    };
    m.addDimensions({ route });
    m.addMetric(METRIC.latency, MetricUnit.Milliseconds, durationMs);
    counts();
    m.publishStoredMetrics();
    counts();
    m.publishStoredMetrics();
  };
  return [
    // `logEvent: false` wins over POWERTOOLS_LOGGER_LOG_EVENT: the event carries the X-API-Key header.
    injectLambdaContext(telemetryLogger(settings, service), { resetKeys: true, logEvent: false }),
    {
      before: (request) => {
        requestState(request.context).startedAt = performance.now();
      },
      after: record,
      onError: record,
    },
  ];
}

function errorCode(body: string | undefined): string {
  try {
    const parsed = JSON.parse(body ?? "") as { error?: { code?: string } };
    return parsed.error?.code ?? "error";
  } catch {
    return "error";
  }
}
