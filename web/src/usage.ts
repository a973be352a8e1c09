import type { UsagePeriod } from "../../contract/api-types";

/** The two views of a key's history on the page (issue 14): 7 days by hour, 90 days by day. */
export const USAGE_RANGES = {
  hour: { label: "Last 7 days", periods: 7 * 24, sizeMs: 3600_000 },
  day: { label: "Last 90 days", periods: 90, sizeMs: 24 * 3600_000 },
} as const;
export type UsageRange = keyof typeof USAGE_RANGES;

/** The first period's start: the current UTC hour or day, and the periods before it. */
export function rangeStart(range: UsageRange, nowMs: number): number {
  const { periods, sizeMs } = USAGE_RANGES[range];
  return Math.floor(nowMs / sizeMs) * sizeMs - (periods - 1) * sizeMs;
}

/**
 * Every period of the range in order, the API's items in their places and zeros between (the API
 * omits periods without requests; a chart must not close the gaps).
 */
export function fillPeriods(items: UsagePeriod[], range: UsageRange, nowMs: number): UsagePeriod[] {
  const { periods, sizeMs } = USAGE_RANGES[range];
  const start = rangeStart(range, nowMs);
  const filled = Array.from({ length: periods }, (_, i) => ({
    start: new Date(start + i * sizeMs).toISOString(),
    count: 0,
    throttled: 0,
  }));
  for (const item of items) {
    const index = Math.floor((Date.parse(item.start) - start) / sizeMs);
    const slot = filled[index];
    if (slot) Object.assign(slot, { count: item.count, throttled: item.throttled });
  }
  return filled;
}
