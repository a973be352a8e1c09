import { listPaymentsRoute } from "../../contract/routes/payments";
import { apiRoute } from "../shared/http/api-route";
import { idParameter } from "../shared/http/validation";
import { ID_PREFIX } from "../shared/resource-ids";
import { runtimeFromEnvironment } from "../shared/runtime";
import { listPayments } from "./payment-store";

/** `GET /api/v1/accounts/{accountId}/payments` (accounts:read): the account's payments, a page at a time. */
export const createHandler = apiRoute(listPaymentsRoute, async ({ auth, event, query, deps }) => {
  const accountId = idParameter(event, "accountId", ID_PREFIX.account, "account");
  const page = await listPayments(deps, auth.orgId, accountId, query);
  if (!page.ok) return page;
  return { statusCode: 200, body: page.value };
});

/** The Lambda entry point: built once, when the function starts, from its environment. */
export const handler = createHandler(runtimeFromEnvironment(process.env));
