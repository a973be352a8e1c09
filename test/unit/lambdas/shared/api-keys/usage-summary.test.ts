import { describe, expect, it } from "vitest";
import {
  foldWindow,
  lastSevenDays,
  parseSummary,
} from "../../../../../lambdas/shared/api-keys/usage-summary";

/** 2026-11-26T15:00:00Z, a window and an hour boundary. */
const H = Date.UTC(2026, 10, 26, 15, 0, 0) / 1000;
const W = 900;
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

describe("usage summary", () => {
  it("folds windows into their hours, once each, and drops hours older than 7 days", () => {
    const old = foldWindow(undefined, { start: H - 8 * 86_400, count: 9, throttled: 0 });
    const first = foldWindow(old, { start: H, count: 3, throttled: 1 });
    const second = foldWindow(first, { start: H + W, count: 2, throttled: 0 });

    expect(second).toEqual({ lastWindow: H + W, hours: { [H]: [5, 1] } });
    // A replay of a window already in changes nothing.
    expect(foldWindow(second, { start: H, count: 3, throttled: 1 })).toBeUndefined();
  });

  it("answers the last 7 days by hour from the summary and the windows it does not hold yet", () => {
    const summary = foldWindow(undefined, { start: H, count: 3, throttled: 1 });
    const prev = { start: H + W, count: 4, throttled: 0 };
    const live = { start: H + 4 * W, count: 1, throttled: 0 };

    const periods = lastSevenDays(
      summary,
      [{ start: H, count: 3, throttled: 1 }, prev, live],
      (H + 4 * W + 10) * 1000,
      W,
    );

    expect(periods).toEqual([
      { start: iso(H), count: 7, throttled: 1 },
      { start: iso(H + 3600), count: 1, throttled: 0 },
    ]);
  });

  it("reads a malformed stored summary as none", () => {
    expect(parseSummary(H, JSON.stringify({ [H]: [1, 0] }))).toEqual({
      lastWindow: H,
      hours: { [H]: [1, 0] },
    });
    expect(parseSummary(H, "{not json")).toBeUndefined();
    expect(parseSummary(H, JSON.stringify({ [H]: [1] }))).toBeUndefined();
    expect(parseSummary("x", "{}")).toBeUndefined();
  });
});
