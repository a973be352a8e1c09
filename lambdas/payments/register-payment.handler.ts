import { registerPaymentRoute } from "../../contract/routes/payments";
import type { Payment } from "../../contract/schemas/payments";
import { apiRoute } from "../shared/http/api-route";
import type { HttpResult } from "../shared/http/http-result";
import { idempotentCreate, idempotentRequest } from "../shared/http/idempotency";
import { withCalledLocation } from "../shared/http/links";
import { idParameter, pathParameter } from "../shared/http/validation";
import { ID_PREFIX } from "../shared/resource-ids";
import { runtimeFromEnvironment } from "../shared/runtime";
import { registerPayment } from "./payment-store";

/**
 * The answer to a registration, as its idempotency record keeps it for a replay: `Location` is a route
 * table path, resolved for the URL each answer is called through.
 */
const registered = (payment: Payment): HttpResult => ({
  statusCode: 201,
  body: payment,
  headers: { Location: `/api/v1/accounts/${payment.accountId}/payments/${payment.id}` },
});

/**
 * `POST /api/v1/accounts/{accountId}/payments` (payments:write): registers a payment and lowers the
 * balance, honouring `Idempotency-Key` (scoped to the org and this concrete path).
 */
export const createHandler = apiRoute(registerPaymentRoute, async ({ auth, body, event, now, deps }) => {
  // The key is checked (400) before the account is looked up (404): the request itself comes first.
  const idempotent = idempotentCreate(
    idempotentRequest(event, {
      method: "POST",
      path: `/api/v1/accounts/${pathParameter(event, "accountId")}/payments`,
    }),
    registered,
  );
  const accountId = idParameter(event, "accountId", ID_PREFIX.account, "account");
  const written = await registerPayment(deps, auth.orgId, accountId, body, now, idempotent.record);
  if (!written.ok) return written;
  return withCalledLocation(event, idempotent.answer(written.value));
});

/** The Lambda entry point: built once, when the function starts, from its environment. */
export const handler = createHandler(runtimeFromEnvironment(process.env));
