import { beforeAll, describe, expect, it } from "vitest";
import type { Account } from "../../contract/schemas/accounts";
import type { Interaction } from "../../contract/schemas/interactions";
import { SCOPES } from "../../contract/scopes";
import { newId } from "../../lambdas/shared/ids";
import {
  ACCOUNT_HEADER,
  CONTENT_TYPE,
  INTERACTION_HEADER,
  interaction,
  recordsOf,
  T0,
  useExport,
} from "./export";
import { createKey, withKey } from "./harness";
import { seedItems } from "./seed";
import { localOf, org, remote } from "./target";

/**
 * What each export answers (API.md's export routes): the org's accounts and interactions, oldest
 * first, as JSON, ndjson or CSV (formulas neutralised); `?since=` and `?accountId=`; never another
 * org's records; 400 for a bad query, 403 to a key without the `export` scope. Paging is in
 * export-pages.test.ts.
 */
const { clock, target, exportKey } = useExport();
describe("GET /api/v1/export/accounts", () => {
  const ORG = org("export-small");
  let key: string;
  const created: Account[] = [];

  beforeAll(async () => {
    key = await exportKey(ORG);
    const writer = (await createKey(target, ORG, { scopes: ["accounts:write"] })).key;
    const inputs = [
      { name: "Globex, Inc.", currency: "EUR", externalRef: "G-1" },
      { name: '=HYPERLINK("http://evil.example","click")', currency: "USD", balance: -1250 },
      { name: "+31 Trading", currency: "EUR" },
      // No line break: a name refuses control characters (API.md §4); the CSV writer's quoting of
      // line breaks is unit-tested (export-format.test.ts).
      { name: 'Quote "Q", and comma', currency: "GBP", externalRef: "@ref" },
    ];
    for (const input of inputs) {
      clock.advance(1);
      const reply = await withKey(target, writer, "/api/v1/accounts", { method: "POST", body: input });
      expect(reply.status, reply.text).toBe(201);
      created.push(reply.json);
    }
  });

  it("exports the org's accounts oldest first as one JSON array by default", async () => {
    const reply = await withKey(target, key, "/api/v1/export/accounts");

    expect(reply.status).toBe(200);
    expect(reply.headers["content-type"]).toBe("application/json");
    expect(reply.headers.link).toBeUndefined();
    expect(reply.json).toEqual(created);
    expect(Object.keys(reply.json[0])).toEqual(ACCOUNT_HEADER.split(","));
    expect(reply.headers["x-ratelimit-limit"]).toBeDefined();
  });

  it("exports ndjson, one object a line", async () => {
    const reply = await withKey(target, key, "/api/v1/export/accounts?format=ndjson");

    expect(reply.status).toBe(200);
    expect(reply.headers["content-type"]).toBe("application/x-ndjson");
    expect(reply.text.split("\n")).toHaveLength(created.length + 1);
    expect(recordsOf(reply, "ndjson", "")).toEqual(created);
  });

  it("exports CSV with API.md's header row, quoting as RFC 4180 does and neutralising formulas", async () => {
    const reply = await withKey(target, key, "/api/v1/export/accounts?format=csv");

    expect(reply.status).toBe(200);
    expect(reply.headers["content-type"]).toMatch(/^text\/csv; charset=utf-8/);
    const rows = recordsOf(reply, "csv", ACCOUNT_HEADER);
    expect(rows.map((row) => row.id)).toEqual(created.map((a) => a.id));
    expect(rows[0]).toMatchObject({ name: "Globex, Inc.", externalRef: "G-1", balance: "0" });
    expect(rows[1]).toMatchObject({
      name: `'=HYPERLINK("http://evil.example","click")`,
      externalRef: "",
      balance: "-1250",
    });
    expect(rows[2]?.name).toBe("'+31 Trading");
    expect(rows[3]).toMatchObject({ name: 'Quote "Q", and comma', externalRef: "'@ref" });
    // No unquoted cell of the raw text starts a formula.
    expect(reply.text).not.toMatch(/(^|,)[=+@]/m);
  });

  it("never includes another org's accounts", async () => {
    const other = await exportKey(org("export-stranger"));
    const reply = await withKey(target, other, "/api/v1/export/accounts");

    expect(reply.status).toBe(200);
    expect(reply.json).toEqual([]);
    const csv = await withKey(target, other, "/api/v1/export/accounts?format=csv");
    expect(csv.text).toBe(`${ACCOUNT_HEADER}\r\n`);
  });

  it.each([
    ["?format=xml", "query.format"],
    ["?format=JSON", "query.format"],
    ["?limit=10", "query.limit"],
    ["?since=2026-01-01T00:00:00Z", "query.since"],
    ["?format=json&format=csv", "query.format"],
    ["?cursor=", "query.cursor"],
    ["?cursor=not-a-cursor!", "query.cursor"],
    ["?cursor=eyJvIjoieCIsInAiOnsic2siOiJBQ0NPVU5UI2EifX0", "query.cursor"],
  ])("answers 400 for %s at %s", async (query, path) => {
    const reply = await withKey(target, key, `/api/v1/export/accounts${query}`);

    expect(reply.status).toBe(400);
    expect(reply.json.error.code).toBe("validation_error");
    expect(reply.json.error.details.map((d: { path: string }) => d.path)).toContain(path);
  });
});

describe("GET /api/v1/export/interactions", () => {
  const ORG = org("export-interactions");
  const OTHER = org("export-interactions-other");
  const ACC_A = newId("acc", T0);
  const ACC_B = newId("acc", T0 + 1);
  const SINCE = T0 + 60_000;
  const seeded: Interaction[] = [];
  let key: string;

  beforeAll(async () => {
    if (remote) return;
    key = await exportKey(ORG);
    const plan: [number, Partial<Interaction>][] = [
      [T0, { accountId: ACC_A, type: "account.created", data: { id: ACC_A, name: "=cmd|' /C calc'!A0" } }],
      [T0 + 10, { accountId: ACC_B, type: "account.created", data: { id: ACC_B, name: "B" } }],
      [SINCE - 1, { accountId: ACC_A, type: "account.updated", data: { id: ACC_A, status: "closed" } }],
      [SINCE, { accountId: ACC_B, type: "payment.registered", data: { amount: 500, currency: "EUR" } }],
      [SINCE, { accountId: ACC_A, type: "contact.created", data: { email: "a@b.example" } }],
      [SINCE + 5, { type: "import.completed", data: { summary: { received: 2, created: 2 } } }],
      [SINCE + 9, { accountId: ACC_A, type: "payment.registered", data: { amount: 1, currency: "EUR" } }],
    ];
    const items = plan.map(([at, fields]) => interaction(ORG, at, fields));
    seeded.push(...items.map((i) => i.value).sort((a, b) => (a.id < b.id ? -1 : 1)));
    const foreign = interaction(OTHER, SINCE + 1, { accountId: ACC_A, data: { secret: "other org" } });
    await seedItems(localOf(target), [...items.map((i) => i.item), foreign.item]);
  });

  it.skipIf(remote)("exports every interaction of the org, oldest first, in each format", async () => {
    for (const format of ["json", "ndjson", "csv"] as const) {
      const reply = await withKey(target, key, `/api/v1/export/interactions?format=${format}`);

      expect(reply.status).toBe(200);
      expect(reply.headers["content-type"]).toMatch(new RegExp(`^${CONTENT_TYPE[format]}`));
      const records = recordsOf(reply, format, INTERACTION_HEADER);
      expect(records.map((r) => r.id)).toEqual(seeded.map((i) => i.id));
      if (format === "csv") {
        expect(records[0]).toMatchObject({ accountId: ACC_A, type: "account.created" });
        expect(JSON.parse(String(records[0]?.data))).toEqual(seeded[0]?.data);
        expect(records.find((r) => r.type === "import.completed")?.accountId).toBe("");
      } else {
        expect(records).toEqual(seeded);
        expect(Object.keys(records[0] ?? {})).toEqual(INTERACTION_HEADER.split(","));
      }
    }
  });

  it.skipIf(remote)(
    "starts at ?since= inclusive, to the millisecond, whatever the offset it is written in",
    async () => {
      const expected = seeded.filter((i) => Date.parse(i.at) >= SINCE).map((i) => i.id);
      const sinceUtc = new Date(SINCE).toISOString();
      const sincePlus2 = new Date(SINCE + 2 * 3_600_000).toISOString().replace("Z", "+02:00");
      for (const since of [sinceUtc, encodeURIComponent(sincePlus2)]) {
        const reply = await withKey(target, key, `/api/v1/export/interactions?since=${since}`);
        expect(reply.status, reply.text).toBe(200);
        expect(reply.json.map((i: Interaction) => i.id)).toEqual(expected);
      }
      const justAfter = new Date(SINCE).toISOString().replace("Z", "1Z");
      const later = await withKey(target, key, `/api/v1/export/interactions?since=${justAfter}`);
      expect(later.json.map((i: Interaction) => i.at)).not.toContain(new Date(SINCE).toISOString());
    },
  );

  it.skipIf(remote)(
    "filters by ?accountId=, together with ?since=, and exports nothing for an unknown account",
    async () => {
      const ofA = await withKey(target, key, `/api/v1/export/interactions?accountId=${ACC_A}`);
      expect(ofA.json.map((i: Interaction) => i.id)).toEqual(
        seeded.filter((i) => i.accountId === ACC_A).map((i) => i.id),
      );
      const since = new Date(SINCE).toISOString();
      const ofASince = await withKey(
        target,
        key,
        `/api/v1/export/interactions?format=ndjson&accountId=${ACC_A}&since=${since}`,
      );
      expect(recordsOf(ofASince, "ndjson", "").map((i) => i.id)).toEqual(
        seeded.filter((i) => i.accountId === ACC_A && Date.parse(i.at) >= SINCE).map((i) => i.id),
      );
      const unknown = await withKey(target, key, `/api/v1/export/interactions?accountId=${newId("acc", T0)}`);
      expect(unknown.status).toBe(200);
      expect(unknown.json).toEqual([]);
    },
  );

  it.skipIf(remote)("never includes another org's interactions", async () => {
    const reply = await withKey(target, key, `/api/v1/export/interactions?accountId=${ACC_A}`);
    expect(reply.text).not.toContain("other org");
    const other = await withKey(target, await exportKey(OTHER), "/api/v1/export/interactions");
    expect(other.json).toHaveLength(1);
    expect(other.text).not.toContain(ACC_B);
  });

  it.each([
    ["?since=2026-03-01", "query.since"],
    ["?since=2026-03-01T10:00:00", "query.since"],
    ["?since=yesterday", "query.since"],
    ["?since=2026-03-01T10:00:00+02:00", "query.since"],
    ["?accountId=", "query.accountId"],
    ["?format=tsv", "query.format"],
    ["?status=open", "query.status"],
  ])("answers 400 for %s at %s", async (query, path) => {
    const reply = await withKey(target, await exportKey(ORG), `/api/v1/export/interactions${query}`);

    expect(reply.status).toBe(400);
    expect(reply.json.error.details.map((d: { path: string }) => d.path)).toContain(path);
  });
});

describe("export scope", () => {
  it("answers 403 insufficient_scope naming export to a key with every other scope", async () => {
    const { key } = await createKey(target, org("export-scope"), {
      scopes: SCOPES.filter((scope) => scope !== "export"),
    });
    for (const path of ["/api/v1/export/accounts", "/api/v1/export/interactions?format=csv"]) {
      const reply = await withKey(target, key, path);
      expect(reply.status).toBe(403);
      expect(reply.json.error.code).toBe("insufficient_scope");
      expect(reply.json.error.message).toContain('"export"');
    }
  });
});
