import { beforeAll, describe, expect, it } from "vitest";
import { sk } from "../../contract/data-items";
import type { Interaction } from "../../contract/schemas/interactions";
import { exportPage } from "../../lambdas/export/export-page";
import { dataDepsOf } from "../../lambdas/shared/dynamo/data-store";
import { newId } from "../../lambdas/shared/ids";
import { ACCOUNT_HEADER, account, CONTENT_TYPE, interaction, recordsOf, T0, useExport } from "./export";
import { withKey } from "./harness";
import { seedItems } from "./seed";
import { localOf, org, remote } from "./target";

/**
 * An export a page at a time: pages cut by records, bytes or the items read, cursors that walk a
 * filtered range once and are refused for another org, export or filter, and 6,000 accounts walked
 * through the `Link` headers in each format (with a benchmark line for the closing note).
 */
const { target, exportKey, nextPath } = useExport();
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
