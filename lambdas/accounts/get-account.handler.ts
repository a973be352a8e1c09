import { dataDeps } from "../shared/dynamo/data-store";
import { apiRoute } from "../shared/http/api-route";
import { idParameter } from "../shared/http/validation";
import { ID_PREFIX } from "../shared/resource-ids";
import { getAccount } from "./account-store";

/** `GET /api/v1/accounts/{accountId}` (accounts:read): one account of the caller's org. */
export const handler = apiRoute({}, async ({ auth, event }) => {
  const account = await getAccount(
    dataDeps(),
    auth.orgId,
    idParameter(event, "accountId", ID_PREFIX.account, "account"),
  );
  if (!account.ok) return account;
  return { statusCode: 200, body: account.value };
});
