import { listQuerySchema, pageSchema } from "../schemas/lists";
import { paymentSchema, registerPaymentSchema } from "../schemas/payments";
import * as z from "../zod";
import { idempotencyHeaders, json, location, type Route } from "./route";

/** `GET /api/v1/accounts/{accountId}/payments`: the account's payments, a page at a time. */
export const listPaymentsRoute = {
  method: "GET",
  path: "/api/v1/accounts/{accountId}/payments",
  handler: "lambdas/payments/list-payments.handler",
  auth: "apiKey",
  scope: "accounts:read",
  operationId: "listPayments",
  summary: "List an account's payments",
  tag: "Payments",
  query: listQuerySchema,
  success: { status: 200, description: "A page of payments.", content: json(pageSchema(paymentSchema)) },
} satisfies Route;

/**
 * `POST /api/v1/accounts/{accountId}/payments`: registers a payment and lowers the balance, honouring
 * `Idempotency-Key` (scoped to the org and this concrete path).
 */
export const registerPaymentRoute = {
  method: "POST",
  path: "/api/v1/accounts/{accountId}/payments",
  handler: "lambdas/payments/register-payment.handler",
  auth: "apiKey",
  scope: "payments:write",
  operationId: "registerPayment",
  summary: "Register a payment, lowering the balance",
  description:
    "The currency must be the account's (else 400); a closed account is 409. Honours Idempotency-Key: " +
    "a replay with the same body answers the stored response with `Idempotent-Replayed: true`; another body is 409.",
  tag: "Payments",
  headers: idempotencyHeaders,
  body: { json: registerPaymentSchema },
  success: {
    status: 201,
    description: "The payment.",
    content: json(paymentSchema),
    headers: z.lazySchema(() =>
      z.extend(location, {
        "Idempotent-Replayed": z.withMeta(z.optional(z.literal("true")), {
          description: "Present when this is a stored answer replayed.",
        }),
      }),
    ),
  },
  errors: [409],
} satisfies Route;

/** `GET /api/v1/accounts/{accountId}/payments/{paymentId}`: one payment of the account. */
export const getPaymentRoute = {
  method: "GET",
  path: "/api/v1/accounts/{accountId}/payments/{paymentId}",
  handler: "lambdas/payments/get-payment.handler",
  auth: "apiKey",
  scope: "accounts:read",
  operationId: "getPayment",
  summary: "Read a payment",
  tag: "Payments",
  success: { status: 200, description: "The payment.", content: json(paymentSchema) },
} satisfies Route;
