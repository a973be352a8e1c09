import { describe, expect, it } from "vitest";
import {
  byField,
  failureError,
  inBody,
  inHeader,
  inQuery,
  valueOrThrow,
  within,
} from "../../../../../lambdas/shared/http/failures";
import { errorResult } from "../../../../../lambdas/shared/http/response";
import {
  conflict,
  invalidInput,
  missing,
  ok,
  problemAt,
  storeBusy,
  upstreamFailed,
} from "../../../../../lambdas/shared/outcome";

/** `failureError` (lambdas/shared/http/failures.ts): the one mapping from outcomes to HTTP. */
describe("failureError", () => {
  it("answers not_found 404 naming what is missing, with the field that named it", () => {
    const error = failureError(
      missing("account", [problemAt("accountId", "No account of yours has this id.")]).failure,
    );

    expect(error).toMatchObject({
      statusCode: 404,
      code: "not_found",
      message: "The account was not found.",
      details: [{ path: "accountId", message: "No account of yours has this id." }],
      headers: {},
    });
  });

  it("answers conflict 409 with its message, and invalid input 400 with one detail per problem", () => {
    expect(failureError(conflict("The account is closed: it takes no payments.").failure)).toMatchObject({
      statusCode: 409,
      code: "conflict",
      message: "The account is closed: it takes no payments.",
      details: [],
    });
    expect(
      failureError(
        invalidInput(problemAt("currency", "Must be EUR."), { path: [], message: "Bad." }).failure,
      ),
    ).toMatchObject({
      statusCode: 400,
      code: "validation_error",
      message: "The request is not valid.",
      details: [
        { path: "currency", message: "Must be EUR." },
        { path: "body", message: "Bad." },
      ],
    });
  });

  it("answers a busy store 503 with Retry-After, and a failed upstream 502 with its message", () => {
    expect(failureError(storeBusy().outage)).toMatchObject({
      statusCode: 503,
      code: "unavailable",
      headers: { "Retry-After": "1" },
    });
    expect(failureError(upstreamFailed("Secrets Manager did not answer.").outage)).toMatchObject({
      statusCode: 502,
      code: "bad_gateway",
      message: "Secrets Manager did not answer.",
    });
  });

  it("is what the envelope answers a thrown outage with", () => {
    const result = errorResult(storeBusy(), "req-1");

    expect(result).toEqual({
      statusCode: 503,
      body: {
        error: {
          code: "unavailable",
          message: "The resource is busy with other writes; try again in a moment.",
          requestId: "req-1",
          details: [],
        },
      },
      headers: { "Retry-After": "1" },
    });
  });
});

describe("where a field came from", () => {
  const cursor = invalidInput(problemAt("cursor", "The cursor is not valid for this list.")).failure;

  it("names a field by the place the edge took it from", () => {
    expect(failureError(cursor, inQuery).details[0]?.path).toBe("query.cursor");
    expect(failureError(cursor, inBody).details[0]?.path).toBe("cursor");
    expect(failureError(cursor, inHeader("Idempotency-Key")).details[0]?.path).toBe(
      "headers.Idempotency-Key",
    );
    expect(failureError(cursor, within("payload")).details[0]?.path).toBe("payload.cursor");
  });

  it("writes nested and odd paths in API.md's style under any place", () => {
    expect(inBody(["rateLimit", "limit"])).toBe("rateLimit.limit");
    expect(inBody(["scopes", 0])).toBe("scopes[0]");
    expect(inBody([])).toBe("body");
    expect(inQuery([])).toBe("query");
    expect(inQuery([""])).toBe('query[""]');
    expect(within("orgId")([])).toBe("orgId");
  });

  it("takes each top-level field from its own place, the rest from the default", () => {
    const locate = byField({ cursor: inQuery, idempotencyKey: inHeader("Idempotency-Key") }, inBody);

    expect(locate(["cursor"])).toBe("query.cursor");
    expect(locate(["idempotencyKey"])).toBe("headers.Idempotency-Key");
    expect(locate(["currency"])).toBe("currency");
    // A field named like an Object.prototype member is a body field like any other.
    expect(locate(["constructor"])).toBe("constructor");
  });
});

describe("valueOrThrow", () => {
  it("gives a value, and throws a failure as the edge answers it", () => {
    expect(valueOrThrow(ok(7), inBody)).toBe(7);
    expect(() => valueOrThrow(missing("API key"), inBody)).toThrow("The API key was not found.");
  });
});
