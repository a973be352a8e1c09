import * as z from "../zod";

/**
 * Leaked-key reports in GitHub's secret scanning partner format (API.md §8), and the answer in its
 * false-positive feedback format: `token_hash` (SHA-256 hex of the token), never `token_raw`.
 */

/** The most matches one report may carry; a bigger one is a 400. */
export const MAX_REPORTED_TOKENS = 1000;

/**
 * One match. GitHub may add fields, and a report that failed on a new field would leave leaked keys
 * live, so unknown fields are ignored here (unlike in the admin API). `url` may be empty, and older
 * reports have no `source`.
 */
const reportedTokenSchema = z.lazySchema(() =>
  z.looseObject({
    token: z.string().check(z.minLength(1, "Must not be empty.")),
    type: z.string(),
    url: z._default(z.string(), ""),
    source: z._default(z.string(), ""),
  }),
);
export type ReportedToken = z.infer<typeof reportedTokenSchema>;

export const leakReportSchema = z.lazySchema(() =>
  z
    .array(reportedTokenSchema, "The report must be a JSON array of matches.")
    .check(z.maxLength(MAX_REPORTED_TOKENS, `A report may carry at most ${MAX_REPORTED_TOKENS} matches.`)),
);

export type Label = "true_positive" | "false_positive";

/** One label of a report's answer, in GitHub's feedback format (its schema: `answers.ts`). */
export interface TokenLabel {
  token_hash: string;
  token_type: string;
  label: Label;
}
