import * as z from "../../../contract/zod";
import { invalidInput, problemAt } from "../outcome";

/**
 * Opaque pagination cursors: base64url JSON naming the org they belong to and the position after
 * which the next page starts. Decoding answers undefined for anything this org's list could not have
 * handed out (not base64url JSON, the wrong shape, another org's), so a caller turns it into a 400:
 * handed to DynamoDB it could fail with a 500 or, worse, start inside another org's items.
 */
export function encodeCursor(orgId: string, position: Record<string, string>): string {
  return Buffer.from(JSON.stringify({ o: orgId, p: position }), "utf8").toString("base64url");
}

const envelopeSchema = z.lazySchema(() => z.strictObject({ o: z.string(), p: z.unknown() }));

/** A cursor this list (or export) did not hand out for this org: invalid input at `cursor`. */
export const invalidCursor = (list = "list") =>
  invalidInput(problemAt("cursor", `The cursor is not valid for this ${list}.`));

export function decodeCursor<S extends z.ZodMiniType<Record<string, string>>>(
  cursor: string,
  orgId: string,
  positionSchema: S,
): z.infer<S> | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  const envelope = envelopeSchema.safeParse(raw);
  if (!envelope.success || envelope.data.o !== orgId) return undefined;
  const position = positionSchema.safeParse(envelope.data.p);
  return position.success ? position.data : undefined;
}

/** An id as `newId` makes it: a lower-case type prefix, `_`, 26 Crockford base32 characters. */
const ID_SHAPE = "[a-z]{2,8}_[0-9A-HJKMNP-TV-Z]{26}";

/**
 * Whether `sk` is the sort key of one of this list's items: exactly `prefix` (the list's, which may
 * hold a parent's id) then one id. Anything else (an over-long key, another kind's key, a key with
 * extra segments) could only come from a tampered cursor, and handed to DynamoDB as
 * `ExclusiveStartKey` it fails there (a 500) or starts outside the list.
 */
export function isListPosition(sk: string, prefix: string): boolean {
  return sk.startsWith(prefix) && new RegExp(`^${ID_SHAPE}$`).test(sk.slice(prefix.length));
}
