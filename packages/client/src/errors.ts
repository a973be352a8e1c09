import type { components } from "./openapi.js";
import { retryAfterSeconds } from "./retry.js";

/**
 * The error envelope every non-2xx answer of the API carries (API.md §4), as the document declares it.
 * Found among the named schemas by its shape, not by its name, so that renaming the schema in the
 * document (`Error` shadows JavaScript's own in generated code) needs nothing here but regenerating.
 */
export type ErrorEnvelope = {
  [Name in keyof Schemas]: Schemas[Name] extends {
    error: { code: string; requestId: string; details: unknown[] };
  }
    ? Schemas[Name]
    : never;
}[keyof Schemas];
type Schemas = components["schemas"];

/**
 * An envelope's `code`, or `unexpected_response` for a non-2xx answer that is not in the envelope (an
 * HTML page from a proxy between the integration and the API, say): the API's own list is closed.
 */
export type FynexErrorCode = ErrorEnvelope["error"]["code"] | "unexpected_response";

/** One problem of a `validation_error`: where (`body`, `name`, `scopes[0]`, `query.limit`) and what. */
export type FynexErrorDetail = ErrorEnvelope["error"]["details"][number];

/**
 * A non-2xx answer of the API, with what its envelope says. `requestId` is the one to quote to Fynex
 * support: the envelope's, else the answer's `X-Request-Id` (or API Gateway's `x-amzn-RequestId`).
 * `retryAfterSeconds` is set when the answer asked to be retried later (429, 503) and the client did not
 * wait it out (retries off, spent, or a wait longer than `retry.maxDelaySeconds`).
 */
export class FynexApiError extends Error {
  override readonly name = "FynexApiError";
  readonly status: number;
  readonly code: FynexErrorCode;
  readonly requestId: string | undefined;
  readonly details: FynexErrorDetail[];
  readonly retryAfterSeconds: number | undefined;
  /** The answer's headers (the RateLimit fields among them). */
  readonly headers: Headers;
  /** The answer's body as it came, parsed as JSON when it was JSON. */
  readonly body: unknown;

  constructor(response: Pick<Response, "status" | "headers">, body: unknown) {
    const envelope = isErrorEnvelope(body) ? body.error : undefined;
    super(envelope?.message ?? `The API answered ${response.status} without its error envelope.`);
    this.status = response.status;
    this.code = envelope?.code ?? "unexpected_response";
    this.requestId =
      envelope?.requestId ??
      response.headers.get("X-Request-Id") ??
      response.headers.get("x-amzn-RequestId") ??
      undefined;
    this.details = envelope?.details ?? [];
    this.retryAfterSeconds = retryAfterSeconds(response.headers.get("Retry-After"));
    this.headers = response.headers;
    this.body = body;
  }
}

/** True when `body` has the envelope's shape: `{ error: { code, message, requestId, details } }`. */
export function isErrorEnvelope(body: unknown): body is ErrorEnvelope {
  if (typeof body !== "object" || body === null || !("error" in body)) return false;
  const error: unknown = body.error;
  return (
    typeof error === "object" &&
    error !== null &&
    "code" in error &&
    typeof error.code === "string" &&
    "message" in error &&
    typeof error.message === "string" &&
    "requestId" in error &&
    typeof error.requestId === "string" &&
    "details" in error &&
    Array.isArray(error.details)
  );
}

/**
 * The data of a successful call, or a thrown {@link FynexApiError} for any other answer:
 * `const page = unwrap(await fynex.GET("/api/v1/accounts"))`. Takes what every method of the client
 * resolves to (openapi-fetch's `{ data, error, response }`).
 */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (!result.response.ok) throw new FynexApiError(result.response, result.error);
  return result.data as T;
}
