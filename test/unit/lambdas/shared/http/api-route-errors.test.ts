import { InternalServerError, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { QueryCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import {
  create,
  db,
  errorOf,
  expectKeyHeaders,
  header,
  list,
  REQUEST_ID,
  useApiRouteTestSetup,
} from "./api-route-support";

/**
 * The business chain's refusals of a request and its failures: validation (400, 413, 415), conflicts
 * (409) and the 500 that says nothing internal, each in the envelope.
 */
useApiRouteTestSetup();

describe("business chain: headers on every response", () => {
  it("repeats the request id in every error body", async () => {
    const responses = [
      await list({ context: { ipAllowed: "false" } }),
      await list({ context: { throttled: "true" } }),
      await list({ context: { scopes: "import" } }),
      await list({ query: { limit: ["0"] } }),
      await create({ body: "[]" }),
    ];

    for (const response of responses) {
      expect(header(response, "X-Request-Id")).toBe(REQUEST_ID);
      expect(JSON.parse(response.body).error.requestId).toBe(REQUEST_ID);
    }
  });
});

describe("GET /api/v1/accounts", () => {
  it.each(["abc", "0", "101", "1.5", "-3", ""])("refuses ?limit=%s with 400 at query.limit", async (raw) => {
    const response = await list({ query: { limit: [raw] } });

    expect(errorOf(response, 400, "validation_error").details).toEqual([
      { path: "query.limit", message: expect.any(String) },
    ]);
    expectKeyHeaders(response);
    expect(db.calls()).toHaveLength(0);
  });

  it("refuses a query parameter given twice", async () => {
    const response = await list({ query: { limit: ["10", "20"] } });

    expect(errorOf(response, 400, "validation_error").details[0]?.path).toBe("query.limit");
    expect(db.calls()).toHaveLength(0);
  });

  it("answers an SDK error with a 500 that says nothing internal", async () => {
    // Prepare
    db.on(QueryCommand).rejects(
      new InternalServerError({
        message: "Internal server error in partition 7f3a for table data (request 9XYZ)",
        $metadata: { httpStatusCode: 500, requestId: "9XYZ" },
      }),
    );

    // Act
    const response = await list();

    // Assess
    const error = errorOf(response, 500, "internal_error");
    expect(error.details).toEqual([]);
    for (const leak of [
      "partition",
      "7f3a",
      "9XYZ",
      "InternalServerError",
      "stack",
      "node_modules",
      "    at ",
    ]) {
      expect(response.body).not.toContain(leak);
    }
    expectKeyHeaders(response);
  });

  it("answers a programming error with the same generic 500", async () => {
    db.on(QueryCommand).rejects(new TypeError("Cannot read properties of undefined (reading 'S')"));

    const response = await list();

    const error = errorOf(response, 500, "internal_error");
    expect(response.body).not.toContain("Cannot read properties");
    expect(response.body).not.toContain("TypeError");
    expect(error.details).toEqual([]);
  });
});

describe("POST /api/v1/accounts", () => {
  it("accepts a body of exactly 1 MiB and refuses one byte more with 413", async () => {
    // Prepare: a valid body padded with JSON whitespace to the byte.
    db.on(TransactWriteCommand).resolves({});
    const json = JSON.stringify({ name: "Acme Ltd", currency: "EUR" });
    const exact = json + " ".repeat(1024 * 1024 - json.length);

    // Act
    const accepted = await create({ body: exact });
    const refused = await create({ body: `${exact} ` });

    // Assess
    expect(accepted.statusCode).toBe(201);
    errorOf(refused, 413, "payload_too_large");
    expect(db.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it.each(["text/plain", "application/x-www-form-urlencoded", "text/csv"])(
    "refuses a %s body with 415",
    async (contentType) => {
      const response = await create({ body: JSON.stringify({ name: "Acme", currency: "EUR" }), contentType });

      errorOf(response, 415, "unsupported_media_type");
      expect(db.calls()).toHaveLength(0);
    },
  );

  it.each([
    ["no body", undefined],
    ["an empty body", ""],
    ["a JSON array", "[]"],
    ["JSON null", "null"],
    ["a JSON string", '"Acme"'],
    ["malformed JSON", '{"name": "Acme",'],
  ])("refuses %s with 400 at body", async (_name, body) => {
    const response = await create({ body });

    expect(errorOf(response, 400, "validation_error").details[0]?.path).toBe("body");
    expect(db.calls()).toHaveLength(0);
  });

  it("names every invalid field", async () => {
    const response = await create({ body: JSON.stringify({ name: "", currency: "eur", balance: 1.5 }) });

    const error = errorOf(response, 400, "validation_error");
    expect([...new Set(error.details.map((detail) => detail.path))].sort()).toEqual([
      "balance",
      "currency",
      "name",
    ]);
  });

  it("answers 409 conflict for an externalRef the org already uses", async () => {
    db.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: "Transaction cancelled",
        $metadata: {},
        CancellationReasons: [{ Code: "None" }, { Code: "ConditionalCheckFailed" }],
      }),
    );

    const response = await create({
      body: JSON.stringify({ name: "Acme", currency: "EUR", externalRef: "crm-1" }),
    });

    errorOf(response, 409, "conflict");
    expectKeyHeaders(response);
  });
});
