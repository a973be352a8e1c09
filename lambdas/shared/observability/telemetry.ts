import type middy from "@middy/core";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { METRIC, METRICS_NAMESPACE } from "../../../contract/metric-names";
import type { Settings } from "../../../contract/runtime";
import type { HttpResult } from "../http/http-result";
import { requestState } from "../http/request-state";
import { emfDocument, type Metric, publish } from "./emf";
import { log, logService, setLambdaContext, setLogLevel } from "./log";

/**
 * Structured logs and metrics, our own (`log.ts`, `emf.ts`; docs/DECISIONS.md #336): JSON log lines,
 * and metrics in the embedded metric format (CloudWatch reads them from the log, no API call). One
 * service, one level and one set of metric dimensions per process (a Lambda serves one service). The
 * per-request lines and metrics are off when the function's settings say so (the test suite), so
 * that thousands of requests do not print; `npm start` and deployed stages write them.
 */

/** What telemetry reads of a function's settings. */
export type TelemetrySettings = Pick<Settings, "telemetry" | "envName">;

/**
 * Sets the process's log to a function's settings; its `createHandler` calls it once, at its cold
 * start: warnings and errors always, the per-request lines only with telemetry on. `log()` then writes
 * at that level, under the first service named (the local runtime's functions share its one process
 * and its settings).
 */
export function telemetryLogger(settings: TelemetrySettings, service?: string): void {
  setLogLevel(settings.telemetry === true ? "INFO" : "WARN");
  logService(service);
}

/** The metrics' dimensions every document carries, fixed by the first function to publish. */
let metricDimensions: Readonly<Record<string, string>> | undefined;

type Request = middy.Request<APIGatewayProxyEvent, APIGatewayProxyResult | HttpResult>;

/** Who and what a request was about, for its log line: ids only (from the event or the request's state). */
export type RequestFields = (request: Request) => Record<string, string | undefined>;

/**
 * Registered before the envelope, so it runs after it on the way out and sees the final answer: one
 * log line per request (request id, route, status, outcome, duration, and the caller's org and key
 * ids) and its metrics (latency and 5xx per route, 429s). The invocation's Lambda context goes on
 * every line written while it is served; its event never does.
 */
export function requestTelemetry(
  service: string,
  settings: TelemetrySettings,
  fields: RequestFields,
): middy.MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult | HttpResult> {
  telemetryLogger(settings, service);
  const record = (request: Request) => {
    if (settings.telemetry !== true) return;
    const response = request.response as APIGatewayProxyResult | undefined;
    const status = response?.statusCode ?? 500;
    const startedAt = requestState(request.context).startedAt ?? performance.now();
    const durationMs = Math.round(performance.now() - startedAt);
    const route = `${request.event.httpMethod} ${request.event.resource}`;
    log("info", "request", {
      requestId: request.event.requestContext?.requestId,
      route,
      status,
      outcome: status < 400 ? "ok" : errorCode(response?.body),
      durationMs,
      ...fields(request),
    });
    // Twice: per route (latency, errors), and across routes (what the alarms read: an alarm cannot
    // sum a metric over a dimension's values).
    metricDimensions ??= { service, environment: settings.envName ?? "local" };
    const counts: Metric[] = [
      { name: METRIC.serverErrors, unit: "Count", value: status >= 500 ? 1 : 0 },
      { name: METRIC.rateLimited, unit: "Count", value: status === 429 ? 1 : 0 },
    ];
    publish(
      emfDocument(METRICS_NAMESPACE, { ...metricDimensions, route }, [
        { name: METRIC.latency, unit: "Milliseconds", value: durationMs },
        ...counts,
      ]),
    );
    publish(emfDocument(METRICS_NAMESPACE, metricDimensions, counts));
  };
  return {
    before: (request) => {
      setLambdaContext(request.context);
      requestState(request.context).startedAt = performance.now();
    },
    after: record,
    onError: record,
  };
}

function errorCode(body: string | undefined): string {
  try {
    const parsed = JSON.parse(body ?? "") as { error?: { code?: string } };
    return parsed.error?.code ?? "error";
  } catch {
    return "error";
  }
}
