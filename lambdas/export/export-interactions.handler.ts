import { exportInteractionsRoute } from "../../contract/routes/export";
import { apiRoute } from "../shared/http/api-route";
import { exportResult } from "../shared/http/export-result";
import { runtimeFromEnvironment } from "../shared/runtime";
import { exportPage } from "./export-page";

/**
 * `GET /api/v1/export/interactions` (export): the org's interactions, oldest first, from `?since=`
 * (inclusive), of one `?accountId=` if given; 5,000 a page, `Link` to the next.
 */
export const createHandler = apiRoute(exportInteractionsRoute, async ({ auth, query, event, deps }) => {
  const page = await exportPage(deps, auth.orgId, { kind: "interactions", ...query });
  if (!page.ok) return page;
  return exportResult(page.value, event);
});

/** The Lambda entry point: built once, when the function starts, from its environment. */
export const handler = createHandler(runtimeFromEnvironment(process.env));
