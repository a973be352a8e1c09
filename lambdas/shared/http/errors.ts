import { ERROR_STATUS, type ErrorCode, type ErrorDetail } from "../../../contract/error-codes";

/**
 * An error the edge throws to answer with one of the codes of `contract/error-codes.ts`: its own
 * refusals (a malformed body, 413, 415, the 401/403 gates, 429) and, through `failureError`
 * (`failures.ts`), the failures of stores and services. Only the envelope middleware turns it into a
 * response, in the envelope of API.md §4.
 */
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

export const notFound = (what = "resource", details: ErrorDetail[] = []) =>
  new HttpError("not_found", `The ${what} was not found.`, { details });

export const validationError = (details: ErrorDetail[]) =>
  new HttpError("validation_error", "The request is not valid.", { details });
