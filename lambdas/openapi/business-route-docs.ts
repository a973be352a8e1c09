import * as z from "zod";
import { accountSchema, createAccountSchema, updateAccountSchema } from "../../contract/schemas/accounts";
import { contactSchema, createContactSchema, updateContactSchema } from "../../contract/schemas/contacts";
import { deliveryAttemptSchema } from "../../contract/schemas/deliveries";
import { exportAccountsQuerySchema, exportInteractionsQuerySchema } from "../../contract/schemas/export";
import { importAccountsSchema, importResultSchema } from "../../contract/schemas/import";
import { interactionSchema } from "../../contract/schemas/interactions";
import { listContactsQuerySchema, listQuerySchema, pageSchema } from "../../contract/schemas/lists";
import { paymentSchema, registerPaymentSchema } from "../../contract/schemas/payments";
import {
  createdWebhookSchema,
  createWebhookSchema,
  updateWebhookSchema,
  webhookSchema,
} from "../../contract/schemas/webhooks";
import { id, idempotencyHeaders, location, type RouteDoc } from "./route-doc";

const accountPath = z.object({ accountId: id("An account id (`acc_...`).") });
const contactPath = z.object({ contactId: id("A contact id (`con_...`).") });
const paymentPath = accountPath.extend({ paymentId: id("A payment id (`pay_...`).") });
const webhookPath = z.object({ webhookId: id("A subscription id (`wh_...`).") });

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

/** The business API's routes (`/api/v1/*` behind a key): accounts, payments, contacts, import, export, webhooks. */
export const BUSINESS_ROUTE_DOCS: Record<string, RouteDoc> = {
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
};
