import { dataDeps } from "../shared/dynamo/data-store";
import { apiRoute } from "../shared/http/api-route";
import { exportResult } from "../shared/http/export-result";
import { exportPage } from "./export-page";
import { exportAccountsQuerySchema } from "./export-schemas";

/** `GET /api/v1/export/accounts` (export): the org's accounts, oldest first, 5,000 a page, `Link` to the next. */
export const handler = apiRoute({ query: exportAccountsQuerySchema }, async ({ auth, query, event }) => {
  const page = await exportPage(dataDeps(), auth.orgId, { kind: "accounts", ...query });
  if (!page.ok) return page;
  return exportResult(page.value, event);
});
