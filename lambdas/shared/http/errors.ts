/**
 * One error model for every Fynex response (API.md §4): a closed list of codes, each with its status,
 * and one envelope. Handlers throw `HttpError`; only the error middleware turns it into a response.
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

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorDetail {
  path: string;
  message: string;
}

export interface ErrorEnvelope {
  error: { code: ErrorCode; message: string; requestId: string; details: ErrorDetail[] };
}

export class HttpError extends Error {
  readonly statusCode: number;
  readonly code: ErrorCode;
  readonly details: ErrorDetail[];
  readonly headers: Record<string, string>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { details?: ErrorDetail[]; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = "HttpError";
    this.code = code;
    this.statusCode = ERROR_STATUS[code];
    this.details = options.details ?? [];
    this.headers = options.headers ?? {};
  }
}

export function errorEnvelope(
  code: ErrorCode,
  message: string,
  requestId: string,
  details: ErrorDetail[] = [],
): ErrorEnvelope {
  return { error: { code, message, requestId, details } };
}

export const notFound = (what = "resource") => new HttpError("not_found", `The ${what} was not found.`);

export const validationError = (details: ErrorDetail[]) =>
  new HttpError("validation_error", "The request is not valid.", { details });
