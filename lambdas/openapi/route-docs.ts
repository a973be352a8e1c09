import * as z from "zod";
import { healthSchema, tokenLabelSchema } from "../../contract/schemas/answers";
import { leakReportSchema } from "../../contract/schemas/secret-scanning";
import { BUSINESS_ROUTE_DOCS } from "./business-route-docs";
import { CONSOLE_ROUTE_DOCS } from "./console-route-docs";
import { KEY_MANAGEMENT_ROUTE_DOCS } from "./key-management-route-docs";
import type { RouteDoc } from "./route-doc";

/**
 * The registry of route docs, one entry per `METHOD path` of the route table (see `route-doc.ts`),
 * in the document's order: the public routes here, the business API and key management from their
 * own files.
 */
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

  ...BUSINESS_ROUTE_DOCS,

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

  ...KEY_MANAGEMENT_ROUTE_DOCS,
  ...CONSOLE_ROUTE_DOCS,
};
