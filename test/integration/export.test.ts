import { parse } from "csv-parse/sync";
import { beforeAll, describe, expect, it } from "vitest";
import { orgPk, sk } from "../../contract/data-items";
import type { Account } from "../../contract/schemas/accounts";
import type { Interaction } from "../../contract/schemas/interactions";
import { SCOPES } from "../../contract/scopes";
import { exportPage } from "../../lambdas/export/export-page";
import { dataDepsOf } from "../../lambdas/shared/dynamo/data-store";
import { newId } from "../../lambdas/shared/ids";
import { pathUnder } from "./business";
import { createKey, ManualClock, type Reply, urlOf, useTarget, withKey } from "./harness";
import { seedItems } from "./seed";
import { localOf, org, remote } from "./target";

const T0 = Date.UTC(2026, 2, 1, 9, 0, 0);
const clock = new ManualClock(T0);
const ACCOUNT_HEADER = "id,name,externalRef,currency,balance,status,createdAt,updatedAt";
const INTERACTION_HEADER = "id,accountId,type,at,data";
const target = useTarget({ clock: clock.now });

/** A key with the `export` scope for an org; a fresh one per use keeps each test inside the rate limit. */
async function exportKey(orgId: string): Promise<string> {
  return (await createKey(target, orgId, { scopes: ["export"] })).key;
}

function account(orgId: string, at: number, fields: Partial<Account> = {}) {
  const iso = new Date(at).toISOString();
  const value: Account = {
    id: newId("acc", at),
    name: `Account ${at}`,
    externalRef: null,
    currency: "EUR",
    balance: 0,
    status: "open",
    createdAt: iso,
    updatedAt: iso,
    ...fields,
  };
  return { item: { pk: orgPk(orgId), sk: sk.account(value.id), ...value }, value };
}

function interaction(orgId: string, at: number, fields: Partial<Interaction> = {}) {
  const value: Interaction = {
    id: newId("int", at),
    accountId: null,
    type: "account.created",
    at: new Date(at).toISOString(),
    data: {},
    ...fields,
  };
  return { item: { pk: orgPk(orgId), sk: sk.interaction(value.id), ...value }, value };
}

/** The records of one page, whatever its format (CSV through an RFC 4180 parser, header checked). */
function recordsOf(reply: Reply, format: string, header: string): Record<string, unknown>[] {
  if (format === "ndjson") {
    expect(reply.text === "" || reply.text.endsWith("\n")).toBe(true);
    return reply.text
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line));
  }
  if (format === "csv") {
    expect(reply.text.startsWith(`${header}\r\n`)).toBe(true);
    return parse(reply.text, { columns: true }) as Record<string, unknown>[];
  }
  return reply.json;
}

/** The target of a `Link: <...>; rel="next"`, resolved against the URL the page was fetched from. */
function nextPath(reply: Reply, fetchedPath: string): string | undefined {
  const link = reply.headers.link;
  if (link === undefined) return undefined;
  const match = /^<([^>]+)>; rel="next"$/.exec(link);
  expect(match, link).not.toBeNull();
  const path = pathUnder(target, new URL(match?.[1] ?? "", urlOf(target.url, fetchedPath)).href);
  expect(path.split("?")[0]).toBe(fetchedPath.split("?")[0]);
  return path;
}

const CONTENT_TYPE = { json: "application/json", ndjson: "application/x-ndjson", csv: "text/csv" };

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

describe("export pages and cursors", () => {
  const ORG = org("export-pages");
  const deps = () => dataDepsOf(localOf(target).deps);
  const small = { records: 2, bytes: 1 << 20, evaluated: 1000 };
  const ACC = newId("acc", T0);
  /** A page the export answers; any failed outcome fails the test. */
  const pageOf = async (...args: Parameters<typeof exportPage>) => {
    const outcome = await exportPage(...args);
    if (!outcome.ok) throw new Error(`expected a page, got ${outcome.failure.kind}`);
    return outcome.value;
  };
  let key: string;

  beforeAll(async () => {
    if (remote) return;
    key = await exportKey(ORG);
    const items = Array.from({ length: 9 }, (_, i) =>
      interaction(ORG, T0 + i * 1000, { accountId: i % 3 === 0 ? ACC : null, data: { i } }),
    );
    await seedItems(localOf(target), [
      ...items.map((i) => i.item),
      account(ORG, T0).item,
      account(ORG, T0 + 1).item,
    ]);
  });

  it.skipIf(remote)(
    "walks a filtered range page by page with no record twice and no empty last page",
    async () => {
      const seen: unknown[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await pageOf(
          deps(),
          ORG,
          { kind: "interactions", format: "ndjson", since: T0 + 1000, accountId: ACC, cursor },
          small,
        );
        seen.push(
          ...page.content
            .split("\n")
            .filter(Boolean)
            .map((line) => JSON.parse(line).data.i),
        );
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor);
      expect(seen).toEqual([3, 6]);
      expect(pages).toBe(1);
    },
  );

  it.skipIf(remote)(
    "stops a sparse filter's page early once it has read its share, handing out a cursor",
    async () => {
      const tight = { records: 100, bytes: 1 << 20, evaluated: 4 };
      const first = await pageOf(
        deps(),
        ORG,
        { kind: "interactions", format: "json", accountId: ACC },
        tight,
      );
      expect(JSON.parse(first.content).map((r: Interaction) => r.data.i)).toEqual([0, 3]);
      expect(first.nextCursor).not.toBeNull();
      const rest: unknown[] = [];
      let cursor = first.nextCursor;
      while (cursor) {
        const page = await pageOf(
          deps(),
          ORG,
          { kind: "interactions", format: "json", accountId: ACC, cursor },
          tight,
        );
        rest.push(...JSON.parse(page.content).map((r: Interaction) => r.data.i));
        cursor = page.nextCursor;
      }
      expect(rest).toEqual([6]);
    },
  );

  it.skipIf(remote)("ends a page early at the byte budget, keeping at least one record", async () => {
    const page = await pageOf(
      deps(),
      ORG,
      { kind: "interactions", format: "json" },
      {
        records: 100,
        bytes: 300,
        evaluated: 1000,
      },
    );
    const records = JSON.parse(page.content);
    expect(records.length).toBeGreaterThan(0);
    expect(records.length).toBeLessThan(9);
    expect(page.nextCursor).not.toBeNull();
  });

  it.skipIf(remote)(
    "refuses over HTTP a cursor of another org, of the other export, or of other filters",
    async () => {
      const page = await pageOf(deps(), ORG, { kind: "interactions", format: "json", accountId: ACC }, small);
      const cursor = page.nextCursor ?? "";
      expect(cursor).not.toBe("");
      const ok = await withKey(target, key, `/api/v1/export/interactions?accountId=${ACC}&cursor=${cursor}`);
      expect(ok.status, ok.text).toBe(200);

      const stranger = await exportKey(org("export-pages-stranger"));
      const refused = [
        await withKey(target, stranger, `/api/v1/export/interactions?accountId=${ACC}&cursor=${cursor}`),
        await withKey(target, key, `/api/v1/export/interactions?cursor=${cursor}`),
        await withKey(target, key, `/api/v1/export/interactions?accountId=acc_x&cursor=${cursor}`),
        await withKey(
          target,
          key,
          `/api/v1/export/interactions?accountId=${ACC}&since=2026-03-01T00:00:00Z&cursor=${cursor}`,
        ),
        await withKey(target, key, `/api/v1/export/accounts?cursor=${cursor}`),
      ];
      for (const reply of refused) {
        expect(reply.status).toBe(400);
        expect(reply.json.error.details[0].path).toBe("query.cursor");
      }
    },
  );

  it.skipIf(remote)("refuses a hand-made cursor that points outside the export's range", async () => {
    const forge = (position: Record<string, string>) =>
      Buffer.from(JSON.stringify({ o: ORG, p: position })).toString("base64url");
    const since = T0 + 5000;
    const before = forge({ sk: sk.interaction(newId("int", T0)), since: String(since) });
    const reply = await withKey(
      target,
      key,
      `/api/v1/export/interactions?since=${new Date(since).toISOString()}&cursor=${before}`,
    );
    expect(reply.status).toBe(400);
    const accountsCursor = forge({ sk: "PAYMENT#acc_1#pay_1" });
    expect((await withKey(target, key, `/api/v1/export/accounts?cursor=${accountsCursor}`)).status).toBe(400);
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

describe("a large export (6,000 accounts)", () => {
  const ORG = org("export-large");
  const COUNT = 6000;
  let ids: string[] = [];

  beforeAll(async () => {
    if (remote) return;
    const accounts = Array.from({ length: COUNT }, (_, i) =>
      account(ORG, T0 + i, {
        name: i % 7 === 0 ? `=Account, "${i}"` : `Account ${i}`,
        externalRef: i % 2 === 0 ? `ext-${i}` : null,
        balance: (i % 5) * -100,
      }),
    );
    ids = accounts.map((a) => a.value.id);
    await seedItems(
      localOf(target),
      accounts.map((a) => a.item),
    );
  }, 120_000);

  it.skipIf(remote)(
    "walks the Link headers to every account exactly once, in order, in each format",
    async () => {
      const key = await exportKey(ORG);
      for (const format of ["json", "ndjson", "csv"] as const) {
        let path: string | undefined = `/api/v1/export/accounts?format=${format}`;
        const seen: string[] = [];
        const pageSizes: number[] = [];
        const sample = memorySampler();
        const started = performance.now();
        while (path) {
          const reply = await withKey(target, key, path);
          expect(reply.status, reply.text.slice(0, 200)).toBe(200);
          expect(reply.headers["content-type"]).toMatch(new RegExp(`^${CONTENT_TYPE[format]}`));
          const records = recordsOf(reply, format, ACCOUNT_HEADER);
          pageSizes.push(records.length);
          seen.push(...records.map((r) => String(r.id)));
          const next = nextPath(reply, path);
          if (next) expect(next).toMatch(new RegExp(`^/api/v1/export/accounts\\?format=${format}&cursor=`));
          path = next;
        }
        const elapsed = performance.now() - started;
        const memory = sample.stop();

        expect(pageSizes).toEqual([5000, 1000]);
        expect(seen).toEqual(ids);
        expect(new Set(seen).size).toBe(COUNT);
        // A benchmark figure for the closing note, never an assertion.
        console.log(
          `[bench] export ${COUNT} accounts as ${format}: ${elapsed.toFixed(0)} ms over ${pageSizes.length} pages; ` +
            `heapUsed peak ${mb(memory.heapPeak)} MB (+${mb(memory.heapPeak - memory.heapBase)} over ${mb(memory.heapBase)} MB before), ` +
            `rss peak ${mb(memory.rssPeak)} MB (+${mb(memory.rssPeak - memory.rssBase)})`,
        );
      }
    },
    120_000,
  );
});

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

/** Samples heap and RSS every few milliseconds (between the walk's awaits) until stopped. */
function memorySampler() {
  const base = process.memoryUsage();
  let heapPeak = base.heapUsed;
  let rssPeak = base.rss;
  const timer = setInterval(() => {
    const now = process.memoryUsage();
    heapPeak = Math.max(heapPeak, now.heapUsed);
    rssPeak = Math.max(rssPeak, now.rss);
  }, 2);
  return {
    stop() {
      clearInterval(timer);
      const now = process.memoryUsage();
      return {
        heapBase: base.heapUsed,
        heapPeak: Math.max(heapPeak, now.heapUsed),
        rssBase: base.rss,
        rssPeak: Math.max(rssPeak, now.rss),
      };
    },
  };
}
