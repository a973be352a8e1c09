import type { ErrorDetail } from "../../../contract/error-codes";
import { formatPath } from "../field-problems";
import type { Failed, Failure, FieldPath, FieldProblem, Outage, Outcome } from "../outcome";
import { HttpError, notFound, validationError } from "./errors";

/**
 * The one mapping from the outcome model (`lambdas/shared/outcome.ts`) to HTTP (docs/DECISIONS.md
 * #250): every door (the business routes' chain, key management's admin, console and direct doors,
 * secret scanning) and the edge's own input validation answer a failure through `failureError`.
 */

/**
 * Where the edge took an input from: a field's domain path (`["cursor"]`) as the details path a
 * caller sees (`query.cursor`). Only the edge knows whether a field came from the query, the body, a
 * header or a direct invocation's payload.
 */
export type Locate = (path: FieldPath) => string;

/** A JSON body's (or a direct invocation's payload's) field: its own path; the body as a whole is `body`. */
export const inBody: Locate = (path) => formatPath(path) || "body";

/** Below a name: `within("orgId")` names the `orgId` field, `within("query")` a query parameter. */
export const within =
  (name: string): Locate =>
  (path) =>
    formatPath([name, ...path]);

/** A query parameter: `query.limit`; the query as a whole is `query`. */
export const inQuery: Locate = within("query");

/** A request header: the header itself, `headers.Idempotency-Key`, whichever field of it is meant. */
export const inHeader =
  (name: string): Locate =>
  () =>
    `headers.${name}`;

/** Fields that came from different places: by the top-level field's name, the others from `otherwise`. */
export function byField(sources: Readonly<Record<string, Locate>>, otherwise: Locate): Locate {
  return (path) => {
    const [first] = path;
    const source = typeof first === "string" && Object.hasOwn(sources, first) ? sources[first] : undefined;
    return (source ?? otherwise)(path);
  };
}

/** Field problems as the envelope's `details`, each at the path its input came from. */
export const detailsOf = (problems: readonly FieldProblem[], locate: Locate): ErrorDetail[] =>
  problems.map((problem) => ({ path: locate(problem.path), message: problem.message }));

/**
 * A failure (returned) or an outage (thrown) as the error the envelope answers: its code (and so its
 * status, `contract/error-codes.ts`), its message, its details at the paths `locate` gives, and
 * `Retry-After` for a busy store.
 */
export function failureError(cause: Failure | Outage, locate: Locate = inBody): HttpError {
  switch (cause.kind) {
    case "not_found":
      return notFound(cause.what, detailsOf(cause.problems, locate));
    case "conflict":
      return new HttpError("conflict", cause.message, { details: detailsOf(cause.problems, locate) });
    case "invalid_input":
      return validationError(detailsOf(cause.problems, locate));
    case "busy":
      return new HttpError("unavailable", cause.message, {
        headers: { "Retry-After": String(cause.retryAfterSeconds) },
      });
    case "upstream_failed":
      return new HttpError("bad_gateway", cause.message);
  }
}

/** A failed outcome as the error to throw: `throw refusal(invalidInput(...), inQuery)`. */
export const refusal = (failed: Failed, locate?: Locate): HttpError => failureError(failed.failure, locate);

/** The outcome's value, or its failure thrown as the edge answers it. */
export function valueOrThrow<T>(outcome: Outcome<T>, locate: Locate): T {
  if (!outcome.ok) throw failureError(outcome.failure, locate);
  return outcome.value;
}
