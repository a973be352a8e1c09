import { z } from "zod";
import { accountSchema, createAccountSchema, updateAccountSchema } from "../accounts/account-schemas";
import {
  contactSchema,
  createContactSchema,
  listContactsQuerySchema,
  updateContactSchema,
} from "../contacts/contact-schemas";
import { exportAccountsQuerySchema, exportInteractionsQuerySchema } from "../export/export-schemas";
import { importAccountsSchema, importResultSchema } from "../import/import-schemas";
import {
  createKeySchema,
  listAuditEventsQuerySchema,
  listKeysQuerySchema,
  revokeKeySchema,
  rotateKeySchema,
  updateKeySchema,
} from "../key-management/schemas";
import { paymentSchema, registerPaymentSchema } from "../payments/payment-schemas";
import { leakReportSchema } from "../secret-scanning/leak-report";
import { listQuerySchema } from "../shared/http/list-query";
import { interactionSchema } from "../shared/interaction-schemas";
import { deliveryAttemptSchema } from "../webhooks/delivery-schemas";
import {
  createdWebhookSchema,
  createWebhookSchema,
  updateWebhookSchema,
  webhookSchema,
} from "../webhooks/webhook-schemas";
import {
  auditEventSchema,
  createdKeySchema,
  healthSchema,
  keyRecordSchema,
  pageSchema,
  rotatedKeySchema,
  tokenLabelSchema,
} from "./doc-schemas";

/**
 * What the OpenAPI document says of each route of the route table, from the schemas the handlers
 * validate with: one entry per `METHOD path`. The route table names the route, its auth and its scope;
 * this registry adds its input and output schemas. Only the OpenAPI Lambda (and `npm run openapi`)
 * imports it, so no business Lambda bundles the generator. A route of `ROUTES` without an entry is
 * missing from the document, and a test fails.
 */
export interface RouteDoc {
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  /** Path parameters: one field per `{name}` of the path. */
  path?: z.ZodObject;
  query?: z.ZodObject;
  /** Request headers the route reads (besides the key). */
  headers?: z.ZodObject;
  /** The request body by media type; `required: false` where no body means `{}`. */
  body?: { content: Record<string, z.ZodType>; required: boolean };
  success: {
    status: 200 | 201 | 204;
    description: string;
    content?: Record<string, z.ZodType>;
    headers?: z.ZodObject;
  };
  /** Statuses the route itself answers beyond those of its auth kind and its input (404, 409...). */
  errors?: number[];
}

const id = (description: string) => z.string().meta({ description });
const accountPath = z.object({ accountId: id("An account id (`acc_...`).") });
const contactPath = z.object({ contactId: id("A contact id (`con_...`).") });
const paymentPath = accountPath.extend({ paymentId: id("A payment id (`pay_...`).") });
const webhookPath = z.object({ webhookId: id("A subscription id (`wh_...`).") });
const orgPath = z.object({ orgId: id("The org (1 to 64 of A-Z, a-z, 0-9, _ and -).") });
const keyPath = orgPath.extend({ keyId: id("A key id (`key_` + 22 base62 digits).") });

const idempotencyHeaders = z.object({
  "Idempotency-Key": z
    .string()
    .optional()
    .meta({ description: "1 to 255 printable ASCII characters; a retry with it never acts twice." }),
});

const location = z.object({ Location: z.string().meta({ description: "The path of the new resource." }) });

const EXPORT_LINK = z.object({
  Link: z
    .string()
    .optional()
    .meta({
      description:
        'RFC 8288 `<...>; rel="next"` when records remain: a reference relative to the URL called, ' +
        "holding the same query and the next page's cursor. Absent on the last page.",
    }),
});

/** The three export formats: one page, at most 5,000 records. */
function exportContent(record: z.ZodType, fields: string) {
  return {
    "application/json": z.array(record),
    "application/x-ndjson": z
      .string()
      .meta({ description: "One JSON object a line (each line as in application/json)." }),
    "text/csv": z.string().meta({
      description:
        `RFC 4180, CRLF line ends, a header row \`${fields}\`; text cells that would start a ` +
        "spreadsheet formula (`=`, `+`, `-`, `@`, tab, CR) get a leading `'`.",
    }),
  };
}

const WEBHOOKS_SCHEMA_POLICY = { allowLoopback: false };

/** The admin API's key routes (API.md §5); the console's mirror them. */
const ROUTE_DOCS_ADMIN: Record<string, RouteDoc> = {
  "POST /admin/v1/orgs/{orgId}/api-keys": {
    operationId: "createKey",
    summary: "Create a key",
    tag: "Keys (admin)",
    path: orgPath,
    headers: idempotencyHeaders,
    body: { content: { "application/json": createKeySchema(0) }, required: true },
    success: {
      status: 201,
      description: "The key record plus the key, shown this once.",
      content: { "application/json": createdKeySchema },
      headers: location,
    },
    errors: [409],
  },
  "GET /admin/v1/orgs/{orgId}/api-keys": {
    operationId: "listKeys",
    summary: "List the org's keys, newest first",
    tag: "Keys (admin)",
    path: orgPath,
    query: listKeysQuerySchema,
    success: {
      status: 200,
      description: "A page of keys.",
      content: { "application/json": pageSchema(keyRecordSchema) },
    },
  },
  "GET /admin/v1/orgs/{orgId}/api-keys/{keyId}": {
    operationId: "getKey",
    summary: "Read a key with its usage",
    tag: "Keys (admin)",
    path: keyPath,
    success: {
      status: 200,
      description: "The key record.",
      content: { "application/json": keyRecordSchema },
    },
  },
  "PATCH /admin/v1/orgs/{orgId}/api-keys/{keyId}": {
    operationId: "updateKey",
    summary: "Change an active key's name, scopes, rate limit or allowlist",
    tag: "Keys (admin)",
    path: keyPath,
    body: { content: { "application/json": updateKeySchema }, required: false },
    success: {
      status: 200,
      description: "The key record.",
      content: { "application/json": keyRecordSchema },
    },
    errors: [409],
  },
  "POST /admin/v1/orgs/{orgId}/api-keys/{keyId}/revoke": {
    operationId: "revokeKey",
    summary: "Revoke a key now (repeating it is harmless)",
    tag: "Keys (admin)",
    path: keyPath,
    body: { content: { "application/json": revokeKeySchema }, required: false },
    success: {
      status: 200,
      description: "The key record, revoked.",
      content: { "application/json": keyRecordSchema },
    },
  },
  "POST /admin/v1/orgs/{orgId}/api-keys/{keyId}/rotate": {
    operationId: "rotateKey",
    summary: "Replace a key with a new one, with an optional grace period",
    tag: "Keys (admin)",
    path: keyPath,
    body: { content: { "application/json": rotateKeySchema(0) }, required: false },
    success: {
      status: 201,
      description: "The new key's record, the new key, and the id it replaces.",
      content: { "application/json": rotatedKeySchema },
      headers: location,
    },
    errors: [409],
  },
  "GET /admin/v1/orgs/{orgId}/audit-events": {
    operationId: "listAuditEvents",
    summary: "List the org's key events, newest first",
    tag: "Audit (admin)",
    path: orgPath,
    query: listAuditEventsQuerySchema,
    success: {
      status: 200,
      description: "A page of audit events.",
      content: { "application/json": pageSchema(auditEventSchema) },
    },
  },
};

export const ROUTE_DOCS: Record<string, RouteDoc> = {
  "GET /health": {
    operationId: "getHealth",
    summary: "Says the API answers",
    tag: "Meta",
    success: { status: 200, description: "The API answers.", content: { "application/json": healthSchema } },
  },
  "GET /api/v1/openapi.json": {
    operationId: "getOpenApiDocument",
    summary: "This document",
    description: "Public and not counted: no key needed.",
    tag: "Meta",
    success: {
      status: 200,
      description: "The OpenAPI 3.1 document of the API.",
      content: { "application/json": z.record(z.string(), z.unknown()) },
    },
  },

  "GET /api/v1/accounts": {
    operationId: "listAccounts",
    summary: "List accounts, oldest first",
    tag: "Accounts",
    query: listQuerySchema,
    success: {
      status: 200,
      description: "A page of accounts.",
      content: { "application/json": pageSchema(accountSchema) },
    },
  },
  "POST /api/v1/accounts": {
    operationId: "createAccount",
    summary: "Create an account",
    tag: "Accounts",
    body: { content: { "application/json": createAccountSchema }, required: true },
    success: {
      status: 201,
      description: "The account.",
      content: { "application/json": accountSchema },
      headers: location,
    },
    errors: [409],
  },
  "GET /api/v1/accounts/{accountId}": {
    operationId: "getAccount",
    summary: "Read an account",
    tag: "Accounts",
    path: accountPath,
    success: { status: 200, description: "The account.", content: { "application/json": accountSchema } },
  },
  "PATCH /api/v1/accounts/{accountId}": {
    operationId: "updateAccount",
    summary: "Update an account's name, externalRef or status",
    description: "The currency never changes. No body changes nothing.",
    tag: "Accounts",
    path: accountPath,
    body: { content: { "application/json": updateAccountSchema }, required: false },
    success: { status: 200, description: "The account.", content: { "application/json": accountSchema } },
    errors: [409],
  },
  "GET /api/v1/accounts/{accountId}/payments": {
    operationId: "listPayments",
    summary: "List an account's payments",
    tag: "Payments",
    path: accountPath,
    query: listQuerySchema,
    success: {
      status: 200,
      description: "A page of payments.",
      content: { "application/json": pageSchema(paymentSchema) },
    },
  },
  "POST /api/v1/accounts/{accountId}/payments": {
    operationId: "registerPayment",
    summary: "Register a payment, lowering the balance",
    description:
      "The currency must be the account's (else 400); a closed account is 409. Honours Idempotency-Key: " +
      "a replay with the same body answers the stored response with `Idempotent-Replayed: true`; another body is 409.",
    tag: "Payments",
    path: accountPath,
    headers: idempotencyHeaders,
    body: { content: { "application/json": registerPaymentSchema }, required: true },
    success: {
      status: 201,
      description: "The payment.",
      content: { "application/json": paymentSchema },
      headers: location.extend({
        "Idempotent-Replayed": z
          .literal("true")
          .optional()
          .meta({ description: "Present when this is a stored answer replayed." }),
      }),
    },
    errors: [409],
  },
  "GET /api/v1/accounts/{accountId}/payments/{paymentId}": {
    operationId: "getPayment",
    summary: "Read a payment",
    tag: "Payments",
    path: paymentPath,
    success: { status: 200, description: "The payment.", content: { "application/json": paymentSchema } },
  },

  "GET /api/v1/contacts": {
    operationId: "listContacts",
    summary: "List contacts, of one account if asked",
    tag: "Contacts",
    query: listContactsQuerySchema,
    success: {
      status: 200,
      description: "A page of contacts.",
      content: { "application/json": pageSchema(contactSchema) },
    },
  },
  "POST /api/v1/contacts": {
    operationId: "createContact",
    summary: "Create a contact on an account",
    tag: "Contacts",
    body: { content: { "application/json": createContactSchema }, required: true },
    success: {
      status: 201,
      description: "The contact.",
      content: { "application/json": contactSchema },
      headers: location,
    },
    errors: [404],
  },
  "GET /api/v1/contacts/{contactId}": {
    operationId: "getContact",
    summary: "Read a contact",
    tag: "Contacts",
    path: contactPath,
    success: { status: 200, description: "The contact.", content: { "application/json": contactSchema } },
  },
  "PATCH /api/v1/contacts/{contactId}": {
    operationId: "updateContact",
    summary: "Update a contact",
    tag: "Contacts",
    path: contactPath,
    body: { content: { "application/json": updateContactSchema }, required: false },
    success: { status: 200, description: "The contact.", content: { "application/json": contactSchema } },
  },

  "POST /api/v1/import/accounts": {
    operationId: "importAccounts",
    summary: "Create or update (by externalRef) 1 to 1000 accounts",
    description: "Bad rows are named, good rows kept. CSV: a header row of the JSON field names.",
    tag: "Import",
    body: {
      content: {
        "application/json": importAccountsSchema,
        "text/csv": z.string().meta({ description: "RFC 4180, a header row of the JSON field names." }),
      },
      required: true,
    },
    success: {
      status: 200,
      description: "What became of each row.",
      content: { "application/json": importResultSchema },
    },
  },

  "GET /api/v1/export/accounts": {
    operationId: "exportAccounts",
    summary: "Export the org's accounts, oldest first",
    tag: "Export",
    query: exportAccountsQuerySchema,
    success: {
      status: 200,
      description: "One page of the export in the format asked for.",
      content: exportContent(
        accountSchema,
        "id,name,externalRef,currency,balance,status,createdAt,updatedAt",
      ),
      headers: EXPORT_LINK,
    },
  },
  "GET /api/v1/export/interactions": {
    operationId: "exportInteractions",
    summary: "Export the org's interactions, oldest first",
    description: "`since` is inclusive; `accountId` of an unknown account exports nothing.",
    tag: "Export",
    query: exportInteractionsQuerySchema,
    success: {
      status: 200,
      description: "One page of the export in the format asked for.",
      content: exportContent(interactionSchema, "id,accountId,type,at,data"),
      headers: EXPORT_LINK,
    },
  },

  "GET /api/v1/webhooks": {
    operationId: "listWebhooks",
    summary: "List webhook subscriptions, oldest first",
    tag: "Webhooks",
    query: listQuerySchema,
    success: {
      status: 200,
      description: "A page of subscriptions (never their secrets).",
      content: { "application/json": pageSchema(webhookSchema) },
    },
  },
  "POST /api/v1/webhooks": {
    operationId: "createWebhook",
    summary: "Subscribe a URL to events",
    description:
      "The URL must be https and must not name an internal address (loopback, private, link-local, " +
      "unique-local) or localhost. The answer holds the signing secret, the only time it is shown.",
    tag: "Webhooks",
    body: { content: { "application/json": createWebhookSchema(WEBHOOKS_SCHEMA_POLICY) }, required: true },
    success: {
      status: 201,
      description: "The subscription and its signing secret.",
      content: { "application/json": createdWebhookSchema },
      headers: location,
    },
  },
  "GET /api/v1/webhooks/{webhookId}": {
    operationId: "getWebhook",
    summary: "Read a subscription",
    tag: "Webhooks",
    path: webhookPath,
    success: {
      status: 200,
      description: "The subscription.",
      content: { "application/json": webhookSchema },
    },
  },
  "PATCH /api/v1/webhooks/{webhookId}": {
    operationId: "updateWebhook",
    summary: "Update a subscription's url, events, description or enabled",
    tag: "Webhooks",
    path: webhookPath,
    body: { content: { "application/json": updateWebhookSchema(WEBHOOKS_SCHEMA_POLICY) }, required: false },
    success: {
      status: 200,
      description: "The subscription.",
      content: { "application/json": webhookSchema },
    },
  },
  "DELETE /api/v1/webhooks/{webhookId}": {
    operationId: "deleteWebhook",
    summary: "Delete a subscription",
    tag: "Webhooks",
    path: webhookPath,
    success: { status: 204, description: "Deleted; no body." },
  },
  "GET /api/v1/webhooks/{webhookId}/deliveries": {
    operationId: "listWebhookDeliveries",
    summary: "List a subscription's delivery attempts, newest first",
    description:
      "Each attempt with its event's id and type, the receiver's status code (null when none came), " +
      "when it started, how long it took, why it failed, and when the next retry is due. Kept 30 days.",
    tag: "Webhooks",
    path: webhookPath,
    query: listQuerySchema,
    success: {
      status: 200,
      description: "A page of delivery attempts.",
      content: { "application/json": pageSchema(deliveryAttemptSchema) },
    },
  },

  "POST /security/v1/secret-scanning": {
    operationId: "reportLeakedTokens",
    summary: "Report leaked keys (GitHub secret scanning partner format)",
    description:
      "Signed with ECDSA P-256 / SHA-256 over the raw body by a trusted key; every reported live key is revoked at once.",
    tag: "Security",
    headers: z.object({
      "Github-Public-Key-Identifier": z.string().meta({ description: "Which trusted key signed the body." }),
      "Github-Public-Key-Signature": z
        .string()
        .meta({ description: "Base64 ECDSA signature of the raw body." }),
    }),
    body: { content: { "application/json": leakReportSchema }, required: true },
    success: {
      status: 200,
      description: "Each reported token labelled.",
      content: { "application/json": z.array(tokenLabelSchema) },
    },
    errors: [401],
  },

  ...ROUTE_DOCS_ADMIN,
  ...consoleDocs(),
};

/**
 * The console API (API.md §10): the admin key routes for the signed-in person's org, documented as
 * the admin API's own (same bodies and answers) minus the org in the path.
 */
function consoleDocs(): Record<string, RouteDoc> {
  const docs: Record<string, RouteDoc> = {};
  for (const [route, doc] of Object.entries(ROUTE_DOCS_ADMIN)) {
    const [method, path] = route.split(" ");
    const consolePath = (path ?? "").replace("/admin/v1/orgs/{orgId}", "/console/v1");
    const params = doc.path?.omit({ orgId: true });
    docs[`${method} ${consolePath}`] = {
      ...doc,
      operationId: `console${doc.operationId.charAt(0).toUpperCase()}${doc.operationId.slice(1)}`,
      tag: doc.tag.replace("(admin)", "(console)"),
      path: params && Object.keys(params.shape).length > 0 ? params : undefined,
    };
  }
  return docs;
}
