import { dataDeps } from "../shared/dynamo/data-store";
import { apiRoute } from "../shared/http/api-route";
import { linkTo } from "../shared/http/links";
import { createAccountSchema } from "./account-schemas";
import { createAccount } from "./account-store";

/** `POST /api/v1/accounts` (accounts:write): a new account in the caller's org. */
export const handler = apiRoute({ body: createAccountSchema }, async ({ auth, body, event, now }) => {
  const created = await createAccount(dataDeps(), auth.orgId, body, now);
  if (!created.ok) return created;
  const account = created.value;
  return {
    statusCode: 201,
    body: account,
    headers: { Location: linkTo(event, `/api/v1/accounts/${account.id}`) },
  };
});
