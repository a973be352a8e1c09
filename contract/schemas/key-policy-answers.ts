import * as z from "zod";
import type { KeyPolicy } from "../api-types";
import { SCOPES } from "../scopes";
import type { Same } from "./same-type";

/**
 * The key policy's answer (API.md §12) as the document describes it: no function validates it, so
 * only the document imports this module (as `answers.ts`), held to the wire type of `api-types.ts`.
 */

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

/** The type check above, referenced so that the compiler keeps it. */
export const KEY_POLICY_ANSWER_CHECKS = [keyPolicyAnswerMatches];
