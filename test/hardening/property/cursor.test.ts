import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { decodeCursor, encodeCursor } from "../../../lambdas/shared/dynamo/cursor";

/** Property tests of the opaque pagination cursors (DECISIONS.md #15: bound to the org; junk is a 400). */
const orgId = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
const position = fc.dictionary(
  fc.string({ unit: "grapheme", maxLength: 30 }),
  fc.string({ unit: "grapheme" }),
  {
    maxKeys: 4,
  },
);
const anyPosition = z.record(z.string(), z.string());
/** The shape lists use: a sort key with the list's prefix. */
const accountPosition = z.strictObject({ sk: z.string().startsWith("ACCOUNT#") });

describe("cursors", () => {
  it("decode to the position they were made from, for the org they were made for", () => {
    fc.assert(
      fc.property(orgId, position, (org, at) => {
        expect(decodeCursor(encodeCursor(org, at), org, anyPosition)).toEqual(at);
      }),
    );
  });

  it("never decode for another org", () => {
    fc.assert(
      fc.property(orgId, orgId, position, (org, other, at) => {
        fc.pre(org !== other);
        expect(decodeCursor(encodeCursor(org, at), other, anyPosition)).toBeUndefined();
      }),
    );
  });

  it("never throw, whatever the text, and decode only what names the org and fits the list's shape", () => {
    const base64url = fc
      .string({
        unit: fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
      })
      .filter((text) => text.length > 0);
    const jsonCursor = fc
      .jsonValue()
      .map((value) => Buffer.from(JSON.stringify(value) ?? "null", "utf8").toString("base64url"));
    const tampered = fc
      .tuple(orgId, fc.jsonValue())
      .map(([org, p]) => Buffer.from(JSON.stringify({ o: org, p }), "utf8").toString("base64url"));
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: "binary" }), base64url, jsonCursor, tampered),
        orgId,
        (cursor, org) => {
          const decoded = decodeCursor(cursor, org, accountPosition);
          if (decoded === undefined) return;
          const raw = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
          expect(raw.o).toBe(org);
          expect(decoded.sk.startsWith("ACCOUNT#")).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("refuse a cursor of the right org whose position has another list's shape", () => {
    fc.assert(
      fc.property(orgId, fc.string(), (org, sk) => {
        fc.pre(!sk.startsWith("ACCOUNT#"));
        expect(decodeCursor(encodeCursor(org, { sk }), org, accountPosition)).toBeUndefined();
        expect(decodeCursor(encodeCursor(org, { sk: `ACCOUNT#${sk}` }), org, accountPosition)).toEqual({
          sk: `ACCOUNT#${sk}`,
        });
      }),
    );
  });
});
