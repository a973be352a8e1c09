import * as z from "../zod";

/**
 * An instant as the API answers it: ISO 8601 in UTC (`2026-01-31T12:00:00.000Z`). The format is
 * stated for the document and the generated clients; nothing parses an answer with it.
 */
export const dateTimeSchema = z.lazySchema(() => z.withMeta(z.string(), { format: "date-time" }));
