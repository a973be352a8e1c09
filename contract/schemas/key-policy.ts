import type { KeyPolicyBody } from "../api-types";
import type { Scope } from "../scopes";
import * as z from "../zod";
import { scopeSchema } from "./keys";
import type { Same } from "./same-type";

/**
 * The key policy's body (API.md §12), as `PUT …/key-policy` takes it: every field required, unknown
 * fields refused, held to the wire type of `api-types.ts`. The answer's schema is the document's
 * (`key-policy-answers.ts`), kept out of the doors' bundles.
 */

/** Longest `maxLifetimeDays` and `rotateAfterDays`: ten years. */
export const POLICY_DAYS_MAX = 3650;
const DAYS_MESSAGE = `Must be null or a whole number from 1 to ${POLICY_DAYS_MAX}.`;

/** A number of days from 1 to 3650, or null; required (a missing field says so too). */
const policyDaysSchema = z.lazySchema(() =>
  z.nullable(
    z
      .number(DAYS_MESSAGE)
      .check(z.int(DAYS_MESSAGE), z.minimum(1, DAYS_MESSAGE), z.maximum(POLICY_DAYS_MAX, DAYS_MESSAGE)),
  ),
);

const SCOPES_MESSAGE = "Must be null or a non-empty list of scopes.";

/** Body of `PUT …/key-policy` and the direct action `putKeyPolicy`: the whole policy. */
export const keyPolicySchema = z.lazySchema(() =>
  z.strictObject({
    maxLifetimeDays: policyDaysSchema,
    allowedScopes: z.nullable(
      z.pipe(
        z.array(scopeSchema, SCOPES_MESSAGE).check(z.minLength(1, SCOPES_MESSAGE)),
        z.transform((scopes: Scope[]) => [...new Set(scopes)]),
      ),
    ),
    // A custom check, not z.boolean(): no key door held that schema type, and its code is ~0.5 KB (#319).
    requireAllowlist: z.withMeta(
      z.custom<boolean>((value) => typeof value === "boolean", "Must be true or false."),
      { override: { type: "boolean" } },
    ),
    rotateAfterDays: policyDaysSchema,
  }),
);
export type KeyPolicyInput = z.infer<typeof keyPolicySchema>;

const keyPolicyBodyMatches: Same<z.output<typeof keyPolicySchema>, KeyPolicyBody> = true;

/** The type checks above, referenced so that the compiler keeps them. */
export const KEY_POLICY_CHECKS = [keyPolicyBodyMatches];
