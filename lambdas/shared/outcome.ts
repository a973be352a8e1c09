/**
 * The one outcome model of stores and services (docs/DECISIONS.md #250). What a caller can expect to
 * happen (the thing is not there, its state forbids the change, the input contradicts stored state)
 * comes back as a value, an `Outcome<T>`; only the HTTP edge (`lambdas/shared/http/failures.ts`) turns a
 * failure into a status, an error code and detail paths. Nothing here knows HTTP: a problem names
 * fields as the domain knows them (`cursor`, `currency`, `from`), and the edge says where each came
 * from (`query.cursor` over HTTP, `cursor` in a direct invocation's payload).
 *
 * Thrown, never returned: what nobody expects (a bug, DynamoDB failing: a 500 that says nothing), and
 * an `OutageError` when storage or a dependency cannot serve the request now, though the request is fine.
 */

/** A field as the domain names it: `["cursor"]`, `["rateLimit", "limit"]`, `["scopes", 0]`; `[]` is the input as a whole. */
export type FieldPath = readonly PropertyKey[];

/** One problem with one input field. */
export interface FieldProblem {
  path: FieldPath;
  message: string;
}

/** What a caller can get wrong, or what the state of things forbids. */
export type Failure =
  /** `what` ("account", "API key") is not there, or is another org's; `problems` may name the field that named it. */
  | { kind: "not_found"; what: string; problems: FieldProblem[] }
  /** The resource's state forbids the change; `message` says why, `problems` may name a field. */
  | { kind: "conflict"; message: string; problems: FieldProblem[] }
  /** The input breaks a rule, or contradicts stored state (a payment in another currency than its account's). */
  | { kind: "invalid_input"; problems: FieldProblem[] };

/** A failed outcome: assignable to an `Outcome` of any value type. */
export type Failed = { ok: false; failure: Failure };

export type Outcome<T> = { ok: true; value: T } | Failed;

export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });

export const fail = (failure: Failure): Failed => ({ ok: false, failure });

/** A problem at one top-level field. */
export const problemAt = (field: string, message: string): FieldProblem => ({ path: [field], message });

/** `what` is not there (or is another org's). */
export const missing = (what: string, problems: FieldProblem[] = []): Failed =>
  fail({ kind: "not_found", what, problems });

/** The state forbids it. */
export const conflict = (message: string, problems: FieldProblem[] = []): Failed =>
  fail({ kind: "conflict", message, problems });

/** The input is not valid. */
export const invalidInput = (...problems: FieldProblem[]): Failed =>
  fail({ kind: "invalid_input", problems });

/** Why storage or a dependency could not serve a request that may well succeed later. */
export type Outage =
  /** Writes kept being cancelled (conflicts, capacity) past the last retry: the same request can succeed shortly. */
  | { kind: "busy"; message: string; retryAfterSeconds: number }
  /** A service outside the store (Secrets Manager) refused or failed; `message` says what was and was not done. */
  | { kind: "upstream_failed"; message: string };

/** Thrown (never returned) by stores and services for an `Outage`; the edge maps it like a failure. */
export class OutageError extends Error {
  readonly outage: Outage;

  constructor(outage: Outage) {
    super(outage.message);
    this.name = "OutageError";
    this.outage = outage;
  }
}

/** Writes kept being cancelled (conflicts, capacity) past the last retry. */
export const storeBusy = () =>
  new OutageError({
    kind: "busy",
    message: "The resource is busy with other writes; try again in a moment.",
    retryAfterSeconds: 1,
  });

/** A dependency outside the store failed; `message` tells the caller what happened and what to do. */
export const upstreamFailed = (message: string) => new OutageError({ kind: "upstream_failed", message });
