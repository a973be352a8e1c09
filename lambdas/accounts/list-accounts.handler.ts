import { dataDeps } from "../shared/dynamo/data-store";
import { apiRoute } from "../shared/http/api-route";
import { listQuerySchema } from "../shared/http/list-query";
import { listAccounts } from "./account-store";

/** `GET /api/v1/accounts` (accounts:read): the caller's org's accounts, a page at a time. */
export const handler = apiRoute({ query: listQuerySchema }, async ({ auth, query }) => {
  const page = await listAccounts(dataDeps(), auth.orgId, query);
  if (!page.ok) return page;
  return { statusCode: 200, body: page.value };
});
