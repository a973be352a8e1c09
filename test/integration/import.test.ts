import { describe, expect, it } from "vitest";
import { detailPaths, expectError, keyOf, listAll, newAccount, storedInteractions } from "./business";
import { ManualClock, useTarget, withKey } from "./harness";
import { org, remote } from "./target";

const T0 = Date.UTC(2026, 5, 1, 7, 0, 0);
const clock = new ManualClock(T0);
// What an import writes is checked here, not how fast: a busy machine may take longer than API
// Gateway's 29 s over 1000 rows of the embedded DynamoDB (the bench times it: DECISIONS.md #161).
const target = useTarget({ clock: clock.now, functionDeadlineMs: 110_000 });

const importJson = (key: string, body: unknown) =>
  withKey(target, key, "/api/v1/import/accounts", { method: "POST", body });
const importCsv = (key: string, csv: string, contentType = "text/csv") =>
  withKey(target, key, "/api/v1/import/accounts", {
    method: "POST",
    rawBody: csv,
    headers: [["Content-Type", contentType]],
  });

const byRef = async (key: string) =>
  new Map((await listAll(target, key, "/api/v1/accounts")).map((account) => [account.externalRef, account]));

describe("POST /api/v1/import/accounts with JSON", () => {
  it("creates, updates by externalRef, names the bad rows and keeps the good ones", async () => {
    const orgId = org("imp-json");
    const key = await keyOf(target, orgId);
    const existing = await newAccount(target, key, {
      name: "Old name",
      currency: "EUR",
      externalRef: "crm-1",
    });
    const euro = await newAccount(target, key, {
      name: "Euro",
      currency: "EUR",
      externalRef: "crm-eur",
      balance: 5,
    });
    clock.advance(1_000);

    const reply = await importJson(key, {
      accounts: [
        { name: "New name", currency: "EUR", externalRef: "crm-1", balance: 999 },
        { name: "Fresh", currency: "GBP", externalRef: "crm-2", balance: 1200 },
        { name: "No ref", currency: "USD" },
        { name: "Bad", currency: "eur", colour: "red" },
        { name: "Dollar now", currency: "USD", externalRef: "crm-eur" },
        "not an object",
        { name: "Fresh again", currency: "GBP", externalRef: "crm-2" },
      ],
    });

    expect(reply.status).toBe(200);
    expect(reply.json.summary).toEqual({ received: 7, created: 2, updated: 2, failed: 3 });
    const results = reply.json.results;
    expect(results[0]).toEqual({ index: 0, status: "updated", id: existing.id });
    expect(results[1]).toEqual({ index: 1, status: "created", id: expect.stringMatching(/^acc_/) });
    expect(results[2]).toEqual({ index: 2, status: "created", id: expect.stringMatching(/^acc_/) });
    expect(results[3]).toEqual({
      index: 3,
      status: "failed",
      errors: [
        { path: "currency", message: expect.any(String) },
        { path: "colour", message: "Unknown field." },
      ],
    });
    expect(results[4]).toEqual({
      index: 4,
      status: "failed",
      id: euro.id,
      errors: [{ path: "currency", message: expect.stringContaining("EUR") }],
    });
    expect(results[5]).toEqual({
      index: 5,
      status: "failed",
      errors: [{ path: "row", message: expect.any(String) }],
    });
    expect(results[6]).toEqual({ index: 6, status: "updated", id: results[1].id });

    const accounts = await byRef(key);
    // The opening balance applies only to the row that creates; the later row of crm-2 wins the name.
    expect(accounts.get("crm-1")).toMatchObject({
      id: existing.id,
      name: "New name",
      balance: 0,
      currency: "EUR",
    });
    expect(accounts.get("crm-2")).toMatchObject({ name: "Fresh again", balance: 1200, currency: "GBP" });
    expect(accounts.get("crm-eur")).toEqual(euro);
    expect(accounts.get(null)).toMatchObject({ name: "No ref", currency: "USD" });
  });

  it.skipIf(remote)("records each written row's interaction and one org-level import.completed", async () => {
    const orgId = org("imp-events");
    const key = await keyOf(target, orgId);
    await newAccount(target, key, { name: "A", currency: "EUR", externalRef: "a" });
    const before = (await storedInteractions(target, orgId)).length;

    const reply = await importJson(key, {
      accounts: [
        { name: "A2", currency: "EUR", externalRef: "a" },
        { name: "B", currency: "EUR", externalRef: "b" },
        { name: "A2", currency: "EUR", externalRef: "a" },
        { name: "", currency: "EUR" },
      ],
    });

    const events = (await storedInteractions(target, orgId)).slice(before);
    const accounts = await byRef(key);
    expect(events.filter((event) => event.type !== "import.completed")).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: "account.updated",
          accountId: accounts.get("a")?.id,
          data: accounts.get("a"),
        }),
        expect.objectContaining({
          type: "account.created",
          accountId: accounts.get("b")?.id,
          data: accounts.get("b"),
        }),
      ]),
    );
    // The third row changes nothing (same name): nothing written, nothing recorded, still "updated".
    expect(events).toHaveLength(3);
    expect(reply.json.results[2]).toEqual({ index: 2, status: "updated", id: accounts.get("a")?.id });
    expect(events.at(-1)).toEqual({
      id: expect.stringMatching(/^int_/),
      accountId: null,
      type: "import.completed",
      at: new Date(clock.now()).toISOString(),
      data: { received: 4, created: 1, updated: 2, failed: 1 },
    });
  });

  it("refuses 0 rows, 1001 rows and a body that is not {accounts: [...]} with 400, importing nothing", async () => {
    const key = await keyOf(target, org("imp-json-400"));
    const row = { name: "R", currency: "EUR" };

    expect(detailPaths(await importJson(key, { accounts: [] }))).toEqual(["accounts"]);
    expect(detailPaths(await importJson(key, { accounts: Array(1001).fill(row) }))).toEqual(["accounts"]);
    expect(detailPaths(await importJson(key, { accounts: row }))).toEqual(["accounts"]);
    expect(detailPaths(await importJson(key, { accounts: [row], dryRun: true }))).toEqual(["dryRun"]);
    expect(detailPaths(await importJson(key, [row]))).toEqual(["body"]);
    expect(
      detailPaths(
        await withKey(target, key, "/api/v1/import/accounts", {
          method: "POST",
          rawBody: "{",
          headers: [["Content-Type", "application/json"]],
        }),
      ),
    ).toEqual(["body"]);
    expect(detailPaths(await withKey(target, key, "/api/v1/import/accounts", { method: "POST" }))).toEqual([
      "body",
    ]);
    expect(await listAll(target, key, "/api/v1/accounts")).toEqual([]);
  });

  it("imports 1000 rows in one request, and lists them in row order", async () => {
    const key = await keyOf(target, org("imp-1000"));
    const rows = Array.from({ length: 1000 }, (_, index) => ({
      name: `Account ${index}`,
      currency: "EUR",
      externalRef: `bulk-${index}`,
      balance: index,
    }));

    const created = await importJson(key, { accounts: rows });

    expect(created.json.summary).toEqual({ received: 1000, created: 1000, updated: 0, failed: 0 });
    const listed = await listAll(target, key, "/api/v1/accounts");
    expect(listed.map((account) => account.externalRef)).toEqual(rows.map((row) => row.externalRef));
    expect(listed.map((account) => account.id)).toEqual(
      created.json.results.map((result: { id: string }) => result.id),
    );
    expect(
      listed.every((account, index) => account.name === `Account ${index}` && account.balance === index),
    ).toBe(true);
  }, 120_000);
});

describe("POST /api/v1/import/accounts with text/csv", () => {
  it("reads RFC 4180: a BOM, quoted commas, doubled quotes, line breaks in fields, CRLF, empty cells", async () => {
    const key = await keyOf(target, org("imp-csv"));
    const csv =
      "\uFEFFname,externalRef,currency,balance\r\n" +
      '"Smith, Jones & Co",sj-1,EUR,1500\r\n' +
      '"The ""Best"" Shop",,GBP,\r\n' +
      '"Line one\nLine two",multi,USD,-20\r\n' +
      "\r\n" +
      "Plain,plain-1,EUR,12.5\r\n";

    const reply = await importCsv(key, csv, "text/csv; charset=utf-8");

    expect(reply.status).toBe(200);
    expect(reply.json.summary).toEqual({ received: 4, created: 2, updated: 0, failed: 2 });
    // The quoted line break is read as part of one field of one row, which a name then refuses: a
    // control character (API.md §4, issue 19).
    expect(reply.json.results[2]).toEqual({
      index: 2,
      status: "failed",
      errors: [{ path: "name", message: expect.stringContaining("control characters") }],
    });
    expect(reply.json.results[3]).toEqual({
      index: 3,
      status: "failed",
      errors: [{ path: "balance", message: expect.any(String) }],
    });
    const accounts = await byRef(key);
    expect(accounts.get("sj-1")).toMatchObject({ name: "Smith, Jones & Co", currency: "EUR", balance: 1500 });
    expect(accounts.get(null)).toMatchObject({ name: 'The "Best" Shop', currency: "GBP", balance: 0 });
    expect(accounts.has("multi")).toBe(false);
  });

  it("takes columns in any order and upserts like JSON", async () => {
    const key = await keyOf(target, org("imp-csv-upsert"));
    const existing = await newAccount(target, key, { name: "Before", currency: "EUR", externalRef: "r-1" });

    const reply = await importCsv(key, "currency,externalRef,name\nEUR,r-1,After\nEUR,r-2,Second\n");

    expect(reply.json.results).toEqual([
      { index: 0, status: "updated", id: existing.id },
      { index: 1, status: "created", id: expect.any(String) },
    ]);
    expect((await byRef(key)).get("r-1")?.name).toBe("After");
  });

  it("refuses unknown or repeated columns, a header alone, 1001 rows and malformed CSV with 400", async () => {
    const key = await keyOf(target, org("imp-csv-400"));
    const rows = (count: number) => `name,currency\n${"Row,EUR\n".repeat(count)}`;

    expect(detailPaths(await importCsv(key, "name,currency,colour,Balance\nA,EUR,red,1\n"))).toEqual([
      "Balance",
      "colour",
    ]);
    expect(detailPaths(await importCsv(key, "name,currency,name\nA,EUR,B\n"))).toEqual(["name"]);
    expect(detailPaths(await importCsv(key, "name,currency\n"))).toEqual(["body"]);
    expect(detailPaths(await importCsv(key, ""))).toEqual(["body"]);
    expect(detailPaths(await importCsv(key, rows(1001)))).toEqual(["body"]);
    expect(detailPaths(await importCsv(key, 'name,currency\n"Unclosed,EUR\n'))).toEqual(["body"]);
    expect(detailPaths(await importCsv(key, "name,currency\nA,EUR,extra\n"))).toEqual(["body"]);
    expectError(await importCsv(key, rows(1), "text/plain"), 415, "unsupported_media_type");
    expect(await listAll(target, key, "/api/v1/accounts")).toEqual([]);

    // 1000 rows are taken (rows that fail their own checks, so that nothing is written: quick).
    const atLimit = await importCsv(key, `name,currency\n${"Row,XXX\n".repeat(1000)}`);
    expect(atLimit.json.summary).toEqual({ received: 1000, created: 0, updated: 0, failed: 1000 });
  });

  it("refuses a body over 1 MiB with 413", async () => {
    const key = await keyOf(target, org("imp-413"));
    const header = "name,currency\n";
    const filler = `"${"x".repeat(1024 * 1024)}",EUR\n`;

    expectError(await importCsv(key, header + filler), 413, "payload_too_large");
  });
});

describe("externalRef stays unique under concurrent imports and creates", () => {
  it("holds each ref on exactly one account when two imports and direct creates race", async () => {
    const key = await keyOf(target, org("imp-race"));
    const refs = Array.from({ length: 40 }, (_, index) => `race-${index}`);
    const rowsA = refs.map((ref) => ({ name: `A ${ref}`, currency: "EUR", externalRef: ref }));
    const rowsB = [...refs].reverse().map((ref) => ({ name: `B ${ref}`, currency: "EUR", externalRef: ref }));

    const [first, second, ...creates] = await Promise.all([
      importJson(key, { accounts: rowsA }),
      importJson(key, { accounts: rowsB }),
      ...refs.slice(0, 10).map((ref) =>
        withKey(target, key, "/api/v1/accounts", {
          method: "POST",
          body: { name: `C ${ref}`, currency: "EUR", externalRef: ref },
        }),
      ),
    ]);

    const accounts = await listAll(target, key, "/api/v1/accounts");
    expect(accounts.map((account) => account.externalRef).sort()).toEqual([...refs].sort());
    const createdDirectly = creates.filter((reply) => reply.status === 201).length;
    expect(creates.every((reply) => reply.status === 201 || reply.status === 409)).toBe(true);
    for (const reply of [first, second]) {
      expect(reply.status).toBe(200);
      expect(reply.json.summary.failed).toBe(0);
    }
    expect(first.json.summary.created + second.json.summary.created + createdDirectly).toBe(refs.length);
    // Every row's account is the one that holds its ref.
    const idOf = new Map(accounts.map((account) => [account.externalRef, account.id]));
    for (const [reply, rows] of [
      [first, rowsA],
      [second, rowsB],
    ] as const) {
      reply.json.results.forEach((result: { index: number; id: string }) => {
        expect(result.id).toBe(idOf.get(rows[result.index]?.externalRef ?? ""));
      });
    }
  });
});
