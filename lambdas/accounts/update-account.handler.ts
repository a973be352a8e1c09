import { dataDeps } from "../shared/dynamo/data-store";
import { apiRoute } from "../shared/http/api-route";
import { idParameter } from "../shared/http/validation";
import { ID_PREFIX } from "../shared/resource-ids";
import { updateAccountSchema } from "./account-schemas";
import { updateAccount } from "./account-store";

/**
 * `PATCH /api/v1/accounts/{accountId}` (accounts:write): name, externalRef, status. No body, or one
 * that changes nothing, answers the account as it is.
 */
export const handler = apiRoute(
  { body: updateAccountSchema, bodyOptional: true },
  async ({ auth, body, event, now }) => {
    const account = await updateAccount(
      dataDeps(),
      auth.orgId,
      idParameter(event, "accountId", ID_PREFIX.account, "account"),
      body,
      now,
    );
    if (!account.ok) return account;
    return { statusCode: 200, body: account.value };
  },
);
