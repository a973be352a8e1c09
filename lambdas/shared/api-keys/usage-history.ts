/**
 * Per-key usage history (API.md §11), as pure functions of their arguments: the history item of a
 * closed window, the range a usage request reads, and how windows add up to periods. No SDK and no
 * zod: the authorizer's bundle imports `closedWindowItem` from here.
 *
 * How a window's count gets here (docs/DECISIONS.md #140): the key item counts the
 * current window; the authorizer's rollover replaces `windowStart`/`windowCount` in one conditional
 * update that returns the item as it was (`ALL_OLD`), so exactly one caller ever holds the closed
 * window's final count, and that caller writes it here once. Late clocks never count into a closed
 * window: a window is closed only once the item holds a later one, and the count update is
 * conditional on the item's window.
 */

import type { Granularity, UsagePeriod } from "../../../contract/api-types";

/** History is kept, and answered, this long (API.md §11). */
export const USAGE_RETENTION_SECONDS = 90 * 24 * 60 * 60;

/** Without `from`/`to`, a usage request covers this much time (API.md §11: the last 7 days). */
export const DEFAULT_RANGE_SECONDS = 7 * 24 * 60 * 60;

const HOUR_SECONDS = 3600;
const DAY_SECONDS = 86_400;

/** One window's traffic: when it started (epoch seconds), what it counted, how much of that was 429. */
export interface WindowUsage {
  start: number;
  count: number;
  throttled: number;
}

/** The usage table item of one closed window (`contract/tables.ts`, `USAGE_TABLE`). */
export interface UsageItem {
  keyId: string;
  /** The window's start, ISO 8601 UTC: the sort key. */
  windowStart: string;
  count: number;
  throttled: number;
  /** Epoch seconds after which DynamoDB may delete it: the window's start plus 90 days. */
  ttl: number;
}

const isoSeconds = (seconds: number) => new Date(seconds * 1000).toISOString();

/**
 * How many of a window's counted requests were answered 429. Every request with a live key counts
 * (API.md §3), and the gate answers 429 to each whose count passed the limit, so the count beyond
 * the limit is exactly the 429s. Requests refused for their address are given back and never throttle.
 */
export function throttledOf(count: number, limit: number): number {
  return Math.max(0, count - limit);
}

/** The history item of a closed window, or undefined when the window counted nothing (nothing to keep). */
export function closedWindowItem(
  keyId: string,
  window: { start: number; count: number; limit: number },
): UsageItem | undefined {
  if (!(window.count > 0)) return undefined;
  return {
    keyId,
    windowStart: isoSeconds(window.start),
    count: window.count,
    throttled: throttledOf(window.count, window.limit),
    ttl: window.start + USAGE_RETENTION_SECONDS,
  };
}

/** The window an item of the usage table records. */
export function windowOfItem(item: Pick<UsageItem, "windowStart" | "count" | "throttled">): WindowUsage {
  return { start: Date.parse(item.windowStart) / 1000, count: item.count, throttled: item.throttled };
}

/** Length of one period, seconds. Windows start at multiples of their length since the epoch, as hours and days do. */
function periodSeconds(granularity: Granularity, windowSeconds: number): number {
  if (granularity === "window") return windowSeconds;
  return granularity === "hour" ? HOUR_SECONDS : DAY_SECONDS;
}

/** Start of the period holding `seconds` (epoch seconds). Hours and days are UTC. */
export function periodStart(seconds: number, granularity: Granularity, windowSeconds: number): number {
  const length = periodSeconds(granularity, windowSeconds);
  return Math.floor(seconds / length) * length;
}

/** The first period start at or after `ms` (epoch ms), in epoch seconds. */
function firstPeriodAtOrAfter(ms: number, granularity: Granularity, windowSeconds: number): number {
  const length = periodSeconds(granularity, windowSeconds);
  return Math.ceil(ms / 1000 / length) * length;
}

/** What a usage request asks for; absent bounds take their defaults. Instants in epoch ms. */
export interface UsageQuery {
  granularity: Granularity;
  from?: number;
  to?: number;
}

/**
 * The windows a usage answer reads: those whose start lies in `[fromWindow, toWindow)` (epoch
 * seconds). A period belongs to the range when its start does, and a window counts in the period in
 * which it starts, so the bounds are the first period starts at or after `from` and `to`.
 */
export interface UsageRange {
  granularity: Granularity;
  fromWindow: number;
  toWindow: number;
}

/**
 * The range of a usage request at `nowMs`, or "empty_range" when `from` is at or after `to` (a 400).
 * `to` defaults to the end of the current window (so the live window is in), `from` to 7 days before
 * `to`; a `from` older than the 90 days kept is clamped to them.
 */
export function usageRange(
  query: UsageQuery,
  nowMs: number,
  windowSeconds: number,
): UsageRange | "empty_range" {
  const currentWindow = periodStart(nowMs / 1000, "window", windowSeconds);
  const to = query.to ?? (currentWindow + windowSeconds) * 1000;
  const asked = query.from ?? to - DEFAULT_RANGE_SECONDS * 1000;
  if (asked >= to) return "empty_range";
  const from = Math.max(asked, nowMs - USAGE_RETENTION_SECONDS * 1000);
  const { granularity } = query;
  const fromWindow = firstPeriodAtOrAfter(from, granularity, windowSeconds);
  // A clamped `from` may pass `to`: the range is then empty, not wrong.
  const toWindow = Math.max(fromWindow, firstPeriodAtOrAfter(to, granularity, windowSeconds));
  return { granularity, fromWindow, toWindow };
}

/**
 * The periods of `range`, oldest first, from closed windows (the history) and the live one (the key
 * item). A window in both is the same window read twice around its rollover: the history's count is
 * final, so it wins. Periods that counted nothing are omitted.
 */
export function usagePeriods(
  closed: readonly WindowUsage[],
  live: WindowUsage | undefined,
  range: UsageRange,
  windowSeconds: number,
): UsagePeriod[] {
  const windows = new Map<number, WindowUsage>();
  if (live) windows.set(live.start, live);
  for (const window of closed) windows.set(window.start, window);
  const periods = new Map<number, { count: number; throttled: number }>();
  for (const window of windows.values()) {
    if (window.start < range.fromWindow || window.start >= range.toWindow || window.count <= 0) continue;
    const start = periodStart(window.start, range.granularity, windowSeconds);
    const period = periods.get(start) ?? { count: 0, throttled: 0 };
    period.count += window.count;
    period.throttled += window.throttled;
    periods.set(start, period);
  }
  return [...periods.entries()]
    .sort(([a], [b]) => a - b)
    .map(([start, period]) => ({ start: isoSeconds(start), ...period }));
}

/** The sort-key bounds (inclusive) of the history items a range reads, for a `BETWEEN` key condition. */
export function usageKeyBounds(range: UsageRange): { first: string; last: string } | undefined {
  if (range.toWindow <= range.fromWindow) return undefined;
  // Window starts are whole seconds: the last start before `toWindow` is at most a second before it.
  return { first: isoSeconds(range.fromWindow), last: isoSeconds(range.toWindow - 1) };
}
