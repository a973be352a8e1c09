import * as z from "../zod";
import { dateTimeSchema } from "./date-time";
import { boundedTextSchema } from "./plain-text";

/**
 * Phone numbers are E.164 as written for machines: `+`, the country code, the number, no spaces or
 * punctuation, 8 to 16 characters in all (`+14155550123`, `+442071838750`). One form, so two systems
 * never store one number two ways.
 */
export const phoneSchema = z.lazySchema(() =>
  z
    .string()
    .check(
      z.regex(
        /^\+[1-9][0-9]{6,14}$/,
        "Must be an E.164 phone number: + and 7 to 15 digits, such as +14155550123.",
      ),
    ),
);

export const emailSchema = z.lazySchema(() =>
  z.email("Must be an email address, such as ana@example.com.").check(z.maxLength(254)),
);

/** Contact (API.md §6): a person at an account of the org. */
export const contactSchema = z.lazySchema(() =>
  z.object({
    id: z.string(),
    accountId: z.string(),
    name: z.string(),
    email: z.nullable(emailSchema),
    phone: z.nullable(phoneSchema),
    role: z.nullable(z.string()),
    createdAt: dateTimeSchema,
    updatedAt: dateTimeSchema,
  }),
);
export type Contact = z.infer<typeof contactSchema>;

const contactNameSchema = z.lazySchema(() => boundedTextSchema(200));
const roleSchema = z.lazySchema(() => boundedTextSchema(100));

/** `POST /contacts`: the account must be one of the org's (404 otherwise). */
export const createContactSchema = z.lazySchema(() =>
  z.strictObject({
    accountId: z.string().check(z.minLength(1), z.maxLength(100)),
    name: contactNameSchema,
    email: z.optional(emailSchema),
    phone: z.optional(phoneSchema),
    role: z.optional(roleSchema),
  }),
);
export type CreateContact = z.infer<typeof createContactSchema>;

/**
 * `PATCH /contacts/{contactId}`: every field optional; `null` clears email, phone or role. A contact
 * stays on its account (its interactions are recorded there), so `accountId` is not a field here.
 */
export const updateContactSchema = z.lazySchema(() =>
  z.partial(
    z.extend(z.omit(createContactSchema, { accountId: true }), {
      email: z.nullable(emailSchema),
      phone: z.nullable(phoneSchema),
      role: z.nullable(roleSchema),
    }),
  ),
);
export type UpdateContact = z.infer<typeof updateContactSchema>;
