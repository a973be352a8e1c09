/**
 * Expected failures as the domain names them, thrown by stores and services that have no value to
 * return for them. They know nothing of HTTP: the edge (`lambdas/shared/http/response.ts`) alone maps
 * each kind to a code, a status and headers (docs/DECISIONS.md #117).
 */
export type DomainErrorKind =
  /** The named resource is not there (or is another org's). */
  | "not_found"
  /** The resource's state forbids the change. */
  | "conflict"
  /** The input contradicts stored state (a payment in another currency than its account's). */
  | "invalid_input"
  /** The store is busy (conflicting writes, capacity): the same request can succeed shortly. */
  | "unavailable";

/** Where an input problem is, and what it is. */
export interface DomainDetail {
  path: string;
  message: string;
}

export class DomainError extends Error {
  readonly kind: DomainErrorKind;
  readonly details: DomainDetail[];
  /** For `unavailable`: how long the caller should wait before trying again. */
  readonly retryAfterSeconds?: number;

  constructor(
    kind: DomainErrorKind,
    message: string,
    options: { details?: DomainDetail[]; retryAfterSeconds?: number } = {},
  ) {
    super(message);
    this.name = "DomainError";
    this.kind = kind;
    this.details = options.details ?? [];
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** `what` (an account, a contact, an API key) is not there. */
export const missing = (what: string, details: DomainDetail[] = []) =>
  new DomainError("not_found", `The ${what} was not found.`, { details });

/** Writes kept being cancelled (conflicts, capacity) past the last retry. */
export const storeBusy = () =>
  new DomainError("unavailable", "The resource is busy with other writes; try again in a moment.", {
    retryAfterSeconds: 1,
  });
