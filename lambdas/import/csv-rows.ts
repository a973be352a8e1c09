import { CsvError, parse } from "csv-parse/sync";
import { importRowSchema, MAX_IMPORT_ROWS } from "../../contract/schemas/import";
import { type FieldProblem, invalidInput, type Outcome, ok } from "../shared/outcome";

/** Columns whose cells are numbers in JSON: an integer-looking cell becomes a number. */
const NUMERIC_COLUMNS = new Set(["balance"]);

const WHY: Partial<Record<string, string>> = {
  CSV_QUOTE_NOT_CLOSED: "a quoted field is never closed",
  CSV_INVALID_CLOSING_QUOTE: "a closing quote is followed by something other than a delimiter",
  CSV_RECORD_INCONSISTENT_FIELDS_LENGTH: "the row has a different number of fields than the header",
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE:
    "a closing quote is followed by something other than a delimiter",
};

/** The CSV as a whole is wrong. */
const malformed = (message: string) => invalidInput({ path: [], message });

/**
 * The rows of an import sent as `text/csv` (RFC 4180, parsed by csv-parse): quoted fields may hold
 * commas, doubled quotes and line breaks; a UTF-8 byte order mark is dropped; empty lines are skipped.
 * The header row names the JSON fields; an unknown or repeated column refuses the whole request (a
 * typo must not silently drop a column): invalid input naming the CSV as a whole or the column. An
 * empty cell is an absent field; a `balance` cell that reads as a number is one. Each row comes back
 * as the object its JSON twin would be.
 */
export function csvRows(text: string): Outcome<Record<string, unknown>[]> {
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true });
  } catch (error) {
    if (error instanceof CsvError) {
      const line = typeof error.lines === "number" ? ` at line ${error.lines}` : "";
      return malformed(`The CSV is malformed${line}: ${WHY[error.code] ?? "it does not follow RFC 4180"}.`);
    }
    throw error;
  }
  const [header, ...rows] = records;
  if (!header) return malformed(`Send a header row and 1 to ${MAX_IMPORT_ROWS} rows.`);
  // Read from the row schema here, not at load, which would build it then (docs/DECISIONS.md #338).
  const columns = new Set(Object.keys(importRowSchema.shape));
  const problems: FieldProblem[] = [];
  header.forEach((column, index) => {
    // A column is named as written (`a.b` is one column); an unnamed one by its place in the header.
    if (!columns.has(column))
      problems.push({ path: [column || `header[${index}]`], message: "Unknown column." });
    else if (header.indexOf(column) !== index) problems.push({ path: [column], message: "Repeated column." });
  });
  if (problems.length > 0) return invalidInput(...problems);
  if (rows.length < 1 || rows.length > MAX_IMPORT_ROWS) {
    return malformed(`Send 1 to ${MAX_IMPORT_ROWS} rows after the header row; this CSV has ${rows.length}.`);
  }
  const parsed = rows.map((cells) => {
    const row: Record<string, unknown> = {};
    header.forEach((column, index) => {
      const cell = cells[index] ?? "";
      if (cell === "") return;
      row[column] = NUMERIC_COLUMNS.has(column) && /^-?\d+(\.\d+)?$/.test(cell.trim()) ? Number(cell) : cell;
    });
    return row;
  });
  return ok(parsed);
}
