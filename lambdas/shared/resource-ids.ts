/** Ids as `newId` makes them: a type prefix, `_`, then 26 Crockford base32 characters. */
const ID_BODY = "[0-9A-HJKMNP-TV-Z]{26}";

export const ID_PREFIX = { account: "acc", contact: "con", payment: "pay" } as const;

/** Whether `value` could be an id of this kind at all (anything else is unknown without a read). */
export function isResourceId(value: string, prefix: string): boolean {
  return new RegExp(`^${prefix}_${ID_BODY}$`).test(value);
}
