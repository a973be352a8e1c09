import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import {
  accountFields,
  exportInteractionsQuerySchema,
  interactionFields,
} from "../../../../contract/schemas/export";
import { csvCell, csvLine, pageWriter } from "../../../../lambdas/export/export-format";
import { interactionKeyAt } from "../../../../lambdas/export/export-page";
import { prefixEnd } from "../../../../lambdas/export/export-store";
import { nextLink } from "../../../../lambdas/shared/http/links";
import { newId } from "../../../../lambdas/shared/ids";

describe("CSV cells (RFC 4180, formula-safe)", () => {
  it.each([
    ["plain", "plain"],
    ["", ""],
    [null, ""],
    [0, "0"],
    [-1250, "-1250"],
    ["a,b", '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ["two\nlines", '"two\nlines"'],
    ["cr\rlf", '"cr\rlf"'],
    ["=SUM(A1:A9)", "'=SUM(A1:A9)"],
    ["+1", "'+1"],
    ["-1", "'-1"],
    ["@cmd", "'@cmd"],
    ["\tx", "'\tx"],
    ["\rx", '"\'\rx"'],
    ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
    [{ a: 1, b: "c,d" }, '"{""a"":1,""b"":""c,d""}"'],
  ])("writes %j as %s", (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  it("round-trips through an RFC 4180 parser, formula cells keeping their text after the quote", () => {
    const values = ['a "quoted", multi\r\nline', "=1+1", -5, null, { nested: ["x", 1] }];
    const [row] = parse(csvLine(values), { relax_column_count: false }) as string[][];
    expect(row).toEqual(['a "quoted", multi\r\nline', "'=1+1", "-5", "", '{"nested":["x",1]}']);
  });
});

describe("page writers", () => {
  const records = [
    { id: "int_1", type: "account.created", accountId: "acc_1", at: "2026-01-01T00:00:00.000Z", data: {} },
    { data: { x: 1 }, at: "2026-01-02T00:00:00.000Z", type: "import.completed", id: "int_2" },
  ];

  it("writes JSON arrays and ndjson lines with exactly the resource's fields in their order", () => {
    const json = pageWriter("json", interactionFields());
    const body = json.wrap(records.map(json.row));
    expect(Object.keys(JSON.parse(body)[1])).toEqual(["id", "accountId", "type", "at", "data"]);
    expect(JSON.parse(body)[1].accountId).toBeNull();
    expect(json.wrap([])).toBe("[]");

    const ndjson = pageWriter("ndjson", interactionFields());
    const lines = ndjson.wrap(records.map(ndjson.row)).split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe("");
    expect(JSON.parse(lines[0] ?? "")).toMatchObject({ id: "int_1" });
  });

  it("writes CSV with the header row of API.md §6 even when the page is empty", () => {
    expect(pageWriter("csv", accountFields()).wrap([])).toBe(
      "id,name,externalRef,currency,balance,status,createdAt,updatedAt\r\n",
    );
    const csv = pageWriter("csv", interactionFields());
    expect(csv.wrap(records.map(csv.row)).split("\r\n")[2]).toBe(
      'int_2,,import.completed,2026-01-02T00:00:00.000Z,"{""x"":1}"',
    );
  });
});

describe("since and the sort keys", () => {
  const parseSince = (since: string) => exportInteractionsQuerySchema.safeParse({ since });

  it("reads ISO date-times with an offset, to the millisecond, rounding finer fractions up", () => {
    expect(parseSince("2026-03-01T10:00:00Z").data?.since).toBe(Date.UTC(2026, 2, 1, 10));
    expect(parseSince("2026-03-01T12:00:00+02:00").data?.since).toBe(Date.UTC(2026, 2, 1, 10));
    expect(parseSince("2026-03-01T10:00:00.123Z").data?.since).toBe(Date.UTC(2026, 2, 1, 10) + 123);
    expect(parseSince("2026-03-01T10:00:00.1230Z").data?.since).toBe(Date.UTC(2026, 2, 1, 10) + 123);
    expect(parseSince("2026-03-01T10:00:00.1231Z").data?.since).toBe(Date.UTC(2026, 2, 1, 10) + 124);
  });

  it("refuses dates without a time or an offset, and nonsense", () => {
    for (const since of ["2026-03-01", "2026-03-01T10:00:00", "yesterday", "2026-13-01T00:00:00Z", ""]) {
      expect(parseSince(since).success, since).toBe(false);
    }
  });

  it("starts an instant's range below every id of that millisecond and above every earlier one", () => {
    const ms = Date.UTC(2026, 2, 1, 10);
    const key = interactionKeyAt(ms);
    const ids = (at: number, byte: number) =>
      `INTERACTION#${newId("int", at, new Uint8Array(10).fill(byte))}`;
    expect(key <= ids(ms, 0)).toBe(true);
    expect(key < ids(ms, 255)).toBe(true);
    expect(key > ids(ms - 1, 255)).toBe(true);
    expect(ids(ms + 1, 0) < prefixEnd("INTERACTION#")).toBe(true);
  });
});

describe("the Link to the next page", () => {
  it("keeps the query as given, replaces the cursor, and resolves against the URL called", () => {
    const link = nextLink(
      "/prod/api/v1/export/interactions",
      { format: "csv", since: "2026-03-01T12:00:00+02:00", cursor: "old" },
      "abc_-",
    );
    expect(link).toBe(
      '<TARGET?format=csv&since=2026-03-01T12%3A00%3A00%2B02%3A00&cursor=abc_->; rel="next"'.replace(
        "TARGET",
        "/prod/api/v1/export/interactions",
      ),
    );
    const target = /^<(.*)>/.exec(link)?.[1] ?? "";
    const resolved = new URL(target, "https://api.example.com/prod/api/v1/export/interactions/?format=csv");
    expect(resolved.pathname).toBe("/prod/api/v1/export/interactions");
    expect(resolved.searchParams.get("since")).toBe("2026-03-01T12:00:00+02:00");
    expect(resolved.searchParams.get("cursor")).toBe("abc_-");
  });
});
