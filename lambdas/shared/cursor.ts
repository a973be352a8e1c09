import { z } from "zod";
import { validationError } from "./errors";

/**
 * Opaque pagination cursors: base64url JSON naming the org they belong to and the position after
 * which the next page starts. A cursor that does not decode, has the wrong shape, or belongs to
 * another org is a 400 at `query.cursor`, never a 500 or another org's data.
 */
export function encodeCursor(orgId: string, position: Record<string, string>): string {
  return Buffer.from(JSON.stringify({ o: orgId, p: position }), "utf8").toString("base64url");
}

const cursorSchema = z.strictObject({ o: z.string(), p: z.record(z.string(), z.string()) });

const badCursor = () => validationError([{ path: "query.cursor", message: "The cursor is not valid here." }]);

export function decodeCursor<S extends z.ZodType<Record<string, string>>>(
  cursor: string,
  orgId: string,
  positionSchema: S,
): z.infer<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw badCursor();
  }
  const parsed = cursorSchema.safeParse(raw);
  if (!parsed.success || parsed.data.o !== orgId) throw badCursor();
  const position = positionSchema.safeParse(parsed.data.p);
  if (!position.success) throw badCursor();
  return position.data;
}
