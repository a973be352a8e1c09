import { apiRoute } from "../shared/api-route";
import { documentClient } from "../shared/document-client";
import { requireTable, runtime } from "../shared/runtime";
import { createAccountSchema } from "./account-schemas";
import { createAccount } from "./account-store";

/** `POST /api/v1/accounts` (accounts:write): a new account in the caller's org. */
export const handler = apiRoute({ body: createAccountSchema }, async ({ auth, body, now }) => {
  const table = requireTable(runtime().settings.dataTable, "DATA_TABLE_NAME");
  const account = await createAccount({ db: documentClient(), table }, auth.orgId, body, now);
  return { statusCode: 201, body: account, headers: { Location: `/api/v1/accounts/${account.id}` } };
});
