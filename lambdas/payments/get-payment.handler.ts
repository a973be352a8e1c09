import { dataDeps } from "../shared/dynamo/data-store";
import { apiRoute } from "../shared/http/api-route";
import { idParameter } from "../shared/http/validation";
import { ID_PREFIX } from "../shared/resource-ids";
import { getPayment } from "./payment-store";

/** `GET /api/v1/accounts/{accountId}/payments/{paymentId}` (accounts:read): one payment. */
export const handler = apiRoute({}, async ({ auth, event }) => {
  const accountId = idParameter(event, "accountId", ID_PREFIX.account, "account");
  const paymentId = idParameter(event, "paymentId", ID_PREFIX.payment, "payment");
  const payment = await getPayment(dataDeps(), auth.orgId, accountId, paymentId);
  if (!payment.ok) return payment;
  return { statusCode: 200, body: payment.value };
});
