/**
 * A key's last 7 days by hour in one usage-table item (API.md §11: what the page's sparkline draws),
 * so that a list page reads every key's week in one batched read instead of one query per key. Pure:
 * the stream's writer folds each closed window in, the list answer adds the windows not folded yet.
 */
import type { UsagePeriod } from "../../../contract/api-types";
import {
  DEFAULT_RANGE_SECONDS,
  periodStart,
  usagePeriods,
  usageRange,
  type WindowUsage,
} from "./usage-history";

/**
 * The summary's sort key in the usage table. It sorts after every ISO window start, so the history's
 * range queries (`BETWEEN` two ISO instants) never meet it.
 */
export const SUMMARY_SORT_KEY = "~last-7-days";

const HOUR_SECONDS = 3600;

/** The windows folded in, by hour: hour start (epoch seconds) → [count, throttled]. */
export interface UsageSummary {
  /** The start of the last window folded in (epoch seconds): later ones are not in it yet. */
  lastWindow: number;
  hours: Record<string, [number, number]>;
}

/**
 * The summary with `window` folded into its hour and hours older than 7 days before it dropped; or
 * undefined when the window is already in (its start is not after `lastWindow`): a replayed record
 * changes nothing. A key's windows close in order (the stream keeps an item's records in order).
 */
export function foldWindow(summary: UsageSummary | undefined, window: WindowUsage): UsageSummary | undefined {
  if (summary && window.start <= summary.lastWindow) return undefined;
  const oldest = periodStart(window.start - DEFAULT_RANGE_SECONDS, "hour", HOUR_SECONDS);
  const hours: Record<string, [number, number]> = {};
  for (const [hour, counts] of Object.entries(summary?.hours ?? {})) {
    if (Number(hour) >= oldest) hours[hour] = counts;
  }
  const hour = String(periodStart(window.start, "hour", HOUR_SECONDS));
  const [count, throttled] = hours[hour] ?? [0, 0];
  hours[hour] = [count + window.count, throttled + window.throttled];
  return { lastWindow: window.start, hours };
}

/** A stored summary's fields, checked: anything malformed reads as no summary (nothing folded yet). */
export function parseSummary(lastWindow: unknown, hours: unknown): UsageSummary | undefined {
  if (typeof lastWindow !== "number" || typeof hours !== "string") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(hours);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
  const valid = Object.entries(parsed).every(
    ([hour, counts]) =>
      Number.isSafeInteger(Number(hour)) &&
      Array.isArray(counts) &&
      counts.length === 2 &&
      counts.every((n) => Number.isSafeInteger(n) && n >= 0),
  );
  return valid ? { lastWindow, hours: parsed as UsageSummary["hours"] } : undefined;
}

/**
 * A key's last 7 days by hour, oldest first, periods without requests omitted, as the usage answer
 * with `granularity=hour` and no bounds gives them: the summary's hours, plus the windows it does not
 * hold yet (the key item's last closed window while the stream is writing it, and the live window).
 */
export function lastSevenDays(
  summary: UsageSummary | undefined,
  windows: readonly WindowUsage[],
  nowMs: number,
  windowSeconds: number,
): UsagePeriod[] {
  const range = usageRange({ granularity: "hour" }, nowMs, windowSeconds);
  if (range === "empty_range") return [];
  const folded: WindowUsage[] = Object.entries(summary?.hours ?? {}).map(([hour, [count, throttled]]) => ({
    start: Number(hour),
    count,
    throttled,
  }));
  const newer = windows.filter((window) => window.start > (summary?.lastWindow ?? -1));
  // Summed per hour here: `usagePeriods` takes windows (one per start), and an hour holds several.
  const hourly = new Map<number, WindowUsage>();
  for (const window of [...folded, ...newer]) {
    const start = periodStart(window.start, "hour", windowSeconds);
    const sum = hourly.get(start) ?? { start, count: 0, throttled: 0 };
    hourly.set(start, {
      start,
      count: sum.count + window.count,
      throttled: sum.throttled + window.throttled,
    });
  }
  return usagePeriods([...hourly.values()], undefined, range, windowSeconds);
}
