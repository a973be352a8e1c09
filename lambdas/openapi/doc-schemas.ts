import type { KeyOperationAnswers } from "../../contract/api-types";
import { ERROR_STATUS, type ErrorEnvelope } from "../../contract/error-codes";
import type { Same } from "../../contract/schemas/same-type";
import * as z from "../../contract/zod";
import type { createKey } from "../key-management/create-key";
import type { getKey } from "../key-management/get-key";
import type { getKeyUsage } from "../key-management/key-usage";
import type { listAuditEvents } from "../key-management/list-audit-events";
import type { listKeys } from "../key-management/list-keys";
import type { OPERATIONS } from "../key-management/operations";
import type { revokeKey } from "../key-management/revoke-key";
import type { rotateKey } from "../key-management/rotate-key";
import type { updateKey } from "../key-management/update-key";

/**
 * The error envelope's zod schema, for the document only, held to the contract's type; and the checks
 * that each key-management verb answers what the contract's map of answers says (the answers' own
 * schemas are `contract/schemas/answers.ts`, held to the same types). If either ever differs,
 * `tsc` fails on a `Same` check below.
 */

const ERROR_CODES = Object.keys(ERROR_STATUS) as (keyof typeof ERROR_STATUS)[];

/** The one error envelope of API.md §4. */
export const errorEnvelopeSchema = z.object({
  error: z.object({
    code: z.enum(ERROR_CODES),
    message: z.withMeta(z.string(), { description: "A human sentence; never a secret." }),
    requestId: z.withMeta(z.string(), {
      description:
        "The request's id: the `X-Request-Id` header of the API's functions' answers, the " +
        "`x-amzn-RequestId` header of API Gateway's own (a 401, a signature's 403, throttling's 429).",
    }),
    details: z.withMeta(
      z.array(
        z.object({
          path: z.withMeta(z.string(), {
            description: "`body`, a field (`rateLimit.limit`, `scopes[0]`) or `query.<name>`.",
          }),
          message: z.string(),
        }),
      ),
      { description: "One entry per problem of a validation_error; empty otherwise." },
    ),
  }),
});
const errorEnvelopeMatches: Same<z.infer<typeof errorEnvelopeSchema>, ErrorEnvelope> = true;

/** What a key-management verb answers when it succeeds (the operation of the same name answers it). */
type VerbAnswer<F extends (...args: never[]) => Promise<{ ok: boolean }>> = Extract<
  Awaited<ReturnType<F>>,
  { ok: true; value: unknown }
>["value"];

/** Every operation has its answer in the contract's map, and each verb answers what the map says. */
const operationAnswersMatch: [
  Same<keyof typeof OPERATIONS, keyof KeyOperationAnswers>,
  Same<VerbAnswer<typeof createKey>, KeyOperationAnswers["createKey"]>,
  Same<VerbAnswer<typeof listKeys>, KeyOperationAnswers["listKeys"]>,
  Same<VerbAnswer<typeof getKey>, KeyOperationAnswers["getKey"]>,
  Same<VerbAnswer<typeof revokeKey>, KeyOperationAnswers["revokeKey"]>,
  Same<VerbAnswer<typeof updateKey>, KeyOperationAnswers["updateKey"]>,
  Same<VerbAnswer<typeof rotateKey>, KeyOperationAnswers["rotateKey"]>,
  Same<VerbAnswer<typeof getKeyUsage>, KeyOperationAnswers["getKeyUsage"]>,
  Same<VerbAnswer<typeof listAuditEvents>, KeyOperationAnswers["listAuditEvents"]>,
] = [true, true, true, true, true, true, true, true, true];

/** The type checks above, referenced so that the compiler keeps them. */
export const DOC_SCHEMA_CHECKS = [errorEnvelopeMatches, operationAnswersMatch];
