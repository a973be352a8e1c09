import * as z from "zod";
import type { KeyPolicy, KeyPolicyBody } from "../api-types";
import { SCOPES } from "../scopes";
import { scopeSchema } from "./keys";
import type { Same } from "./same-type";

/**
 * The key policy's schemas (API.md §12): the body `PUT …/key-policy` takes (every field required,
 * unknown fields refused) and the answer both routes give, held to the wire types of `api-types.ts`.
 */

/** Longest `maxLifetimeDays` and `rotateAfterDays`: ten years. */
export const POLICY_DAYS_MAX = 3650;
const DAYS_MESSAGE = `Must be null or a whole number of days from 1 to ${POLICY_DAYS_MAX}.`;

/** A number of days from 1 to 3650, or null; required (a missing field says so too). */
const policyDaysSchema = z
  .number(DAYS_MESSAGE)
  .int(DAYS_MESSAGE)
  .min(1, DAYS_MESSAGE)
  .max(POLICY_DAYS_MAX, DAYS_MESSAGE)
  .nullable();

/** Body of `PUT …/key-policy` and the direct action `putKeyPolicy`: the whole policy. */
export const keyPolicySchema = z.strictObject({
  maxLifetimeDays: policyDaysSchema,
  allowedScopes: z
    .array(scopeSchema, "Must be null (any scope) or a non-empty list of scopes.")
    .min(1, "Give at least one scope, or null for any scope.")
    .transform((scopes) => [...new Set(scopes)])
    .nullable(),
  requireAllowlist: z.boolean("Must be true or false."),
  rotateAfterDays: policyDaysSchema,
});
export type KeyPolicyInput = z.infer<typeof keyPolicySchema>;

const isoInstant = z.string().meta({ format: "date-time" });

/** The policy as the routes answer it: the rules, and who set them last and when (null: never set). */
export const keyPolicyAnswerSchema = z.object({
  maxLifetimeDays: z.number().int().nullable().meta({
    description: "A new key's `expiresAt` is at most this many days ahead; null: no maximum.",
  }),
  allowedScopes: z
    .array(z.enum(SCOPES))
    .nullable()
    .meta({ description: "The scopes a key may hold; null: any." }),
  requireAllowlist: z.boolean().meta({ description: "Every key must have `allowedIps`." }),
  rotateAfterDays: z.number().int().nullable().meta({
    description: "An active key this many days old raises `api_key.rotation_due` once; null: no reminders.",
  }),
  updatedAt: isoInstant.nullable(),
  updatedBy: z.string().nullable(),
});

const keyPolicyAnswerMatches: Same<z.infer<typeof keyPolicyAnswerSchema>, KeyPolicy> = true;
const keyPolicyBodyMatches: Same<z.output<typeof keyPolicySchema>, KeyPolicyBody> = true;

/** The type checks above, referenced so that the compiler keeps them. */
export const KEY_POLICY_CHECKS = [keyPolicyAnswerMatches, keyPolicyBodyMatches];
