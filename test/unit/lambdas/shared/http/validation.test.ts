import { describe, expect, it } from "vitest";
import * as z from "zod";
import { scopeSchema } from "../../../../../contract/schemas/keys";
import { listQuerySchema } from "../../../../../contract/schemas/lists";
import { formatPath } from "../../../../../lambdas/shared/field-problems";
import { HttpError } from "../../../../../lambdas/shared/http/errors";
import {
  type BodyEvent,
  MAX_BODY_BYTES,
  mediaType,
  parseJsonBody,
  parseQuery,
  type QueryEvent,
  validate,
} from "../../../../../lambdas/shared/http/validation";

/** The error a call throws, for assertions on its fields. */
function thrownBy(act: () => unknown): HttpError {
  try {
    act();
  } catch (error) {
    if (error instanceof HttpError) return error;
    throw error;
  }
  throw new Error("expected the call to throw an HttpError");
}

const keySchema = z.strictObject({
  name: z.string().min(1),
  scopes: z.array(scopeSchema).min(1),
  rateLimit: z.strictObject({ limit: z.number().int().min(1).max(10_000) }).optional(),
});

const optionalSchema = z.strictObject({ gracePeriodSeconds: z.number().int().optional() });
const paddedSchema = z.strictObject({ pad: z.string() });

function jsonEvent(body: string | null | undefined, contentType = "application/json"): BodyEvent {
  return {
    headers: { "Content-Type": contentType },
    multiValueHeaders: { "Content-Type": [contentType] },
    body,
  };
}

/** A JSON object body of exactly `bytes` bytes in UTF-8. */
function bodyOfBytes(bytes: number): string {
  const overhead = JSON.stringify({ pad: "" }).length;
  const body = JSON.stringify({ pad: "x".repeat(bytes - overhead) });
  expect(Buffer.byteLength(body, "utf8")).toBe(bytes);
  return body;
}

describe("formatPath", () => {
  it("joins names with dots and indexes with brackets", () => {
    expect(formatPath(["rateLimit", "limit"])).toBe("rateLimit.limit");
    expect(formatPath(["scopes", 0])).toBe("scopes[0]");
    expect(formatPath(["accounts", 3, "currency"])).toBe("accounts[3].currency");
    expect(formatPath(["query", "limit"])).toBe("query.limit");
    expect(formatPath(["matrix", 1, 2])).toBe("matrix[1][2]");
    expect(formatPath(["name"])).toBe("name");
  });
});

describe("validate", () => {
  it("names nested problems with dots and brackets", () => {
    // Act
    const error = thrownBy(() =>
      validate(keySchema, { name: "ci", scopes: ["accounts:read", "nope"], rateLimit: { limit: 0 } }),
    );

    // Assess
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe("validation_error");
    expect(error.details.map((detail) => detail.path).sort()).toEqual(["rateLimit.limit", "scopes[1]"]);
    for (const detail of error.details) expect(detail.message).toEqual(expect.any(String));
  });

  it("names each unknown field on its own, nested ones included", () => {
    const error = thrownBy(() =>
      validate(keySchema, {
        name: "ci",
        scopes: ["accounts:read"],
        expires_at: "2030-01-01",
        orgId: "org_other",
        rateLimit: { limit: 5, window: 60 },
      }),
    );

    expect(error.details).toEqual(
      expect.arrayContaining([
        { path: "expires_at", message: expect.any(String) },
        { path: "orgId", message: expect.any(String) },
        { path: "rateLimit.window", message: expect.any(String) },
      ]),
    );
    expect(error.details).toHaveLength(3);
  });

  it("reports every problem, not only the first", () => {
    const error = thrownBy(() => validate(keySchema, { scopes: [], extra: 1 }));

    expect(error.details.map((detail) => detail.path).sort()).toEqual(["extra", "name", "scopes"]);
  });

  it("returns the parsed value when it is valid", () => {
    expect(validate(keySchema, { name: "ci", scopes: ["import"] })).toEqual({
      name: "ci",
      scopes: ["import"],
    });
  });
});

describe("parseJsonBody", () => {
  it("accepts a body of exactly 1 MiB", () => {
    const body = bodyOfBytes(MAX_BODY_BYTES);

    expect(MAX_BODY_BYTES).toBe(1024 * 1024);
    expect(parseJsonBody(jsonEvent(body), paddedSchema).pad).toHaveLength(MAX_BODY_BYTES - 10);
  });

  it("refuses a body one byte over 1 MiB with 413", () => {
    const error = thrownBy(() => parseJsonBody(jsonEvent(bodyOfBytes(MAX_BODY_BYTES + 1)), paddedSchema));

    expect(error.statusCode).toBe(413);
    expect(error.code).toBe("payload_too_large");
  });

  it("counts bytes, not characters", () => {
    // Prepare: fewer than 1 MiB characters, more than 1 MiB bytes in UTF-8.
    const body = JSON.stringify({ pad: "é".repeat(MAX_BODY_BYTES / 2) });
    expect(body.length).toBeLessThan(MAX_BODY_BYTES);

    // Act
    const error = thrownBy(() => parseJsonBody(jsonEvent(body), paddedSchema));

    // Assess
    expect(error.statusCode).toBe(413);
  });

  it("refuses an oversized body before looking at its content type", () => {
    const error = thrownBy(() =>
      parseJsonBody(jsonEvent("x".repeat(MAX_BODY_BYTES + 1), "text/plain"), paddedSchema),
    );

    expect(error.statusCode).toBe(413);
  });

  it("refuses an oversized base64-encoded body", () => {
    const encoded = Buffer.from(bodyOfBytes(MAX_BODY_BYTES + 1)).toString("base64");

    const error = thrownBy(() =>
      parseJsonBody({ ...jsonEvent(encoded), isBase64Encoded: true }, paddedSchema),
    );

    expect(error.statusCode).toBe(413);
  });

  it("reads a base64-encoded JSON body", () => {
    const encoded = Buffer.from(JSON.stringify({ name: "ci", scopes: ["export"] })).toString("base64");

    expect(parseJsonBody({ ...jsonEvent(encoded), isBase64Encoded: true }, keySchema)).toEqual({
      name: "ci",
      scopes: ["export"],
    });
  });

  it.each([
    "text/plain",
    "text/csv",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/xml",
    "application/jsonp",
  ])("refuses %s with 415", (contentType) => {
    const error = thrownBy(() => parseJsonBody(jsonEvent('{"pad":"x"}', contentType), paddedSchema));

    expect(error.statusCode).toBe(415);
    expect(error.code).toBe("unsupported_media_type");
  });

  it("refuses a body without a content type with 415", () => {
    const error = thrownBy(() => parseJsonBody({ body: '{"pad":"x"}' }, paddedSchema));

    expect(error.statusCode).toBe(415);
  });

  it.each([
    "application/json",
    "application/json; charset=utf-8",
    "application/json;charset=UTF-8",
    "Application/JSON",
  ])("accepts %s", (contentType) => {
    expect(parseJsonBody(jsonEvent('{"pad":"x"}', contentType), paddedSchema)).toEqual({ pad: "x" });
  });

  it("finds the content type whatever its header casing", () => {
    for (const name of ["content-type", "CONTENT-TYPE", "Content-type"]) {
      const event: BodyEvent = { headers: { [name]: "application/json" }, body: '{"pad":"x"}' };
      expect(parseJsonBody(event, paddedSchema)).toEqual({ pad: "x" });
    }
    expect(mediaType({ multiValueHeaders: { "CoNtEnT-TyPe": ["application/json; charset=utf-8"] } })).toBe(
      "application/json",
    );
  });

  it.each([
    ["absent", undefined],
    ["null", null],
    ["empty", ""],
  ])("refuses a required body that is %s with 400 at body", (_name, body) => {
    const error = thrownBy(() => parseJsonBody(jsonEvent(body), keySchema));

    expect(error.statusCode).toBe(400);
    expect(error.code).toBe("validation_error");
    expect(error.details[0]?.path).toBe("body");
  });

  it("reads no body as {} where every field is optional", () => {
    expect(parseJsonBody(jsonEvent(undefined), optionalSchema, { optional: true })).toEqual({});
    expect(parseJsonBody({ body: null }, optionalSchema, { optional: true })).toEqual({});
  });

  it.each([
    ["an array", "[]"],
    ["an array of objects", '[{"pad":"x"}]'],
    ["null", "null"],
    ["a string", '"pad"'],
    ["a number", "42"],
    ["true", "true"],
  ])("refuses %s as a body with 400 at body", (_name, body) => {
    const error = thrownBy(() => parseJsonBody(jsonEvent(body), paddedSchema));

    expect(error.statusCode).toBe(400);
    expect(error.details[0]?.path).toBe("body");
  });

  it("refuses a non-object body even where the body is optional", () => {
    const error = thrownBy(() => parseJsonBody(jsonEvent("[]"), optionalSchema, { optional: true }));

    expect(error.statusCode).toBe(400);
    expect(error.details[0]?.path).toBe("body");
  });

  it.each(['{"pad":', "{pad: 1}", "{'pad':'x'}", "not json", '{"pad":"x"} trailing'])(
    "refuses malformed JSON %s with 400 at body",
    (body) => {
      const error = thrownBy(() => parseJsonBody(jsonEvent(body), paddedSchema));

      expect(error.statusCode).toBe(400);
      expect(error.details[0]?.path).toBe("body");
    },
  );

  it("names unknown body fields each on its own", () => {
    const body = JSON.stringify({ name: "ci", scopes: ["import"], expires_at: "2030-01-01", orgId: "o" });

    const error = thrownBy(() => parseJsonBody(jsonEvent(body), keySchema));

    expect(error.details.map((detail) => detail.path).sort()).toEqual(["expires_at", "orgId"]);
  });
});

describe("parseQuery with the list query", () => {
  const query = (params: Record<string, string[]> | null): QueryEvent => ({
    queryStringParameters: params
      ? Object.fromEntries(Object.entries(params).map(([name, values]) => [name, values.at(-1)]))
      : null,
    multiValueQueryStringParameters: params,
  });

  it("defaults the limit to 25", () => {
    expect(parseQuery(query(null), listQuerySchema)).toEqual({ limit: 25 });
    expect(parseQuery({}, listQuerySchema)).toEqual({ limit: 25 });
    expect(parseQuery(query({}), listQuerySchema)).toEqual({ limit: 25 });
  });

  it.each([
    ["1", 1],
    ["25", 25],
    ["100", 100],
  ])("accepts limit=%s as a number", (raw, expected) => {
    expect(parseQuery(query({ limit: [raw] }), listQuerySchema).limit).toBe(expected);
  });

  it("passes a cursor through", () => {
    expect(parseQuery(query({ cursor: ["abc"], limit: ["5"] }), listQuerySchema)).toEqual({
      cursor: "abc",
      limit: 5,
    });
  });

  it.each(["abc", "0", "101", "1.5", "-1", "", " 5", "5 ", "1e2", "0x10", "99999999999999999999"])(
    "refuses limit=%s with 400 at query.limit",
    (raw) => {
      const error = thrownBy(() => parseQuery(query({ limit: [raw] }), listQuerySchema));

      expect(error.statusCode).toBe(400);
      expect(error.code).toBe("validation_error");
      expect(error.details).toEqual([{ path: "query.limit", message: expect.any(String) }]);
    },
  );

  it("refuses a parameter given twice, even with the same value", () => {
    for (const values of [
      ["10", "20"],
      ["10", "10"],
    ]) {
      const error = thrownBy(() => parseQuery(query({ limit: values }), listQuerySchema));

      expect(error.statusCode).toBe(400);
      expect(error.details).toEqual([{ path: "query.limit", message: expect.any(String) }]);
    }
  });

  it("refuses an unknown parameter by name", () => {
    const error = thrownBy(() => parseQuery(query({ limit: ["5"], orgId: ["org_other"] }), listQuerySchema));

    expect(error.statusCode).toBe(400);
    expect(error.details).toEqual([{ path: "query.orgId", message: expect.any(String) }]);
  });

  it("refuses an empty cursor", () => {
    const error = thrownBy(() => parseQuery(query({ cursor: [""] }), listQuerySchema));

    expect(error.details[0]?.path).toBe("query.cursor");
  });

  it("refuses any parameter on a route that takes none", () => {
    const error = thrownBy(() => parseQuery(query({ limit: ["5"] }), z.strictObject({})));

    expect(error.details).toEqual([{ path: "query.limit", message: expect.any(String) }]);
  });
});
