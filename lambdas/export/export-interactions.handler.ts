import { dataDeps } from "../shared/dynamo/data-store";
import { apiRoute } from "../shared/http/api-route";
import { exportResult } from "../shared/http/export-result";
import { exportPage } from "./export-page";
import { exportInteractionsQuerySchema } from "./export-schemas";

/**
 * `GET /api/v1/export/interactions` (export): the org's interactions, oldest first, from `?since=`
 * (inclusive), of one `?accountId=` if given; 5,000 a page, `Link` to the next.
 */
export const handler = apiRoute({ query: exportInteractionsQuerySchema }, async ({ auth, query, event }) => {
  const page = await exportPage(dataDeps(), auth.orgId, { kind: "interactions", ...query });
  if (!page.ok) return page;
  return exportResult(page.value, event);
});
