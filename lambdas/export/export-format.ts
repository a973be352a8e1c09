import type { ExportFormat } from "../../contract/schemas/export";

/** Media types of the export formats (API.md §6). */
export const CONTENT_TYPES: Record<ExportFormat, string> = {
  json: "application/json",
  ndjson: "application/x-ndjson",
  csv: "text/csv; charset=utf-8; header=present",
};

/**
 * A cell starting with one of these is read as a formula by Excel, LibreOffice and Google Sheets
 * (OWASP "CSV injection"): `=`, `+`, `-`, `@`, tab and carriage return.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV cell (RFC 4180): null is empty; numbers as written; objects as JSON text. Text that would
 * start a formula gets a leading `'`, which spreadsheets show as text and do not evaluate; numbers
 * are left alone (a negative balance is a number, not a formula). A cell holding a comma, a quote,
 * CR or LF is quoted, with its quotes doubled.
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  let text: string;
  if (typeof value === "number" || typeof value === "boolean") text = String(value);
  else {
    text = typeof value === "string" ? value : JSON.stringify(value);
    if (FORMULA_START.test(text)) text = `'${text}`;
  }
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One CSV record, CRLF-terminated as RFC 4180 writes it. */
export function csvLine(values: readonly unknown[]): string {
  return `${values.map(csvCell).join(",")}\r\n`;
}

/** The record as exported: exactly the resource's fields, in their documented order, absent ones null. */
export function project(item: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(fields.map((field) => [field, item[field] ?? null]));
}

/**
 * Serialises one page record by record, so the caller can stop at a size budget: `row` gives a
 * record's text, `wrap` the whole body around the rows kept.
 */
export interface PageWriter {
  row(record: Record<string, unknown>): string;
  wrap(rows: readonly string[]): string;
}

export function pageWriter(format: ExportFormat, fields: readonly string[]): PageWriter {
  switch (format) {
    case "json":
      return {
        row: (record) => JSON.stringify(project(record, fields)),
        wrap: (rows) => `[${rows.join(",")}]`,
      };
    case "ndjson":
      return {
        row: (record) => `${JSON.stringify(project(record, fields))}\n`,
        wrap: (rows) => rows.join(""),
      };
    case "csv":
      return {
        row: (record) => csvLine(fields.map((field) => record[field])),
        wrap: (rows) => csvLine(fields) + rows.join(""),
      };
  }
}
