import * as z from "../zod";

/** `?limit=` as lists take it (API.md §4, §6): an integer 1 to 100 written in decimal, default 25. */
export const limitSchema = z.lazySchema(() =>
  z._default(
    z.pipe(
      z.pipe(
        z.string().check(z.regex(/^[1-9][0-9]*$/, "Must be a whole number from 1 to 100.")),
        z.transform(Number),
      ),
      // The pattern already makes it a whole number from 1: said again for the document, which shows
      // this side. Past 100 nothing else is checked, so a huge number is one issue, as before.
      z
        .number()
        .check(
          z.maximum(100, { message: "Must be a whole number from 1 to 100.", abort: true }),
          z.int(),
          z.minimum(1),
        ),
    ),
    25,
  ),
);

export const listQuerySchema = z.lazySchema(() =>
  z.strictObject({
    limit: limitSchema,
    cursor: z.optional(z.string().check(z.minLength(1))),
  }),
);

/** `GET /contacts`: a page, optionally of one account's contacts. */
export const listContactsQuerySchema = z.lazySchema(() =>
  z.extend(listQuerySchema, {
    accountId: z.optional(z.string().check(z.minLength(1))),
  }),
);

/** A page of a list (API.md §6): the items and the cursor of the next page, null on the last. */
export function pageSchema<T extends z.ZodMiniType>(item: T) {
  return z.lazySchema(() => z.object({ items: z.array(item), nextCursor: z.nullable(z.string()) }));
}
