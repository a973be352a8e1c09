import { consoleCorsHeaders } from "../contract/console";
import { type ErrorCode, errorEnvelope } from "../contract/error-codes";

/**
 * API Gateway's own answers, in the envelope of API.md §4. The stack turns each into a gateway
 * response (body template with `$context.requestId`); the local runtime answers with the same body,
 * so a client sees one shape whoever answered.
 */
export interface GatewayAnswer {
  /** Absent: API Gateway keeps the status it chose (only for DEFAULT_4XX). */
  statusCode?: number;
  code: ErrorCode;
  message: string;
  /** Extra headers (static values). */
  headers?: Record<string, string>;
}

/** The authorizer could not read the keys table: fail closed, and say when to come back. */
const STORAGE_DOWN = {
  statusCode: 503,
  code: "unavailable",
  message: "The service cannot check keys right now; retry shortly.",
  headers: { "Retry-After": "1" },
} as const;

/** Stage throttling (the outer guard) and usage-plan quotas answer alike. */
const TOO_MANY_REQUESTS = {
  statusCode: 429,
  code: "rate_limited",
  message: "Too many requests; slow down.",
  headers: { "Retry-After": "1" },
} as const;

const DENIED = { statusCode: 403, code: "forbidden", message: "Access denied." } as const;

export const GATEWAY_RESPONSES = {
  UNAUTHORIZED: { statusCode: 401, code: "unauthorized", message: "A valid API key is required." },
  AUTHORIZER_FAILURE: STORAGE_DOWN,
  AUTHORIZER_CONFIGURATION_ERROR: STORAGE_DOWN,
  ACCESS_DENIED: DENIED,
  MISSING_AUTHENTICATION_TOKEN: {
    statusCode: 403,
    code: "forbidden",
    message: "This route needs a signed request.",
  },
  INVALID_SIGNATURE: { statusCode: 403, code: "forbidden", message: "The request signature is not valid." },
  EXPIRED_TOKEN: { statusCode: 403, code: "forbidden", message: "The request signature has expired." },
  THROTTLED: TOO_MANY_REQUESTS,
  REQUEST_TOO_LARGE: { statusCode: 413, code: "payload_too_large", message: "The request is too large." },
  INTEGRATION_FAILURE: { statusCode: 502, code: "bad_gateway", message: "The service failed to answer." },
  INTEGRATION_TIMEOUT: { statusCode: 504, code: "timeout", message: "The service took too long to answer." },
  BAD_REQUEST_PARAMETERS: {
    statusCode: 400,
    code: "validation_error",
    message: "The request parameters are not valid.",
  },
  BAD_REQUEST_BODY: { statusCode: 400, code: "validation_error", message: "The request body is not valid." },
  RESOURCE_NOT_FOUND: { statusCode: 404, code: "not_found", message: "No such route." },
  UNSUPPORTED_MEDIA_TYPE: {
    statusCode: 415,
    code: "unsupported_media_type",
    message: "Unsupported content type.",
  },
  WAF_FILTERED: DENIED,
  QUOTA_EXCEEDED: TOO_MANY_REQUESTS,
  API_CONFIGURATION_ERROR: {
    statusCode: 500,
    code: "internal_error",
    message: "Something went wrong on our side.",
  },
  /**
   * Only response types AWS may add later reach this (every known one is mapped above). It keeps the
   * status API Gateway chose, since clients' retry logic keys on it, and says `forbidden`, the one code
   * that fits any refusal; the stack names the response type in the message.
   */
  DEFAULT_4XX: { code: "forbidden", message: "The request was refused." },
  DEFAULT_5XX: { statusCode: 500, code: "internal_error", message: "Something went wrong on our side." },
} as const satisfies Record<string, GatewayAnswer>;

export type GatewayResponseType = keyof typeof GATEWAY_RESPONSES;

/** The catch-all route's answer for an unknown path or method. */
export const NOT_FOUND = {
  statusCode: 404,
  code: "not_found",
  message: "No such route. See /api/v1/openapi.json.",
} as const satisfies GatewayAnswer;

/** The local runtime's admin routes without a valid bearer token (IAM's place locally). */
export const ADMIN_UNAUTHORIZED = {
  statusCode: 401,
  code: "unauthorized",
  message: "A valid admin token is required.",
} as const satisfies GatewayAnswer;

/**
 * The headers of a gateway answer: its content type, its own (`Retry-After`), and CORS for the
 * console's page (API.md §10), so that the page can read the envelope of a 401 for an expired token
 * or a 429 instead of seeing a network error. The stack sets the same headers on every gateway
 * response (static values, quoted there); the local gateway sends them as they are.
 */
export function gatewayAnswerHeaders(answer: GatewayAnswer, consoleOrigin?: string): Record<string, string> {
  return {
    "Content-Type": "application/json",
    ...answer.headers,
    ...(consoleOrigin === undefined ? {} : consoleCorsHeaders(consoleOrigin)),
  };
}

/**
 * What lets the console's page read an answer: its origin, the only one named, with `Vary: Origin`.
 * One definition (`contract/console.ts`) for the console function's answers and the gateway's.
 */
export { consoleCorsHeaders };

/** The body of a gateway answer; the stack passes `$context.requestId` for API Gateway to fill in. */
export function gatewayAnswerBody(answer: GatewayAnswer, requestId: string): string {
  return JSON.stringify(errorEnvelope(answer.code, answer.message, requestId));
}
