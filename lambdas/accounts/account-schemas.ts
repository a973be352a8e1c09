import { z } from "zod";

const CURRENCIES = new Set(Intl.supportedValuesOf("currency"));

export const currencySchema = z
  .string()
  .refine(
    (code) => /^[A-Z]{3}$/.test(code) && CURRENCIES.has(code),
    "Must be an ISO 4217 currency code in upper case, such as EUR.",
  );

/** Money is integer minor units (API.md §6). */
export const amountSchema = z
  .number()
  .int("Must be an integer amount of minor units.")
  .refine(Number.isSafeInteger, {
    message: "Must be a safe integer.",
  });

export const accountSchema = z.object({
  id: z.string(),
  name: z.string(),
  externalRef: z.string().nullable(),
  currency: currencySchema,
  balance: amountSchema,
  status: z.enum(["open", "closed"]),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Account = z.infer<typeof accountSchema>;

export const createAccountSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  externalRef: z.string().trim().min(1).max(100).optional(),
  currency: currencySchema,
  balance: amountSchema.optional(),
});
export type CreateAccount = z.infer<typeof createAccountSchema>;
