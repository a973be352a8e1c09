import { z } from "zod";
import { SCOPES } from "../shared/scopes";

/**
 * Input schemas of the key-management operations (API.md §5). The HTTP routes and direct Lambda
 * invocations validate with these same schemas. Objects are strict: an unknown field such as
 * `expires_at` is a 400 naming it, never silently dropped.
 *
 * Fields of a later issue (`rateLimit`, `allowedIps`, PATCH and rotate bodies) extend these shapes;
 * `nameSchema`, `scopesSchema` and `expiresAtSchema` are the building blocks they will reuse.
 */

/** `orgId` as API.md §1 defines it. */
export const orgIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, "Must be 1 to 64 of the characters A-Z, a-z, 0-9, _ and -.");
export type OrgId = z.infer<typeof orgIdSchema>;

const KEY_ID_PATTERN = /^key_[0-9A-Za-z]{22}$/;

/**
 * True when `value` has the shape of a key id (`key_` + 22 base62 digits). Anything else cannot
 * name a key, so it is a 404 without a database call.
 */
export function isKeyId(value: string): boolean {
  return KEY_ID_PATTERN.test(value);
}

const NAME_MAX = 100;

/** 1 to 100 characters (code points) after trimming; stored trimmed. */
export const nameSchema = z
  .string()
  .trim()
  .min(1, "Must not be empty.")
  .refine((name) => [...name].length <= NAME_MAX, `Must be at most ${NAME_MAX} characters.`);
export type Name = z.infer<typeof nameSchema>;

/** Not imported from `scopes.ts`: that module stays free of zod for the authorizer's bundle. */
export const scopeSchema = z.enum(SCOPES, {
  error: () => `Unknown scope; expected one of ${SCOPES.join(", ")}.`,
});

/** A non-empty set of scopes; duplicates are folded, first occurrence kept in place. */
export const scopesSchema = z
  .array(scopeSchema)
  .min(1, "Give at least one scope.")
  .transform((scopes) => [...new Set(scopes)]);
export type Scopes = z.infer<typeof scopesSchema>;

const isoDateTime = z.iso.datetime({ offset: true });
const isoDate = z.iso.date();
const EXPIRES_AT_FORMAT =
  "Must be an ISO 8601 date-time with an offset (2030-01-31T12:00:00Z) or a date (2030-01-31, meaning 00:00:00Z).";

/**
 * An instant written as an ISO 8601 date-time with an offset (`Z` or `±hh:mm`), or as `YYYY-MM-DD`
 * meaning 00:00:00Z that day; parsed to epoch milliseconds.
 */
export const instantSchema = z.string().transform((value, ctx) => {
  if (isoDate.safeParse(value).success) return Date.parse(`${value}T00:00:00Z`);
  const ms = isoDateTime.safeParse(value).success ? Date.parse(value) : Number.NaN;
  if (Number.isFinite(ms)) return ms;
  ctx.addIssue({ code: "custom", message: EXPIRES_AT_FORMAT, input: value });
  return z.NEVER;
});

/** `expiresAt`: an instant strictly after `nowMs` (a key expiring now would be born expired). */
export function expiresAtSchema(nowMs: number) {
  return instantSchema.refine((ms) => ms > nowMs, "Must be in the future.");
}

/** Body of `POST /admin/v1/orgs/{orgId}/api-keys`; `nowMs` is the clock's reading for `expiresAt`. */
export function createKeySchema(nowMs: number) {
  return z.strictObject({
    name: nameSchema,
    scopes: scopesSchema,
    expiresAt: expiresAtSchema(nowMs).optional(),
  });
}
export type CreateKeyInput = z.infer<ReturnType<typeof createKeySchema>>;

/** Body of `POST .../{keyId}/revoke`: nothing yet; every field it ever gets stays optional. */
export const revokeKeySchema = z.strictObject({});
export type RevokeKeyInput = z.infer<typeof revokeKeySchema>;

export const KEY_STATUSES = ["active", "expired", "revoked"] as const;
export const keyStatusSchema = z.enum(KEY_STATUSES, {
  error: () => `Must be one of ${KEY_STATUSES.join(", ")}.`,
});

const LIMIT_MESSAGE = "Must be a whole number from 1 to 100.";
const pageLimitSchema = z
  .number(LIMIT_MESSAGE)
  .int(LIMIT_MESSAGE)
  .min(1, LIMIT_MESSAGE)
  .max(100, LIMIT_MESSAGE);

/** Fields of a list request, whatever carries them. `limit` is added by the two variants below. */
const listKeysFields = {
  status: keyStatusSchema.optional(),
  cursor: z.string().min(1, "Must not be empty.").optional(),
};

/** `GET /admin/v1/orgs/{orgId}/api-keys` query: every value is a string, so `limit` is decimal digits. */
export const listKeysQuerySchema = z.strictObject({
  ...listKeysFields,
  limit: z
    .string()
    .regex(/^[0-9]+$/, LIMIT_MESSAGE)
    .transform(Number)
    .pipe(pageLimitSchema)
    .default(25),
});
export type ListKeysQuery = z.infer<typeof listKeysQuerySchema>;

/** The same request as JSON (direct invocation): `limit` is a number. */
export const listKeysInputSchema = z.strictObject({
  ...listKeysFields,
  limit: pageLimitSchema.default(25),
});
export type ListKeysInput = z.infer<typeof listKeysInputSchema>;
