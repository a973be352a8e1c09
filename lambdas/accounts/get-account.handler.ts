import { getAccountRoute } from "../../contract/routes/accounts";
import { apiRoute } from "../shared/http/api-route";
import { idParameter } from "../shared/http/validation";
import { ID_PREFIX } from "../shared/resource-ids";
import { runtimeFromEnvironment } from "../shared/runtime";
import { getAccount } from "./account-store";

/** `GET /api/v1/accounts/{accountId}` (accounts:read): one account of the caller's org. */
export const createHandler = apiRoute(getAccountRoute, async ({ auth, event, deps }) => {
  const account = await getAccount(
    deps,
    auth.orgId,
    idParameter(event, "accountId", ID_PREFIX.account, "account"),
  );
  if (!account.ok) return account;
  return { statusCode: 200, body: account.value };
});

/** The Lambda entry point: built once, when the function starts, from its environment. */
export const handler = createHandler(runtimeFromEnvironment(process.env));
