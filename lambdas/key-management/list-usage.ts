import type { KeyListItem, KeyRecord } from "../../contract/api-types";
import type { ApiKeyItem } from "../shared/api-keys/key-record";
import { throttledOf, type WindowUsage } from "../shared/api-keys/usage-history";
import {
  lastSevenDays,
  parseSummary,
  SUMMARY_SORT_KEY,
  type UsageSummary,
} from "../shared/api-keys/usage-summary";
import { batchGet } from "./batch-get";
import type { KeyServiceDeps } from "./key-store";

/**
 * Gives each listed key its last 7 days by hour (API.md §11), so the page draws every sparkline from
 * the list answer: one BatchGetItem of the page's summary items in the usage table (one per key,
 * `usage-summary.ts`), plus the windows each key item holds that the summary may not yet (the window
 * its last rollover closed, while the stream writes it, and the live one). Strongly consistent, as the
 * usage answer is; a key without a summary (never rolled over) shows only its own windows.
 */
export async function withLastSevenDays(
  deps: KeyServiceDeps,
  page: { record: KeyRecord; item: ApiKeyItem }[],
  nowMs: number,
): Promise<KeyListItem[]> {
  const summaries = deps.usageTable ? await readSummaries(deps, deps.usageTable, page) : new Map();
  const { rateWindowSeconds } = deps.settings;
  return page.map(({ record, item }) => {
    const limit = record.rateLimit.limit;
    const windows: WindowUsage[] = [
      { start: item.windowStart, count: item.windowCount, throttled: throttledOf(item.windowCount, limit) },
    ];
    if (item.prevWindowStart !== undefined && item.prevWindowCount !== undefined) {
      windows.push({
        start: item.prevWindowStart,
        count: item.prevWindowCount,
        throttled: throttledOf(item.prevWindowCount, limit),
      });
    }
    return {
      ...record,
      lastSevenDays: lastSevenDays(summaries.get(item.pk), windows, nowMs, rateWindowSeconds),
    };
  });
}

async function readSummaries(
  deps: KeyServiceDeps,
  table: string,
  page: { item: ApiKeyItem }[],
): Promise<Map<string, UsageSummary>> {
  const stored = await batchGet(
    deps,
    table,
    page.map(({ item }) => ({ keyId: item.pk, windowStart: SUMMARY_SORT_KEY })),
  );
  const summaries = new Map<string, UsageSummary>();
  for (const { keyId, lastWindow, hours } of stored) {
    const summary = parseSummary(lastWindow, hours);
    if (summary && typeof keyId === "string") summaries.set(keyId, summary);
  }
  return summaries;
}
