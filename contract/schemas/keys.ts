import { KEY_STATUSES } from "../api-types";
import { MAX_ALLOWED_IPS, normaliseAllowlistEntry } from "../ip-allowlist";
import { SCOPES } from "../scopes";
import * as z from "../zod";
import { boundedTextSchema, plainTextSchema } from "./plain-text";

/**
 * Input schemas of the key-management operations (API.md §5). The HTTP routes and direct Lambda
 * invocations validate with these same schemas. Objects are strict: an unknown field such as
 * `expires_at` is a 400 naming it, never silently dropped.
 *
 * `nameSchema`, `scopesSchema`, `expiresAtSchema`, `rateLimitSchema` and `allowedIpsSchema` are the
 * building blocks the create, PATCH and rotate bodies share.
 */

/** `orgId` as API.md §1 defines it. */
export const orgIdSchema = z.lazySchema(() =>
  z
    .string()
    .check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, "Must be 1 to 64 of the characters A-Z, a-z, 0-9, _ and -.")),
);
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
export const nameSchema = z.lazySchema(() =>
  z.withMeta(
    plainTextSchema().check(
      z.trim(),
      z.minLength(1, "Must not be empty."),
      z.refine((name) => [...name].length <= NAME_MAX, `Must be at most ${NAME_MAX} characters.`),
    ),
    // JSON Schema counts code points too; stated for the document, which cannot see the refinement.
    { maxLength: NAME_MAX },
  ),
);
export type Name = z.infer<typeof nameSchema>;

/** Not imported from `scopes.ts`: that module stays free of zod for the authorizer's bundle. */
export const scopeSchema = z.lazySchema(() =>
  z.enum(SCOPES, {
    error: () => `Unknown scope; expected one of ${SCOPES.join(", ")}.`,
  }),
);

/**
 * A non-empty list of scopes, kept as sent: the key policy names a refused scope at `scopes[i]`, its
 * position in the body (API.md §12). The verbs fold duplicates, first occurrence kept in place, after
 * the policy's check (`newKeyItem`, `updateKey`), so what is stored holds each scope once.
 */
export const scopesSchema = z.lazySchema(() =>
  z.array(scopeSchema).check(z.minLength(1, "Give at least one scope.")),
);
export type Scopes = z.infer<typeof scopesSchema>;

const isoDateTime = z.lazySchema(() => z.iso.datetime({ offset: true }));
const isoDate = z.lazySchema(() => z.iso.date());
const EXPIRES_AT_FORMAT =
  "Must be an ISO 8601 date-time with an offset (2030-01-31T12:00:00Z) or a date (2030-01-31, meaning 00:00:00Z).";

/**
 * An instant written as an ISO 8601 date-time with an offset (`Z` or `±hh:mm`), or as `YYYY-MM-DD`
 * meaning 00:00:00Z that day; parsed to epoch milliseconds. What the document says it accepts is
 * registered by the document's builder (`lambdas/openapi/document.ts`), so no function bundles it.
 */
export const instantSchema = z.lazySchema(() =>
  z.pipe(
    z.string(),
    z.transform((value: string, ctx) => {
      if (isoDate.safeParse(value).success) return Date.parse(`${value}T00:00:00Z`);
      const ms = isoDateTime.safeParse(value).success ? Date.parse(value) : Number.NaN;
      if (Number.isFinite(ms)) return ms;
      ctx.issues.push({ code: "custom", message: EXPIRES_AT_FORMAT, input: value });
      return z.NEVER;
    }),
  ),
);

/** `expiresAt`: an instant strictly after `nowMs` (a key expiring now would be born expired). */
export function expiresAtSchema(nowMs: number) {
  return instantSchema.check(z.refine((ms) => ms > nowMs, "Must be in the future."));
}

export const RATE_LIMIT_MAX = 10_000;
const RATE_LIMIT_MESSAGE = `Must be a whole number from 1 to ${RATE_LIMIT_MAX}.`;

/** `rateLimit`: the key's own limit per window, overriding the environment's default. */
export const rateLimitSchema = z.lazySchema(() =>
  z.strictObject({
    limit: z
      .number(RATE_LIMIT_MESSAGE)
      .check(
        z.int(RATE_LIMIT_MESSAGE),
        z.minimum(1, RATE_LIMIT_MESSAGE),
        z.maximum(RATE_LIMIT_MAX, RATE_LIMIT_MESSAGE),
      ),
  }),
);
export type RateLimitInput = z.infer<typeof rateLimitSchema>;

/** One allowlist entry, validated and written in its normal form (`contract/ip-allowlist.ts`). */
export const allowedIpSchema = z.lazySchema(() =>
  z.pipe(
    z.string("Must be a string."),
    z.transform((entry: string, ctx) => {
      const outcome = normaliseAllowlistEntry(entry);
      if (outcome.ok) return outcome.value;
      ctx.issues.push({ code: "custom", message: outcome.message, input: entry });
      return z.NEVER;
    }),
  ),
);

/** `allowedIps`: 1 to 100 addresses or CIDR ranges, normalised; duplicates (after normalising) are folded. */
export const allowedIpsSchema = z.lazySchema(() =>
  z.pipe(
    z
      .array(allowedIpSchema, "Must be a list of addresses or CIDR ranges.")
      .check(
        z.minLength(1, "Give at least one address or range; to allow every address, leave the list out."),
        z.maxLength(MAX_ALLOWED_IPS, `Give at most ${MAX_ALLOWED_IPS} addresses or ranges.`),
      ),
    z.transform((entries: string[]) => [...new Set(entries)]),
  ),
);
export type AllowedIps = z.infer<typeof allowedIpsSchema>;

/** Body of `POST /admin/v1/orgs/{orgId}/api-keys`; `nowMs` is the clock's reading for `expiresAt`. */
export function createKeySchema(nowMs: number) {
  return z.strictObject({
    name: nameSchema,
    scopes: scopesSchema,
    expiresAt: z.optional(expiresAtSchema(nowMs)),
    rateLimit: z.optional(rateLimitSchema),
    allowedIps: z.optional(allowedIpsSchema),
  });
}
export type CreateKeyInput = z.infer<ReturnType<typeof createKeySchema>>;

/**
 * Body of `PATCH .../{keyId}`: every field optional (no body is `{}`, which changes nothing).
 * `rateLimit: null` and `allowedIps: null` remove the override and the list; `name` and `scopes`
 * cannot be removed.
 */
export const updateKeySchema = z.lazySchema(() =>
  z.strictObject({
    name: z.optional(nameSchema),
    scopes: z.optional(scopesSchema),
    rateLimit: z.optional(z.nullable(rateLimitSchema)),
    allowedIps: z.optional(z.nullable(allowedIpsSchema)),
  }),
);
export type UpdateKeyInput = z.infer<typeof updateKeySchema>;

/** Longest grace period of a rotation: one week. */
export const GRACE_PERIOD_MAX_SECONDS = 604_800;
const GRACE_MESSAGE = `Must be a whole number of seconds from 0 to ${GRACE_PERIOD_MAX_SECONDS}.`;

/** Body of `POST .../{keyId}/rotate`: every field optional; `expiresAt` is the new key's. */
export function rotateKeySchema(nowMs: number) {
  return z.strictObject({
    gracePeriodSeconds: z.optional(
      z
        .number(GRACE_MESSAGE)
        .check(
          z.int(GRACE_MESSAGE),
          z.minimum(0, GRACE_MESSAGE),
          z.maximum(GRACE_PERIOD_MAX_SECONDS, GRACE_MESSAGE),
        ),
    ),
    expiresAt: z.optional(expiresAtSchema(nowMs)),
  });
}
export type RotateKeyInput = z.infer<ReturnType<typeof rotateKeySchema>>;

/** Body of `POST .../{keyId}/revoke`: nothing yet; every field it ever gets stays optional. */
export const revokeKeySchema = z.lazySchema(() => z.strictObject({}));
export type RevokeKeyInput = z.infer<typeof revokeKeySchema>;

/**
 * `Idempotency-Key` of a create (the header over HTTP, `idempotencyKey` in a direct invocation):
 * 1 to 255 printable ASCII characters, as for the business API's payments (API.md §6).
 */
export const idempotencyKeySchema = z.lazySchema(() =>
  z
    .string("Must be a string.")
    .check(z.regex(/^[\x20-\x7e]{1,255}$/, "Must be 1 to 255 printable ASCII characters.")),
);

/**
 * A direct invocation's self-declared `actor`: kept as the event's `claimedActor`, unverified
 * (CloudTrail holds the real invoker). Over HTTP the actor is the IAM principal and no body takes it.
 */
export const claimedActorSchema = z.lazySchema(() => boundedTextSchema(256));

export const keyStatusSchema = z.lazySchema(() =>
  z.enum(KEY_STATUSES, {
    error: () => `Must be one of ${KEY_STATUSES.join(", ")}.`,
  }),
);

const LIMIT_MESSAGE = "Must be a whole number from 1 to 100.";
const pageLimitSchema = z.lazySchema(() =>
  z
    .number(LIMIT_MESSAGE)
    .check(z.int(LIMIT_MESSAGE), z.minimum(1, LIMIT_MESSAGE), z.maximum(100, LIMIT_MESSAGE)),
);

/** `?limit=` as a query carries it: decimal digits, read as `pageLimitSchema`; 25 when absent. */
const queryLimitSchema = z.lazySchema(() =>
  z._default(
    z.pipe(
      z.pipe(z.string().check(z.regex(/^[0-9]+$/, LIMIT_MESSAGE)), z.transform(Number)),
      pageLimitSchema,
    ),
    25,
  ),
);

/** Fields of a list request, whatever carries them. `limit` and `unusedForDays` are added by the two variants below. */
const listKeysFields = () => ({
  status: z.optional(keyStatusSchema),
  cursor: z.optional(z.string().check(z.minLength(1, "Must not be empty."))),
});

const UNUSED_DAYS_MESSAGE = "Must be a whole number of days from 1 to 365.";
/** `unusedForDays` (API.md §11): active keys not used (or, never used, not created) for that many days. */
const unusedForDaysSchema = z.lazySchema(() =>
  z
    .number(UNUSED_DAYS_MESSAGE)
    .check(
      z.int(UNUSED_DAYS_MESSAGE),
      z.minimum(1, UNUSED_DAYS_MESSAGE),
      z.maximum(365, UNUSED_DAYS_MESSAGE),
    ),
);

const POLICY_VIOLATIONS_MESSAGE = "Must be true.";

/**
 * `unusedForDays` lists active keys only: a `status` beside it is a contradiction, refused at
 * `unusedForDays`. `policyViolations` (API.md §12) is a filter of its own: beside either, refused at it.
 */
function unusedImpliesActive(
  input: { status?: unknown; unusedForDays?: unknown; policyViolations?: unknown },
  ctx: z.core.$RefinementCtx,
) {
  if (input.status !== undefined && input.unusedForDays !== undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["unusedForDays"],
      message: "Leave out status: unusedForDays lists active keys only.",
      input: input.unusedForDays,
    });
  }
  if (
    input.policyViolations !== undefined &&
    (input.status !== undefined || input.unusedForDays !== undefined)
  ) {
    ctx.addIssue({
      code: "custom",
      path: ["policyViolations"],
      message: "Give it alone.",
      input: input.policyViolations,
    });
  }
}

/** `GET /admin/v1/orgs/{orgId}/api-keys` query: every value is a string, so `limit` is decimal digits. */
export const listKeysQuerySchema = z.lazySchema(() =>
  z
    .strictObject({
      ...listKeysFields(),
      limit: queryLimitSchema,
      unusedForDays: z.optional(
        z.pipe(
          z.pipe(z.string().check(z.regex(/^[0-9]+$/, UNUSED_DAYS_MESSAGE)), z.transform(Number)),
          unusedForDaysSchema,
        ),
      ),
      // An enum, not a literal: zod's literal type costs the key doors' bundles 2 KB (#319).
      policyViolations: z.optional(
        z.pipe(
          z.enum(["true"], POLICY_VIOLATIONS_MESSAGE),
          z.transform(() => true as const),
        ),
      ),
    })
    .check(z.superRefine(unusedImpliesActive)),
);
export type ListKeysQuery = z.infer<typeof listKeysQuerySchema>;

/** The same request as JSON (direct invocation): `limit` and `unusedForDays` are numbers. */
export const listKeysInputSchema = z.lazySchema(() =>
  z
    .strictObject({
      ...listKeysFields(),
      limit: z._default(pageLimitSchema, 25),
      unusedForDays: z.optional(unusedForDaysSchema),
      policyViolations: z.optional(
        z.withMeta(
          z.custom<true>((value) => value === true, POLICY_VIOLATIONS_MESSAGE),
          { override: { type: "boolean", const: true } },
        ),
      ),
    })
    .check(z.superRefine(unusedImpliesActive)),
);
export type ListKeysInput = z.infer<typeof listKeysInputSchema>;

/** `keyId` filter of the audit list: a key id's shape, or nothing can match. */
const keyIdFilterSchema = z.lazySchema(() =>
  z.withMeta(z.string().check(z.refine(isKeyId, "Must be a key id (key_ and 22 letters or digits).")), {
    pattern: KEY_ID_PATTERN.source,
  }),
);

const listAuditEventsFields = () => ({
  keyId: z.optional(keyIdFilterSchema),
  cursor: z.optional(z.string().check(z.minLength(1, "Must not be empty."))),
});

/** `GET /admin/v1/orgs/{orgId}/audit-events` query. */
export const listAuditEventsQuerySchema = z.lazySchema(() =>
  z.strictObject({
    ...listAuditEventsFields(),
    limit: queryLimitSchema,
  }),
);

/** The same request as JSON (direct invocation `listAuditEvents`). */
export const listAuditEventsInputSchema = z.lazySchema(() =>
  z.strictObject({
    ...listAuditEventsFields(),
    limit: z._default(pageLimitSchema, 25),
  }),
);
export type ListAuditEventsInput = z.infer<typeof listAuditEventsInputSchema>;
