import { apiRoute } from "../shared/api-route";
import { dataDeps } from "../shared/data-store";
import { listQuerySchema } from "../shared/list-query";
import { listAccounts } from "./account-store";

/** `GET /api/v1/accounts` (accounts:read): the caller's org's accounts, a page at a time. */
export const handler = apiRoute({ query: listQuerySchema }, async ({ auth, query }) => {
  const page = await listAccounts(dataDeps(), auth.orgId, query);
  return { statusCode: 200, body: page };
});
