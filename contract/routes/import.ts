import { importAccountsSchema, importResultSchema } from "../schemas/import";
import * as z from "../zod";
import { json, type Route } from "./route";

/**
 * `POST /api/v1/import/accounts`: creates or updates (by `externalRef`) 1 to 1000 accounts from JSON
 * `{accounts: [...]}` or `text/csv`, and answers 200 with a result per row. The handler parses the
 * body itself, so that one bad row does not refuse the others.
 */
export const importAccountsRoute = {
  method: "POST",
  path: "/api/v1/import/accounts",
  handler: "lambdas/import/import-accounts.handler",
  auth: "apiKey",
  scope: "import",
  timeoutSeconds: 25,
  operationId: "importAccounts",
  summary: "Create or update (by externalRef) 1 to 1000 accounts",
  description: "Bad rows are named, good rows kept. CSV: a header row of the JSON field names.",
  tag: "Import",
  body: {
    raw: {
      "application/json": importAccountsSchema,
      "text/csv": z.lazySchema(() =>
        z.withMeta(z.string(), {
          description: "RFC 4180, a header row of the JSON field names.",
        }),
      ),
    },
  },
  success: { status: 200, description: "What became of each row.", content: json(importResultSchema) },
} satisfies Route;
