import { updateAccountRoute } from "../../contract/routes/accounts";
import { apiRoute } from "../shared/http/api-route";
import { idParameter } from "../shared/http/validation";
import { ID_PREFIX } from "../shared/resource-ids";
import { runtimeFromEnvironment } from "../shared/runtime";
import { updateAccount } from "./account-store";

/**
 * `PATCH /api/v1/accounts/{accountId}` (accounts:write): name, externalRef, status. No body, or one
 * that changes nothing, answers the account as it is.
 */
export const createHandler = apiRoute(updateAccountRoute, async ({ auth, body, event, now, deps }) => {
  const account = await updateAccount(
    deps,
    auth.orgId,
    idParameter(event, "accountId", ID_PREFIX.account, "account"),
    body,
    now,
  );
  if (!account.ok) return account;
  return { statusCode: 200, body: account.value };
});

/** The Lambda entry point: built once, when the function starts, from its environment. */
export const handler = createHandler(runtimeFromEnvironment(process.env));
