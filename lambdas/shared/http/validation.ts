import type * as z from "zod";
import type { ErrorDetail } from "../../../contract/error-codes";
import { HttpError, validationError } from "./errors";
import { type HeaderBag, headerValue } from "./headers";

/** Largest request body any route accepts (API.md §4): 1 MiB, well under Lambda's 6 MB payload limit. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * `rateLimit.limit`, `scopes[0]`: the path style of API.md §4. An empty name (only ever an unknown
 * field someone sent, `{"": 1}`) is written `[""]`, so no detail has an empty or dangling path.
 */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (segment === "") out += '[""]';
    else out += out === "" ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

/** One detail per problem; an unknown field is named by its own path. */
export function issuesToDetails(
  issues: readonly z.core.$ZodIssue[],
  prefix: readonly PropertyKey[] = [],
): ErrorDetail[] {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path];
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ path: formatPath([...path, key]), message: "Unknown field." }));
    }
    return [{ path: formatPath(path) || "body", message: issue.message }];
  });
}

/** Validates a value against a schema; a failure is a 400 naming every problem. */
export function validate<S extends z.ZodType>(
  schema: S,
  value: unknown,
  prefix: readonly PropertyKey[] = [],
): z.infer<S> {
  let details: ErrorDetail[];
  try {
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    details = issuesToDetails(result.error.issues, prefix);
  } catch {
    // zod's messages describe the value, and describing some crafted objects throws (a null-prototype
    // `constructor.name`). JSON never makes them; such a value is still just invalid.
    details = [{ path: formatPath(prefix) || "body", message: "The value is not valid." }];
  }
  throw validationError(details);
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
export function parseJsonBody<S extends z.ZodType>(
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
export function parseQuery<S extends z.ZodType>(event: QueryEvent, schema: S): z.infer<S> {
  const repeated = Object.entries(event.multiValueQueryStringParameters ?? {})
    .filter(([, values]) => (values?.length ?? 0) > 1)
    .map(([name]) => ({ path: `query.${name}`, message: "Give this parameter once." }));
  if (repeated.length > 0) throw validationError(repeated);
  return validate(schema, { ...(event.queryStringParameters ?? {}) }, ["query"]);
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
