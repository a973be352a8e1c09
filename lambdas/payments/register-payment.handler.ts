import { dataDeps } from "../shared/dynamo/data-store";
import { apiRoute } from "../shared/http/api-route";
import { idempotentRequest } from "../shared/http/idempotency";
import { withCalledLocation } from "../shared/http/links";
import { idParameter, pathParameter } from "../shared/http/validation";
import { ID_PREFIX } from "../shared/resource-ids";
import { registerPaymentSchema } from "./payment-schemas";
import { registerPayment } from "./payment-store";

/**
 * `POST /api/v1/accounts/{accountId}/payments` (payments:write): registers a payment and lowers the
 * balance, honouring `Idempotency-Key` (scoped to the org and this concrete path).
 */
export const handler = apiRoute({ body: registerPaymentSchema }, async ({ auth, body, event, now }) => {
  // The key is checked (400) before the account is looked up (404): the request itself comes first.
  const idempotent = idempotentRequest(event, {
    method: "POST",
    path: `/api/v1/accounts/${pathParameter(event, "accountId")}/payments`,
  });
  const accountId = idParameter(event, "accountId", ID_PREFIX.account, "account");
  const result = await registerPayment(dataDeps(), auth.orgId, accountId, body, now, idempotent);
  return withCalledLocation(event, result);
});
