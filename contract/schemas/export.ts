import * as z from "../zod";
import { type Account, accountSchema } from "./accounts";
import { type Interaction, interactionSchema } from "./interactions";

/** The export formats of API.md §6; `json` when `?format=` is absent. */
export const EXPORT_FORMATS = ["json", "ndjson", "csv"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

const formatSchema = z.lazySchema(() =>
  z._default(z.enum(EXPORT_FORMATS, { error: () => `Must be one of ${EXPORT_FORMATS.join(", ")}.` }), "json"),
);

const cursorSchema = z.lazySchema(() =>
  z.withMeta(z.string().check(z.minLength(1)), {
    description: "The next page's cursor, as the previous page's `Link` carries it.",
  }),
);

const SINCE_FORMAT =
  "Must be an ISO 8601 date-time with an offset, such as 2026-01-31T12:00:00Z (in a URL, write + as %2B).";
const isoDateTime = z.lazySchema(() => z.iso.datetime({ offset: true }));

/**
 * `?since=`: an instant, inclusive, to the millisecond the ids carry. A fraction finer than a
 * millisecond rounds up, so nothing before the instant is ever included.
 */
export const sinceSchema = z.lazySchema(() =>
  z.withMeta(
    z.pipe(
      z.string(),
      z.transform((value: string, ctx) => {
        const ms = isoDateTime.safeParse(value).success ? Date.parse(value) : Number.NaN;
        if (!Number.isFinite(ms)) {
          ctx.issues.push({ code: "custom", message: SINCE_FORMAT, input: value });
          return z.NEVER;
        }
        const fraction = /\.(\d+)/.exec(value)?.[1] ?? "";
        return /[1-9]/.test(fraction.slice(3)) ? ms + 1 : ms;
      }),
    ),
    { format: "date-time", description: "Only interactions at or after this instant (with an offset)." },
  ),
);

/** Query of `GET /api/v1/export/accounts`. */
export const exportAccountsQuerySchema = z.lazySchema(() =>
  z.strictObject({
    format: formatSchema,
    cursor: z.optional(cursorSchema),
  }),
);
export type ExportAccountsQuery = z.infer<typeof exportAccountsQuerySchema>;

/** Query of `GET /api/v1/export/interactions`. An unknown `accountId` exports nothing. */
export const exportInteractionsQuerySchema = z.lazySchema(() =>
  z.strictObject({
    format: formatSchema,
    cursor: z.optional(cursorSchema),
    since: z.optional(sinceSchema),
    accountId: z.withMeta(z.optional(z.string().check(z.minLength(1), z.maxLength(128))), {
      description: "Only this account's interactions.",
    }),
  }),
);
export type ExportInteractionsQuery = z.infer<typeof exportInteractionsQuerySchema>;

/**
 * The fields of each exported resource, in API.md §6's order (the order of the schemas): the CSV
 * header row and the key order of every JSON record. Read from the schemas when asked, so that loading
 * this module builds neither (docs/DECISIONS.md #338).
 */
export const accountFields = () => Object.keys(accountSchema.shape) as (keyof Account)[];
export const interactionFields = () => Object.keys(interactionSchema.shape) as (keyof Interaction)[];
