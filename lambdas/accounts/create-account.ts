import { apiRoute } from "../shared/api-route";
import { dataDeps } from "../shared/data-store";
import { createAccountSchema } from "./account-schemas";
import { createAccount } from "./account-store";

/** `POST /api/v1/accounts` (accounts:write): a new account in the caller's org. */
export const handler = apiRoute({ body: createAccountSchema }, async ({ auth, body, now }) => {
  const account = await createAccount(dataDeps(), auth.orgId, body, now);
  return { statusCode: 201, body: account, headers: { Location: `/api/v1/accounts/${account.id}` } };
});
