import * as z from "../zod";
import { amountSchema, currencySchema } from "./accounts";
import { dateTimeSchema } from "./date-time";
import { boundedTextSchema } from "./plain-text";

/** Payment (API.md §6): money received on an account, in the account's currency. */
export const paymentSchema = z.lazySchema(() =>
  z.object({
    id: z.string(),
    accountId: z.string(),
    amount: amountSchema,
    currency: currencySchema,
    /** When the money was paid (ISO 8601 UTC); the registration instant unless the caller gave one. */
    paidAt: dateTimeSchema,
    method: z.nullable(z.string()),
    reference: z.nullable(z.string()),
    createdAt: dateTimeSchema,
  }),
);
export type Payment = z.infer<typeof paymentSchema>;

/**
 * `POST /accounts/{accountId}/payments`. `amount` is positive minor units; `paidAt` an ISO 8601
 * date-time with `Z` or an offset, answered in UTC; `method` and `reference` free text.
 */
export const registerPaymentSchema = z.lazySchema(() =>
  z.strictObject({
    currency: currencySchema,
    amount: amountSchema.check(z.refine((amount) => amount > 0, "Must be greater than 0.")),
    paidAt: z.optional(
      z.iso.datetime({ offset: true, error: "Must be an ISO 8601 date-time with Z or an offset." }),
    ),
    method: z.optional(boundedTextSchema(50)),
    reference: z.optional(boundedTextSchema(200)),
  }),
);
export type RegisterPayment = z.infer<typeof registerPaymentSchema>;
