import { describe, expect, it } from "vitest";
import {
  closedWindowItem,
  USAGE_RETENTION_SECONDS,
  type UsageRange,
  usageKeyBounds,
  usagePeriods,
  usageRange,
  type WindowUsage,
  windowOfItem,
} from "../../../../../lambdas/shared/api-keys/usage-history";

const WINDOW = 900;
const DAY_MS = 86_400_000;
/** 2026-03-10T10:20:00Z: inside the window that starts 10:15. */
const NOW_MS = Date.UTC(2026, 2, 10, 10, 20);
const at = (iso: string) => Date.parse(iso) / 1000;
const win = (iso: string, count: number, throttled = 0): WindowUsage => ({
  start: at(iso),
  count,
  throttled,
});

describe("closedWindowItem", () => {
  it("records the count, the requests past the limit as throttled, and a 90-day TTL", () => {
    const item = closedWindowItem("key_a", { start: at("2026-03-10T10:00:00Z"), count: 130, limit: 100 });

    expect(item).toEqual({
      keyId: "key_a",
      windowStart: "2026-03-10T10:00:00.000Z",
      count: 130,
      throttled: 30,
      ttl: at("2026-03-10T10:00:00Z") + USAGE_RETENTION_SECONDS,
    });
    expect(windowOfItem(item ?? closedWindowItemMissing())).toEqual(win("2026-03-10T10:00:00Z", 130, 30));
  });

  it("writes nothing for a window that counted nothing (a fresh key's first window)", () => {
    expect(closedWindowItem("key_a", { start: at("2026-03-10T10:00:00Z"), count: 0, limit: 100 })).toBe(
      undefined,
    );
  });

  it("never reports throttled requests under the limit", () => {
    expect(closedWindowItem("key_a", { start: 0, count: 100, limit: 100 })?.throttled).toBe(0);
  });
});

function closedWindowItemMissing(): never {
  throw new Error("expected an item");
}

describe("usageRange", () => {
  it("defaults to the 7 days up to the end of the current window", () => {
    const range = usageRange({ granularity: "window" }, NOW_MS, WINDOW);

    expect(range).toEqual({
      granularity: "window",
      fromWindow: at("2026-03-03T10:30:00Z"),
      toWindow: at("2026-03-10T10:30:00Z"),
    });
  });

  it("takes a period when its start is in [from, to), for hours and days alike", () => {
    const hours = usageRange(
      {
        granularity: "hour",
        from: Date.parse("2026-03-09T08:30:00Z"),
        to: Date.parse("2026-03-09T11:00:00Z"),
      },
      NOW_MS,
      WINDOW,
    );
    const days = usageRange(
      {
        granularity: "day",
        from: Date.parse("2026-03-01T00:00:00Z"),
        to: Date.parse("2026-03-03T00:00:01Z"),
      },
      NOW_MS,
      WINDOW,
    );

    // 08:00 starts before `from`: out. 09:00 and 10:00 are in; 11:00 is `to` itself: out.
    expect(hours).toMatchObject({
      fromWindow: at("2026-03-09T09:00:00Z"),
      toWindow: at("2026-03-09T11:00:00Z"),
    });
    expect(days).toMatchObject({
      fromWindow: at("2026-03-01T00:00:00Z"),
      toWindow: at("2026-03-04T00:00:00Z"),
    });
  });

  it("clamps a from older than 90 days to the 90 days kept", () => {
    const range = usageRange({ granularity: "window", from: NOW_MS - 400 * DAY_MS }, NOW_MS, WINDOW);

    expect(range).not.toBe("empty_range");
    expect((range as UsageRange).fromWindow * 1000).toBeGreaterThanOrEqual(NOW_MS - 90 * DAY_MS);
    expect((range as UsageRange).fromWindow * 1000).toBeLessThan(NOW_MS - 90 * DAY_MS + WINDOW * 1000);
  });

  it("refuses a from at or after to", () => {
    expect(usageRange({ granularity: "hour", from: NOW_MS, to: NOW_MS }, NOW_MS, WINDOW)).toBe("empty_range");
    expect(usageRange({ granularity: "hour", from: NOW_MS + 1, to: NOW_MS }, NOW_MS, WINDOW)).toBe(
      "empty_range",
    );
  });

  it("answers an empty range (not an error) when the whole range is older than 90 days", () => {
    const range = usageRange(
      { granularity: "day", from: NOW_MS - 200 * DAY_MS, to: NOW_MS - 100 * DAY_MS },
      NOW_MS,
      WINDOW,
    );

    expect(range).not.toBe("empty_range");
    expect(usageKeyBounds(range as UsageRange)).toBe(undefined);
  });
});

describe("usageKeyBounds", () => {
  it("reads from the first window start to the last second before the range's end", () => {
    const bounds = usageKeyBounds({
      granularity: "hour",
      fromWindow: at("2026-03-09T09:00:00Z"),
      toWindow: at("2026-03-09T11:00:00Z"),
    });

    expect(bounds).toEqual({ first: "2026-03-09T09:00:00.000Z", last: "2026-03-09T10:59:59.000Z" });
  });
});

describe("usagePeriods", () => {
  const wholeDay: UsageRange = {
    granularity: "window",
    fromWindow: at("2026-03-10T00:00:00Z"),
    toWindow: at("2026-03-11T00:00:00Z"),
  };

  it("lists windows oldest first and omits windows that counted nothing", () => {
    const periods = usagePeriods(
      [win("2026-03-10T10:00:00Z", 5), win("2026-03-10T09:00:00Z", 3), win("2026-03-10T09:15:00Z", 0)],
      win("2026-03-10T10:15:00Z", 2),
      wholeDay,
      WINDOW,
    );

    expect(periods).toEqual([
      { start: "2026-03-10T09:00:00.000Z", count: 3, throttled: 0 },
      { start: "2026-03-10T10:00:00.000Z", count: 5, throttled: 0 },
      { start: "2026-03-10T10:15:00.000Z", count: 2, throttled: 0 },
    ]);
  });

  it("sums windows into the UTC hour and day in which each starts", () => {
    const closed = [
      win("2026-03-10T09:45:00Z", 120, 20),
      win("2026-03-10T10:00:00Z", 7),
      win("2026-03-10T10:45:00Z", 101, 1),
      win("2026-03-10T23:45:00Z", 4),
    ];

    expect(usagePeriods(closed, undefined, { ...wholeDay, granularity: "hour" }, WINDOW)).toEqual([
      { start: "2026-03-10T09:00:00.000Z", count: 120, throttled: 20 },
      { start: "2026-03-10T10:00:00.000Z", count: 108, throttled: 1 },
      { start: "2026-03-10T23:00:00.000Z", count: 4, throttled: 0 },
    ]);
    expect(usagePeriods(closed, undefined, { ...wholeDay, granularity: "day" }, WINDOW)).toEqual([
      { start: "2026-03-10T00:00:00.000Z", count: 232, throttled: 21 },
    ]);
  });

  it("counts a window read both live and from the history once, with the history's final count", () => {
    // The key item was read just before its rollover (count 9), the history just after (count 11).
    const periods = usagePeriods(
      [win("2026-03-10T10:00:00Z", 11, 1)],
      win("2026-03-10T10:00:00Z", 9),
      wholeDay,
      WINDOW,
    );

    expect(periods).toEqual([{ start: "2026-03-10T10:00:00.000Z", count: 11, throttled: 1 }]);
  });

  it("leaves out windows that start outside the range", () => {
    const range: UsageRange = {
      granularity: "window",
      fromWindow: at("2026-03-10T10:00:00Z"),
      toWindow: at("2026-03-10T10:30:00Z"),
    };
    const periods = usagePeriods(
      [win("2026-03-10T09:45:00Z", 1), win("2026-03-10T10:00:00Z", 2), win("2026-03-10T10:30:00Z", 3)],
      win("2026-03-10T10:15:00Z", 4),
      range,
      WINDOW,
    );

    expect(periods.map((period) => period.count)).toEqual([2, 4]);
  });
});
