import type { ErrorDetail } from "../../../contract/error-codes";
import type * as z from "../../../contract/zod";
import { problemsOf } from "../field-problems";
import type { FieldProblem } from "../outcome";
import { isResourceId } from "../resource-ids";
import { HttpError, notFound, validationError } from "./errors";
import { detailsOf, failureError, inBody, inQuery, type Locate } from "./failures";
import { type HeaderBag, headerValue } from "./headers";

/** Largest request body any route accepts (API.md §4): 1 MiB, well under Lambda's 6 MB payload limit. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** One detail per problem, each at the path `locate` gives (a body's own paths by default). */
export function issuesToDetails(issues: readonly z.core.$ZodIssue[], locate: Locate = inBody): ErrorDetail[] {
  return detailsOf(problemsOf(issues), locate);
}

/**
 * Validates a value against a schema. A failure is the `invalid_input` failure naming every problem,
 * answered through the one mapping (`failureError`) at the paths `locate` gives: a 400.
 */
export function validate<S extends z.ZodMiniType>(
  schema: S,
  value: unknown,
  locate: Locate = inBody,
): z.infer<S> {
  let problems: FieldProblem[];
  try {
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    problems = problemsOf(result.error.issues);
  } catch {
    // zod's messages describe the value, and describing some crafted objects throws (a null-prototype
    // `constructor.name`). JSON never makes them; such a value is still just invalid.
    problems = [{ path: [], message: "The value is not valid." }];
  }
  throw failureError({ kind: "invalid_input", problems }, locate);
}

export interface BodyEvent extends HeaderBag {
  body?: string | null;
  isBase64Encoded?: boolean;
}

/** The raw body as text, refusing oversized bodies (413) before anything else looks at it. */
export function rawBody(event: BodyEvent): string | undefined {
  if (event.body === undefined || event.body === null || event.body === "") return undefined;
  const text = event.isBase64Encoded ? Buffer.from(event.body, "base64").toString("utf8") : event.body;
  if (Buffer.byteLength(text, "utf8") > MAX_BODY_BYTES) {
    throw new HttpError("payload_too_large", `The request body is larger than ${MAX_BODY_BYTES} bytes.`);
  }
  return text;
}

/** The media type of the request, lower case, without parameters (`application/json; charset=utf-8` → `application/json`). */
export function mediaType(event: HeaderBag): string | undefined {
  const value = headerValue(event, "content-type");
  return value?.split(";")[0]?.trim().toLowerCase() || undefined;
}

const bodyRequired = () => validationError([{ path: "body", message: "A JSON object body is required." }]);

/**
 * Parses and validates a JSON object body (API.md §4): 413 over 1 MiB, 415 unless JSON, 400 when
 * missing (unless every field is optional: then no body means `{}`), malformed, not an object, or
 * invalid against the schema (unknown fields included).
 */
export function parseJsonBody<S extends z.ZodMiniType>(
  event: BodyEvent,
  schema: S,
  options: { optional?: boolean } = {},
): z.infer<S> {
  const text = rawBody(event);
  if (text === undefined) {
    if (options.optional) return validate(schema, {});
    throw bodyRequired();
  }
  if (mediaType(event) !== "application/json") {
    throw new HttpError("unsupported_media_type", "Send the body as application/json.");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw validationError([{ path: "body", message: "The body is not valid JSON." }]);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw bodyRequired();
  return validate(schema, parsed);
}

/** A body the route parses itself (an import's CSV), with the media type it came as. */
export interface RawBody {
  /** Lower case, without parameters: one of the route's accepted types. */
  mediaType: string;
  text: string;
}

/**
 * A body taken as text for the route to parse: 413 over 1 MiB, 400 when missing, 415 unless its media
 * type is one of `mediaTypes`. A UTF-8 byte order mark stays in the text (CSV parsers expect it).
 */
export function parseRawBody(event: BodyEvent, mediaTypes: readonly string[]): RawBody {
  const text = rawBody(event);
  if (text === undefined) {
    throw validationError([{ path: "body", message: "A request body is required." }]);
  }
  const type = mediaType(event);
  if (type === undefined || !mediaTypes.includes(type)) {
    throw new HttpError("unsupported_media_type", `Send the body as ${mediaTypes.join(" or ")}.`);
  }
  return { mediaType: type, text };
}

export interface QueryEvent {
  queryStringParameters?: Record<string, string | undefined> | null;
  multiValueQueryStringParameters?: Record<string, string[] | undefined> | null;
}

/** Validates query parameters: a parameter given twice, an unknown name or a bad value is a 400. */
export function parseQuery<S extends z.ZodMiniType>(event: QueryEvent, schema: S): z.infer<S> {
  const repeated = Object.entries(event.multiValueQueryStringParameters ?? {})
    .filter(([, values]) => (values?.length ?? 0) > 1)
    .map(([name]) => ({ path: `query.${name}`, message: "Give this parameter once." }));
  if (repeated.length > 0) throw validationError(repeated);
  return validate(schema, { ...(event.queryStringParameters ?? {}) }, inQuery);
}

/** A path parameter API Gateway matched; its absence is a routing bug, not a client error. */
export function pathParameter(
  event: { pathParameters?: Record<string, string | undefined> | null },
  name: string,
): string {
  const value = event.pathParameters?.[name];
  if (value === undefined)
    throw new Error(`path parameter ${name} missing: route table and handler disagree`);
  return value;
}

/**
 * A resource id from the path. One that no resource could have (wrong prefix, wrong length, a 2 KB
 * string) is a 404 at once: it never reaches DynamoDB, whose key limits would turn it into a 500.
 */
export function idParameter(
  event: { pathParameters?: Record<string, string | undefined> | null },
  name: string,
  prefix: string,
  what: string,
): string {
  const value = pathParameter(event, name);
  if (!isResourceId(value, prefix)) throw notFound(what);
  return value;
}
