import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createAccountSchema, updateAccountSchema } from "../../../contract/schemas/accounts";
import { createContactSchema, updateContactSchema } from "../../../contract/schemas/contacts";
import { exportAccountsQuerySchema, exportInteractionsQuerySchema } from "../../../contract/schemas/export";
import {
  importAccountsSchema,
  importEnvelopeSchema,
  importRowSchema,
} from "../../../contract/schemas/import";
import {
  claimedActorSchema,
  createKeySchema,
  idempotencyKeySchema,
  listAuditEventsInputSchema,
  listAuditEventsQuerySchema,
  listKeysInputSchema,
  listKeysQuerySchema,
  orgIdSchema,
  revokeKeySchema,
  rotateKeySchema,
  updateKeySchema,
} from "../../../contract/schemas/keys";
import { listContactsQuerySchema, listQuerySchema } from "../../../contract/schemas/lists";
import { registerPaymentSchema } from "../../../contract/schemas/payments";
import { leakReportSchema } from "../../../contract/schemas/secret-scanning";
import { createWebhookSchema, updateWebhookSchema } from "../../../contract/schemas/webhooks";
import type * as z from "../../../contract/zod";
import { HttpError } from "../../../lambdas/shared/http/errors";
import {
  issuesToDetails,
  parseJsonBody,
  parseQuery,
  validate,
} from "../../../lambdas/shared/http/validation";

/**
 * Every request schema, fed arbitrary input: it answers with a validation result, never by throwing,
 * and a failure always turns into a 400 with one `{path, message}` detail per problem.
 */
const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);
const policy = { allowLoopback: false };

const BODY_SCHEMAS: Record<string, z.ZodMiniType> = {
  createKey: createKeySchema(NOW),
  updateKey: updateKeySchema,
  rotateKey: rotateKeySchema(NOW),
  revokeKey: revokeKeySchema,
  listKeysInput: listKeysInputSchema,
  listAuditEventsInput: listAuditEventsInputSchema,
  createAccount: createAccountSchema,
  updateAccount: updateAccountSchema,
  createContact: createContactSchema,
  updateContact: updateContactSchema,
  registerPayment: registerPaymentSchema,
  importAccounts: importAccountsSchema,
  importEnvelope: importEnvelopeSchema,
  importRow: importRowSchema,
  createWebhook: createWebhookSchema(policy),
  updateWebhook: updateWebhookSchema(policy),
  leakReport: leakReportSchema,
  orgId: orgIdSchema,
  idempotencyKey: idempotencyKeySchema,
  claimedActor: claimedActorSchema,
};

const QUERY_SCHEMAS: Record<string, z.ZodMiniType> = {
  listQuery: listQuerySchema,
  listKeysQuery: listKeysQuerySchema,
  listAuditEventsQuery: listAuditEventsQuerySchema,
  listContactsQuery: listContactsQuerySchema,
  exportAccountsQuery: exportAccountsQuerySchema,
  exportInteractionsQuery: exportInteractionsQuerySchema,
};

/** Every field name any request knows, plus the ones that attack objects. */
const FIELDS = [
  "name",
  "scopes",
  "expiresAt",
  "rateLimit",
  "limit",
  "allowedIps",
  "gracePeriodSeconds",
  "status",
  "cursor",
  "keyId",
  "externalRef",
  "currency",
  "balance",
  "accountId",
  "email",
  "phone",
  "role",
  "amount",
  "paidAt",
  "method",
  "reference",
  "accounts",
  "url",
  "events",
  "description",
  "enabled",
  "token",
  "type",
  "source",
  "format",
  "since",
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
];

/** Values that reach past the type checks: near-valid strings, numbers at the edges, nesting. */
const leaf = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 30 }),
  fc.constantFrom(
    "",
    " ",
    "EUR",
    "eur",
    "2026-11-27",
    "2030-01-31T12:00:00Z",
    "2030-02-30T25:61:00+14:00",
    "10.0.0.0/8",
    "10.1.2.3/8",
    "::ffff:10.0.0.0/104",
    "fe80::1%eth0",
    "127.1",
    "https://example.com/hook",
    "https://10.0.0.1/",
    "http://[::1]/",
    "https://user:pw@example.com/",
    "accounts:read",
    "account.created",
    "+14155550123",
    "a@b.co",
    "100",
    "1e3",
    "NaN",
  ),
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -0, 1.5, 2 ** 53, -(2 ** 53), Number.MAX_VALUE, 1e21, 10_000, 10_001, 604_800),
  fc.boolean(),
  fc.constant(null),
);
const { shaped } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.array(tie("value"), { maxLength: 4 }),
    tie("shaped"),
  ),
  shaped: fc.dictionary(fc.constantFrom(...FIELDS), tie("value"), { maxKeys: 6 }),
}));

const anyInput = fc.oneof(
  fc.jsonValue(),
  shaped,
  fc.array(shaped, { maxLength: 3 }),
  fc.anything({ withNullPrototype: true, withBigInt: true, withDate: true, withMap: true, withSet: true }),
);

function expectValidationResult(schema: z.ZodMiniType, input: unknown) {
  const result = schema.safeParse(input);
  if (result.success) return;
  let details: ReturnType<typeof issuesToDetails>;
  try {
    // zod writes its messages when the error is first read.
    details = issuesToDetails(result.error.issues);
  } catch {
    // zod's message for a few crafted non-JSON objects cannot be written; `validate` must still answer 400.
    expect(() => validate(schema, input)).toThrow(HttpError);
    return;
  }
  expect(result.error.issues.length).toBeGreaterThan(0);
  expect(details.length).toBeGreaterThan(0);
  for (const detail of details) {
    expect(typeof detail.path).toBe("string");
    expect(detail.path.length).toBeGreaterThan(0);
    expect(typeof detail.message).toBe("string");
  }
  try {
    validate(schema, input);
    expect.unreachable("validate accepted what safeParse refused");
  } catch (error) {
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).statusCode).toBe(400);
  }
}

describe("request schemas", () => {
  it.each(Object.entries(BODY_SCHEMAS))("%s answers any input with a validation result", (_name, schema) => {
    fc.assert(
      fc.property(anyInput, (input) => expectValidationResult(schema, input)),
      { numRuns: 300 },
    );
  });

  it.each(Object.entries(QUERY_SCHEMAS))("%s answers any query with a validation result", (_name, schema) => {
    const query = fc.dictionary(
      fc.oneof(fc.constantFrom(...FIELDS), fc.string({ maxLength: 10 })),
      fc.oneof(leaf.map(String), fc.string({ unit: "binary", maxLength: 20 })),
      { maxKeys: 5 },
    );
    fc.assert(
      fc.property(
        query,
        fc.dictionary(fc.constantFrom(...FIELDS), fc.array(fc.string(), { minLength: 1, maxLength: 3 })),
        (single, multi) => {
          expectValidationResult(schema, single);
          try {
            parseQuery({ queryStringParameters: single, multiValueQueryStringParameters: multi }, schema);
          } catch (error) {
            expect(error).toBeInstanceOf(HttpError);
            expect((error as HttpError).statusCode).toBe(400);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("parseJsonBody", () => {
  it("answers any body text under any content type with the parsed value or a 4xx, never anything else", () => {
    const bodyText = fc.oneof(
      fc.string({ unit: "binary", maxLength: 200 }),
      fc.jsonValue().map((value) => JSON.stringify(value)),
      shaped.map((value) => JSON.stringify(value)),
      fc.nat({ max: 5000 }).map((depth) => `${"[".repeat(depth)}${"]".repeat(depth)}`),
      fc.nat({ max: 5000 }).map((depth) => `${'{"name":'.repeat(depth)}1${"}".repeat(depth)}`),
    );
    const contentType = fc.constantFrom(
      "application/json",
      "application/json; charset=utf-8",
      "APPLICATION/JSON",
      "text/plain",
      "application/x-www-form-urlencoded",
      "application/json-patch+json",
      "",
    );
    fc.assert(
      fc.property(bodyText, contentType, fc.boolean(), (body, type, optional) => {
        const event = { body, headers: type ? { "Content-Type": type } : {}, multiValueHeaders: null };
        try {
          parseJsonBody(event, createAccountSchema, { optional });
        } catch (error) {
          expect(error).toBeInstanceOf(HttpError);
          expect([400, 413, 415]).toContain((error as HttpError).statusCode);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
