/**
 * One error model for every Fynex response (API.md §4): a closed list of codes, each with its status,
 * and one envelope. Pure data, shared by the handlers and by the stack's API Gateway answers, so both
 * answer in the same envelope with the same codes.
 */
export const ERROR_STATUS = {
  validation_error: 400,
  unauthorized: 401,
  insufficient_scope: 403,
  ip_not_allowed: 403,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  bad_gateway: 502,
  unavailable: 503,
  timeout: 504,
} as const;

/** A code of the envelope's `error.code`. */
export type ErrorCode = keyof typeof ERROR_STATUS;

/** One invalid input: where (`body.name`, `query.limit`, ...) and what is wrong with it. */
export interface ErrorDetail {
  path: string;
  message: string;
}

/** The body of every error answer, from a handler or from API Gateway itself. */
export interface ErrorEnvelope {
  error: { code: ErrorCode; message: string; requestId: string; details: ErrorDetail[] };
}

/** The envelope of one error answer. */
export function errorEnvelope(
  code: ErrorCode,
  message: string,
  requestId: string,
  details: ErrorDetail[] = [],
): ErrorEnvelope {
  return { error: { code, message, requestId, details } };
}
