import { describe, expect, it } from "vitest";
import { csvRows } from "../../../../lambdas/import/csv-rows";
import { canonicalJson } from "../../../../lambdas/shared/http/idempotency";
import { newId } from "../../../../lambdas/shared/ids";

const T = Date.UTC(2026, 0, 1);

describe("newId", () => {
  it("keeps ids made in one millisecond in the order they were made", () => {
    const ids = Array.from({ length: 500 }, () => newId("acc", T));

    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(500);
  });

  it("starts from fresh random bits in a new millisecond, and takes given bits as they are", () => {
    const earlier = newId("acc", T + 5);
    const later = newId("acc", T + 6);

    expect(later > earlier).toBe(true);
    expect(newId("int", T, new Uint8Array(10))).toBe(`int_${newId("x", T, new Uint8Array(10)).slice(2)}`);
  });
});

describe("canonicalJson", () => {
  it("is equal for JSON-equal values whatever the key order, and differs otherwise", () => {
    expect(canonicalJson({ b: 1, a: [{ y: 2, x: null }] })).toBe(
      canonicalJson({ a: [{ x: null, y: 2 }], b: 1 }),
    );
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: "1" }));
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
  });
});

describe("csvRows", () => {
  it("turns rows into the objects their JSON twins would be", () => {
    expect(csvRows('\uFEFFname,balance,externalRef\n"A, ""B""",-12,\nC,1.5,r\nD, 7 ,x\n')).toEqual({
      ok: true,
      value: [
        { name: 'A, "B"', balance: -12 },
        { name: "C", balance: 1.5, externalRef: "r" },
        { name: "D", balance: 7, externalRef: "x" },
      ],
    });
  });

  it("keeps a balance that is not a number as text, for the row check to name", () => {
    expect(csvRows("name,balance\nA,ten\n")).toEqual({ ok: true, value: [{ name: "A", balance: "ten" }] });
  });

  it.each([
    ["an unknown column", "name,colour\nA,red\n"],
    ["no rows", "name\n"],
    ["a ragged row", "name,currency\nA\n"],
  ])("refuses %s as invalid input (a 400 at the edge)", (_name, csv) => {
    expect(csvRows(csv)).toMatchObject({ ok: false, failure: { kind: "invalid_input" } });
  });

  it("names an unknown or repeated column, or the CSV as a whole", () => {
    expect(csvRows("name,colour,,name\nA,red,x,B\n")).toEqual({
      ok: false,
      failure: {
        kind: "invalid_input",
        problems: [
          { path: ["colour"], message: "Unknown column." },
          { path: ["header[2]"], message: "Unknown column." },
          { path: ["name"], message: "Repeated column." },
        ],
      },
    });
    expect(csvRows("name\n")).toMatchObject({ failure: { problems: [{ path: [] }] } });
  });
});
