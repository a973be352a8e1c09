import { listAccountsRoute } from "../../contract/routes/accounts";
import { apiRoute } from "../shared/http/api-route";
import { runtimeFromEnvironment } from "../shared/runtime";
import { listAccounts } from "./account-store";

/** `GET /api/v1/accounts` (accounts:read): the caller's org's accounts, a page at a time. */
export const createHandler = apiRoute(listAccountsRoute, async ({ auth, query, deps }) => {
  const page = await listAccounts(deps, auth.orgId, query);
  if (!page.ok) return page;
  return { statusCode: 200, body: page.value };
});

/** The Lambda entry point: built once, when the function starts, from its environment. */
export const handler = createHandler(runtimeFromEnvironment(process.env));
