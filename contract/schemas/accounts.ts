import * as z from "../zod";
import { dateTimeSchema } from "./date-time";
import { boundedTextSchema } from "./plain-text";

const CURRENCIES = new Set(Intl.supportedValuesOf("currency"));

/**
 * An ISO 4217 code the runtime knows. The pattern is stated for the document only (a second check
 * would add a second issue to the 400); the refinement does the work.
 */
export const currencySchema = z.lazySchema(() =>
  z.withMeta(
    z
      .string()
      .check(
        z.refine(
          (code) => /^[A-Z]{3}$/.test(code) && CURRENCIES.has(code),
          "Must be an ISO 4217 currency code in upper case, such as EUR.",
        ),
      ),
    { pattern: "^[A-Z]{3}$", description: "An ISO 4217 currency code, upper case (`EUR`)." },
  ),
);

/** Money is integer minor units (API.md §6). */
export const amountSchema = z.lazySchema(() =>
  z
    .number()
    .check(
      z.int("Must be an integer amount of minor units."),
      z.refine(Number.isSafeInteger, { message: "Must be a safe integer." }),
    ),
);

export const accountStatusSchema = z.lazySchema(() => z.enum(["open", "closed"]));
export type AccountStatus = z.infer<typeof accountStatusSchema>;

export const accountSchema = z.lazySchema(() =>
  z.object({
    id: z.string(),
    name: z.string(),
    externalRef: z.nullable(z.string()),
    currency: currencySchema,
    balance: amountSchema,
    status: accountStatusSchema,
    createdAt: dateTimeSchema,
    updatedAt: dateTimeSchema,
  }),
);
export type Account = z.infer<typeof accountSchema>;

const accountNameSchema = z.lazySchema(() => boundedTextSchema(200));
const externalRefSchema = z.lazySchema(() => boundedTextSchema(100));

/** `POST /accounts`, and one row of an import. `balance` is the opening balance (default 0). */
export const createAccountSchema = z.lazySchema(() =>
  z.strictObject({
    name: accountNameSchema,
    externalRef: z.optional(externalRefSchema),
    currency: currencySchema,
    balance: z.optional(amountSchema),
  }),
);
export type CreateAccount = z.infer<typeof createAccountSchema>;

/**
 * `PATCH /accounts/{accountId}`: every field optional (no body is `{}`, which changes nothing).
 * `externalRef: null` removes the ref. The currency never changes and the balance moves only with
 * payments, so neither is a field here: sending one is a 400 like any unknown field.
 */
export const updateAccountSchema = z.lazySchema(() =>
  z.partial(
    z.extend(z.pick(createAccountSchema, { name: true }), {
      externalRef: z.nullable(externalRefSchema),
      status: accountStatusSchema,
    }),
  ),
);
export type UpdateAccount = z.infer<typeof updateAccountSchema>;
