import { apiRoute } from "../shared/api-route";
import { documentClient } from "../shared/document-client";
import { listQuerySchema } from "../shared/list-query";
import { requireTable, runtime } from "../shared/runtime";
import { listAccounts } from "./account-store";

/** `GET /api/v1/accounts` (accounts:read): the caller's org's accounts, a page at a time. */
export const handler = apiRoute({ query: listQuerySchema }, async ({ auth, query }) => {
  const table = requireTable(runtime().settings.dataTable, "DATA_TABLE_NAME");
  const page = await listAccounts({ db: documentClient(), table }, auth.orgId, query);
  return { statusCode: 200, body: page };
});
