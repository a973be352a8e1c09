import { createAccountRoute } from "../../contract/routes/accounts";
import { apiRoute } from "../shared/http/api-route";
import { linkTo } from "../shared/http/links";
import { runtimeFromEnvironment } from "../shared/runtime";
import { createAccount } from "./account-store";

/** `POST /api/v1/accounts` (accounts:write): a new account in the caller's org. */
export const createHandler = apiRoute(createAccountRoute, async ({ auth, body, event, now, deps }) => {
  const created = await createAccount(deps, auth.orgId, body, now);
  if (!created.ok) return created;
  const account = created.value;
  return {
    statusCode: 201,
    body: account,
    headers: { Location: linkTo(event, `/api/v1/accounts/${account.id}`) },
  };
});

/** The Lambda entry point: built once, when the function starts, from its environment. */
export const handler = createHandler(runtimeFromEnvironment(process.env));
