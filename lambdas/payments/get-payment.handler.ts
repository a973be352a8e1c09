import { getPaymentRoute } from "../../contract/routes/payments";
import { apiRoute } from "../shared/http/api-route";
import { idParameter } from "../shared/http/validation";
import { ID_PREFIX } from "../shared/resource-ids";
import { runtimeFromEnvironment } from "../shared/runtime";
import { getPayment } from "./payment-store";

/** `GET /api/v1/accounts/{accountId}/payments/{paymentId}` (accounts:read): one payment. */
export const createHandler = apiRoute(getPaymentRoute, async ({ auth, event, deps }) => {
  const accountId = idParameter(event, "accountId", ID_PREFIX.account, "account");
  const paymentId = idParameter(event, "paymentId", ID_PREFIX.payment, "payment");
  const payment = await getPayment(deps, auth.orgId, accountId, paymentId);
  if (!payment.ok) return payment;
  return { statusCode: 200, body: payment.value };
});

/** The Lambda entry point: built once, when the function starts, from its environment. */
export const handler = createHandler(runtimeFromEnvironment(process.env));
