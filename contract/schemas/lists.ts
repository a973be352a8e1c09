import * as z from "zod";

/** `?limit=` as lists take it (API.md §4, §6): an integer 1 to 100 written in decimal, default 25. */
export const limitSchema = z
  .string()
  .regex(/^[1-9][0-9]*$/, "Must be a whole number from 1 to 100.")
  .transform(Number)
  // The pattern already makes it a whole number from 1: said again for the document, which shows this
  // side. Past 100 nothing else is checked, so a huge number is one issue, as before.
  .pipe(z.number().max(100, { message: "Must be a whole number from 1 to 100.", abort: true }).int().min(1))
  .default(25);

export const listQuerySchema = z.strictObject({
  limit: limitSchema,
  cursor: z.string().min(1).optional(),
});

/** `GET /contacts`: a page, optionally of one account's contacts. */
export const listContactsQuerySchema = listQuerySchema.extend({ accountId: z.string().min(1).optional() });

/** A page of a list (API.md §6): the items and the cursor of the next page, null on the last. */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}
