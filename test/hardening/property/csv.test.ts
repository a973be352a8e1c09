import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { csvRows } from "../../../lambdas/import/csv-rows";

/**
 * Property tests of the import's CSV reading (RFC 4180): rows written with RFC 4180's quoting come
 * back as the objects they were made from; no text makes it throw anything but a 400.
 */
const COLUMNS = ["name", "externalRef", "currency", "balance"] as const;
type Row = Partial<Record<(typeof COLUMNS)[number], string | number>>;

/** Text cells: anything, commas, quotes, CR, LF, spaces, non-ASCII and astral characters included. */
const cellText = fc.oneof(
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 }),
  fc.string({
    unit: fc.constantFrom(",", '"', "\r", "\n", " ", "a", "é", "😀", "\t", "'", "="),
    minLength: 1,
  }),
);

const row: fc.Arbitrary<Row> = fc.record(
  {
    name: cellText,
    externalRef: cellText,
    currency: cellText,
    balance: fc.oneof(fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }), fc.constant(0)),
  },
  { requiredKeys: ["name"] },
);

/** RFC 4180: a field is quoted when it must be (comma, quote, CR, LF) or when the writer likes; quotes doubled. */
function field(value: string | number | undefined, quoteAnyway: boolean): string {
  if (value === undefined) return "";
  const text = String(value);
  return quoteAnyway || /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function writeCsv(columns: readonly string[], rows: Row[], quoteAll: boolean, lineEnd: string, bom: boolean) {
  const lines = [
    columns.join(","),
    ...rows.map((r) => columns.map((column) => field(r[column as keyof Row], quoteAll)).join(",")),
  ];
  return `${bom ? "\uFEFF" : ""}${lines.join(lineEnd)}${lineEnd}`;
}

describe("csvRows", () => {
  it("reads back every row written with RFC 4180 quoting, in any column order", () => {
    fc.assert(
      fc.property(
        fc.array(row, { minLength: 1, maxLength: 20 }),
        fc.shuffledSubarray([...COLUMNS], { minLength: 4, maxLength: 4 }),
        fc.boolean(),
        fc.constantFrom("\r\n", "\n"),
        fc.boolean(),
        (rows, columns, quoteAll, lineEnd, bom) => {
          // A row must not be one empty cell alone: that is an empty line, which RFC 4180 readers skip.
          fc.pre(rows.every((r) => Object.values(r).some((value) => value !== undefined && value !== "")));
          const text = writeCsv(columns, rows, quoteAll, lineEnd, bom);
          expect(csvRows(text)).toEqual({ ok: true, value: rows });
        },
      ),
      { numRuns: 500 },
    );
  });

  it("reads a numeric balance cell as the number and any other cell as its text", () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }), (balance) => {
        expect(csvRows(`name,balance\r\nA,${balance}\r\nB,"${balance}x"\r\n`)).toEqual({
          ok: true,
          value: [
            { name: "A", balance },
            { name: "B", balance: `${balance}x` },
          ],
        });
      }),
    );
  });

  it("never throws: rows, or invalid input (a 400 at the edge), whatever the text", () => {
    const csvish = fc
      .array(
        fc.oneof(
          fc.constantFrom(
            "name",
            "currency",
            "balance",
            "externalRef",
            "__proto__",
            "constructor",
            ",",
            '"',
            "\r\n",
            "\n",
            "\r",
          ),
          fc.string({ unit: "grapheme", maxLength: 8 }),
        ),
        { maxLength: 40 },
      )
      .map((parts) => parts.join(""));
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary" }), csvish), (text) => {
        const rows = csvRows(text);
        if (!rows.ok) {
          expect(rows.failure.kind).toBe("invalid_input");
          return;
        }
        expect(rows.value.length).toBeGreaterThanOrEqual(1);
        for (const parsed of rows.value) expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
      }),
      { numRuns: 2000 },
    );
  });
});
