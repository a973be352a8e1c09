import { exportAccountsRoute } from "../../contract/routes/export";
import { apiRoute } from "../shared/http/api-route";
import { exportResult } from "../shared/http/export-result";
import { runtimeFromEnvironment } from "../shared/runtime";
import { exportPage } from "./export-page";

/** `GET /api/v1/export/accounts` (export): the org's accounts, oldest first, 5,000 a page, `Link` to the next. */
export const createHandler = apiRoute(exportAccountsRoute, async ({ auth, query, event, deps }) => {
  const page = await exportPage(deps, auth.orgId, { kind: "accounts", ...query });
  if (!page.ok) return page;
  return exportResult(page.value, event);
});

/** The Lambda entry point: built once, when the function starts, from its environment. */
export const handler = createHandler(runtimeFromEnvironment(process.env));
