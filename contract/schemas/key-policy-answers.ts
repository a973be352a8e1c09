import type { KeyPolicy } from "../api-types";
import { SCOPES } from "../scopes";
import * as z from "../zod";
import type { Same } from "./same-type";

/**
 * The key policy's answer (API.md §12) as the document describes it: no function validates it, so
 * only the document imports this module (as `answers.ts`), held to the wire type of `api-types.ts`.
 */

const isoInstant = z.lazySchema(() => z.withMeta(z.string(), { format: "date-time" }));

/** The policy as the routes answer it: the rules, and who set them last and when (null: never set). */
export const keyPolicyAnswerSchema = z.lazySchema(() =>
  z.object({
    maxLifetimeDays: z.withMeta(z.nullable(z.number().check(z.int())), {
      description: "A new key's `expiresAt` is at most this many days ahead; null: no maximum.",
    }),
    allowedScopes: z.withMeta(z.nullable(z.array(z.enum(SCOPES))), {
      description: "The scopes a key may hold; null: any.",
    }),
    requireAllowlist: z.withMeta(z.boolean(), { description: "Every key must have `allowedIps`." }),
    rotateAfterDays: z.withMeta(z.nullable(z.number().check(z.int())), {
      description: "An active key this many days old raises `api_key.rotation_due` once; null: no reminders.",
    }),
    updatedAt: z.nullable(isoInstant),
    updatedBy: z.nullable(z.string()),
  }),
);

const keyPolicyAnswerMatches: Same<z.infer<typeof keyPolicyAnswerSchema>, KeyPolicy> = true;

/** The type check above, referenced so that the compiler keeps it. */
export const KEY_POLICY_ANSWER_CHECKS = [keyPolicyAnswerMatches];
