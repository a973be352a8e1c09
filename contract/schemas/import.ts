import * as z from "../zod";
import { createAccountSchema } from "./accounts";

/** Rows one import takes at most (API.md §6). */
export const MAX_IMPORT_ROWS = 1000;

/**
 * One row: the fields of `POST /accounts`. A row with an `externalRef` the org already uses updates
 * that account's name (its currency must be the same; `balance` is an opening balance and applies
 * only when the row creates the account). A row without one always creates.
 */
export const importRowSchema = createAccountSchema;
export type ImportRow = z.infer<typeof importRowSchema>;

const rowCountMessage = `Send 1 to ${MAX_IMPORT_ROWS} accounts per import.`;

/**
 * The JSON body as documented: `{accounts: [...]}`. The handler checks the envelope with
 * {@link importEnvelopeSchema} and each row on its own, so one bad row does not refuse the others.
 */
export const importAccountsSchema = z.lazySchema(() =>
  z.strictObject({
    accounts: z
      .array(importRowSchema)
      .check(z.minLength(1, rowCountMessage), z.maxLength(MAX_IMPORT_ROWS, rowCountMessage)),
  }),
);

/** The JSON body's envelope, rows unchecked. */
export const importEnvelopeSchema = z.lazySchema(() =>
  z.strictObject({
    accounts: z
      .array(z.unknown())
      .check(z.minLength(1, rowCountMessage), z.maxLength(MAX_IMPORT_ROWS, rowCountMessage)),
  }),
);

const problemSchema = z.lazySchema(() => z.object({ path: z.string(), message: z.string() }));

export const importRowResultSchema = z.lazySchema(() =>
  z.object({
    /** The row's position in the request, from 0 (CSV: the first row after the header is 0). */
    index: z.number().check(z.int(), z.minimum(0)),
    status: z.enum(["created", "updated", "failed"]),
    /** The account created or updated. */
    id: z.optional(z.string()),
    /** Why the row failed, paths relative to the row (`currency`, or `row` for the row as a whole). */
    errors: z.optional(z.array(problemSchema)),
  }),
);
export type ImportRowResult = z.infer<typeof importRowResultSchema>;

export const importSummarySchema = z.lazySchema(() =>
  z.object({
    received: z.number().check(z.int(), z.minimum(0)),
    created: z.number().check(z.int(), z.minimum(0)),
    updated: z.number().check(z.int(), z.minimum(0)),
    failed: z.number().check(z.int(), z.minimum(0)),
  }),
);
export type ImportSummary = z.infer<typeof importSummarySchema>;

/** The 200 answer of `POST /import/accounts`, whether or not every row was kept. */
export const importResultSchema = z.lazySchema(() =>
  z.object({
    summary: importSummarySchema,
    results: z.array(importRowResultSchema),
  }),
);
export type ImportResult = z.infer<typeof importResultSchema>;
