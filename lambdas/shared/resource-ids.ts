import { notFound } from "./http/errors";
import { pathParameter } from "./http/validation";

/** Ids as `newId` makes them: a type prefix, `_`, then 26 Crockford base32 characters. */
const ID_BODY = "[0-9A-HJKMNP-TV-Z]{26}";

export const ID_PREFIX = { account: "acc", contact: "con", payment: "pay" } as const;

/** Whether `value` could be an id of this kind at all (anything else is unknown without a read). */
export function isResourceId(value: string, prefix: string): boolean {
  return new RegExp(`^${prefix}_${ID_BODY}$`).test(value);
}

/**
 * A resource id from the path. One that no resource could have (wrong prefix, wrong length, a 2 KB
 * string) is a 404 at once: it never reaches DynamoDB, whose key limits would turn it into a 500.
 */
export function idParameter(
  event: { pathParameters?: Record<string, string | undefined> | null },
  name: string,
  prefix: string,
  what: string,
): string {
  const value = pathParameter(event, name);
  if (!isResourceId(value, prefix)) throw notFound(what);
  return value;
}
