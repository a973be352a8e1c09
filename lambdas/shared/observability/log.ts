import type { Context } from "aws-lambda";
import { SERVICE } from "../../../contract/metric-names";

/**
 * The process's structured log: one JSON line per call, in the shape Powertools' logger wrote before
 * it (docs/DECISIONS.md #336), so CloudWatch queries and the runbooks read the same keys: `level`,
 * `message`, `timestamp`, `service`, the Lambda context of the invocation being served (`cold_start`,
 * `function_arn`, `function_memory_size`, `function_name`, `function_request_id`), `xray_trace_id`,
 * then the caller's fields; not Powertools' `sampling_rate`, always 0 (nothing is sampled). Callers
 * pass named fields, never events, headers or bodies, so no key can reach a log through here; nothing
 * in this module can log an event, whatever a variable says (`POWERTOOLS_LOGGER_LOG_EVENT` is read by
 * nothing).
 *
 * INFO lines go to stdout, WARN and ERROR to stderr (both reach the function's log group). With
 * `POWERTOOLS_DEV` true (the test suite; the name Powertools gave it, kept) they go through the
 * global `console` instead, which tests watch, indented for reading.
 */
type Level = "info" | "warn" | "error";

const THRESHOLD = { INFO: 12, WARN: 16, ERROR: 20 } as const;
type LevelName = keyof typeof THRESHOLD;

/** Keys a caller's fields may not set (dropped): the line's own. */
const RESERVED = new Set(["level", "message", "timestamp", "service"]);

/** One service per process (a Lambda serves one), fixed by the first that asks, as Powertools had it. */
let service: string | undefined;
/** The least level written; INFO until a function's settings say (`setLogLevel`). */
let threshold: number = THRESHOLD.INFO;
/** The Lambda context fields of the invocation last served, kept until the next replaces them. */
let lambdaFields: Record<string, unknown> | undefined;
/** Lambda's first on-demand invocation of this process is its cold start; provisioned ones never are. */
let coldStart = process.env.AWS_LAMBDA_INITIALIZATION_TYPE?.trim() === "on-demand";

const TRUE = new Set(["true", "1", "yes", "on", "y"]);
const FALSE = new Set(["false", "0", "no", "off", "n"]);

/** An environment flag read as Powertools read its own: true, false, or unset (or unreadable). */
export function envFlag(name: string): boolean | undefined {
  const value = process.env[name]?.trim().toLowerCase();
  if (value === undefined) return undefined;
  return TRUE.has(value) ? true : FALSE.has(value) ? false : undefined;
}

/** Development mode (`POWERTOOLS_DEV`): lines through the global `console`, indented; no metrics. */
export const devMode = () => envFlag("POWERTOOLS_DEV") === true;

/** The process's service name: the first asked for, else the API's. */
export function logService(asked?: string): string {
  service ??= asked ?? SERVICE.api;
  return service;
}

/** Sets the least level written from now on (a function's settings, at its cold start). */
export function setLogLevel(level: "INFO" | "WARN"): void {
  threshold = THRESHOLD[level];
}

/**
 * Takes the fields of the invocation about to be served from its Lambda context: its request id and
 * the function's name, ARN and memory; `cold_start` is true on the process's first one only.
 */
export function setLambdaContext(context: Context | undefined): void {
  lambdaFields = {
    cold_start: coldStart,
    function_arn: context?.invokedFunctionArn,
    function_memory_size: context?.memoryLimitInMB,
    function_name: context?.functionName,
    function_request_id: context?.awsRequestId,
  };
  coldStart = false;
}

/** Where Lambda's runtime keeps the invocation's trace header when it serves several at once. */
type LambdaGlobal = { awslambda?: { InvokeStore?: { getXRayTraceId?: () => string | undefined } } };

/** The X-Ray trace id Lambda gives the invocation (`Root=` of `_X_AMZN_TRACE_ID`), if any. */
function traceId(): string | undefined {
  const store = (globalThis as LambdaGlobal).awslambda?.InvokeStore;
  const header = store?.getXRayTraceId?.() ?? process.env._X_AMZN_TRACE_ID;
  if (!header) return undefined;
  if (!header.includes("=")) return header;
  return /(?:^|;)\s*Root=([^;]*)/.exec(header)?.[1];
}

/** A top-level value the line leaves out, as Powertools did: absent, null or empty. */
const isEmpty = (value: unknown) => value === undefined || value === null || value === "";

/** JSON for a line: a bigint as its digits, an error as its name, message and stack (not `{}`). */
function replacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  return value;
}

function stringify(line: Record<string, unknown>, indent: boolean): string {
  const kept = Object.entries(line).filter(([, value]) => !isEmpty(value));
  return JSON.stringify(Object.fromEntries(kept), replacer, indent ? 4 : 0);
}

/** Writes one line at `level` if the process's level lets it through. */
export function log(level: Level, message: string, fields: Record<string, unknown> = {}): void {
  const name = level.toUpperCase() as LevelName;
  if (THRESHOLD[name] < threshold) return;
  const own: Record<string, unknown> = {
    level: name,
    message,
    timestamp: new Date().toISOString(),
    service: logService(),
    ...lambdaFields,
    xray_trace_id: traceId(),
  };
  const line = { ...own };
  for (const [key, value] of Object.entries(fields)) if (!RESERVED.has(key)) line[key] = value;
  const dev = devMode();
  let text: string;
  try {
    text = stringify(line, dev);
  } catch {
    // Fields JSON cannot hold (a cycle): the line still says what happened, without them.
    text = stringify(own, dev);
  }
  if (dev) console[level](text);
  else (level === "info" ? process.stdout : process.stderr).write(`${text}\n`);
}

/** An unexpected error as log fields: its class and where it came from, not its data. */
export function errorFields(error: unknown): Record<string, unknown> {
  if (error instanceof Error)
    return { errorName: error.name, errorMessage: error.message, stack: error.stack };
  return { errorName: typeof error };
}
