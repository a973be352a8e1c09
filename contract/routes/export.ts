import { accountSchema } from "../schemas/accounts";
import { exportAccountsQuerySchema, exportInteractionsQuerySchema } from "../schemas/export";
import { interactionSchema } from "../schemas/interactions";
import * as z from "../zod";
import type { Route } from "./route";

const EXPORT_LINK = z.lazySchema(() =>
  z.object({
    Link: z.withMeta(z.optional(z.string()), {
      description:
        'RFC 8288 `<...>; rel="next"` when records remain: a reference relative to the URL called, ' +
        "holding the same query and the next page's cursor. Absent on the last page.",
    }),
  }),
);

/** The three export formats: one page, at most 5,000 records. */
function exportContent(record: z.ZodMiniType, fields: string) {
  return {
    "application/json": z.lazySchema(() => z.array(record)),
    "application/x-ndjson": z.lazySchema(() =>
      z.withMeta(z.string(), {
        description: "One JSON object a line (each line as in application/json).",
      }),
    ),
    "text/csv": z.lazySchema(() =>
      z.withMeta(z.string(), {
        description:
          `RFC 4180, CRLF line ends, a header row \`${fields}\`; text cells that would start a ` +
          "spreadsheet formula (`=`, `+`, `-`, `@`, tab, CR) get a leading `'`.",
      }),
    ),
  };
}

/** `GET /api/v1/export/accounts`: the org's accounts, oldest first, 5,000 a page, `Link` to the next. */
export const exportAccountsRoute = {
  method: "GET",
  path: "/api/v1/export/accounts",
  handler: "lambdas/export/export-accounts.handler",
  auth: "apiKey",
  scope: "export",
  operationId: "exportAccounts",
  summary: "Export the org's accounts, oldest first",
  tag: "Export",
  query: exportAccountsQuerySchema,
  success: {
    status: 200,
    description: "One page of the export in the format asked for.",
    content: exportContent(accountSchema, "id,name,externalRef,currency,balance,status,createdAt,updatedAt"),
    headers: EXPORT_LINK,
  },
} satisfies Route;

/** `GET /api/v1/export/interactions`: the org's interactions, oldest first, `?since=` and `?accountId=`. */
export const exportInteractionsRoute = {
  method: "GET",
  path: "/api/v1/export/interactions",
  handler: "lambdas/export/export-interactions.handler",
  auth: "apiKey",
  scope: "export",
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
} satisfies Route;
