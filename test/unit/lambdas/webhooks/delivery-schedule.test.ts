import { describe, expect, it } from "vitest";
import {
  afterFailure,
  DEFAULT_RETRY_BASE_SECONDS,
  DISABLE_AFTER_MS,
  nominalWaitMs,
  retrySpanMs,
  retryWaitMs,
} from "../../../../lambdas/webhooks/delivery-schedule";

const HOUR = 3_600_000;

/** Every attempt of a delivery that never succeeds, as offsets from the first (ms), with `random`. */
function attemptsOf(baseSeconds: number, random: () => number): number[] {
  const offsets = [0];
  for (let attempt = 1; ; attempt++) {
    const now = offsets[offsets.length - 1] as number;
    const next = afterFailure(baseSeconds, attempt, 0, now, random);
    if ("giveUp" in next) return offsets;
    offsets.push(next.nextAttemptAt);
  }
}

describe("the webhook retry schedule (API.md §9)", () => {
  it("doubles from 30 s to a 4-hour ceiling", () => {
    const waits = Array.from(
      { length: 12 },
      (_, i) => nominalWaitMs(DEFAULT_RETRY_BASE_SECONDS, i + 1) / 1000,
    );
    expect(waits).toEqual([30, 60, 120, 240, 480, 960, 1920, 3840, 7680, 14_400, 14_400, 14_400]);
  });

  it("brings the first retry within 30 seconds, whatever the jitter", () => {
    for (const random of [0, 0.5, 0.999_999]) {
      const wait = retryWaitMs(DEFAULT_RETRY_BASE_SECONDS, 1, () => random);
      expect(wait).toBeLessThanOrEqual(30_000);
      expect(wait).toBeGreaterThanOrEqual(22_500);
    }
  });

  it("retries for at least 24 hours, and not much longer, whatever the jitter", () => {
    for (const random of [0, 0.37, 0.999_999]) {
      const offsets = attemptsOf(DEFAULT_RETRY_BASE_SECONDS, () => random);
      const last = offsets[offsets.length - 1] as number;
      expect(last).toBeGreaterThanOrEqual(24 * HOUR);
      expect(last).toBeLessThan(28 * HOUR);
      expect(offsets.length).toBeGreaterThanOrEqual(14);
      expect(offsets.length).toBeLessThanOrEqual(18);
      // Strictly later each time.
      for (let i = 1; i < offsets.length; i++) expect(offsets[i]).toBeGreaterThan(offsets[i - 1] as number);
    }
  });

  it("jitters each wait by at most a quarter, never lengthening it", () => {
    const waits = [0, 0.25, 0.5, 0.75, 0.999_999].map((random) => retryWaitMs(30, 5, () => random));
    expect(new Set(waits).size).toBe(5);
    for (const wait of waits) {
      expect(wait).toBeLessThanOrEqual(480_000);
      expect(wait).toBeGreaterThanOrEqual(360_000);
    }
  });

  it("scales the whole schedule, its 24-hour span included, with the base", () => {
    const random = () => 0.4;
    const atDefault = attemptsOf(30, random);
    const atOne = attemptsOf(1, random);
    expect(atOne.length).toBe(atDefault.length);
    for (const [i, offset] of atOne.entries()) expect(offset).toBeCloseTo((atDefault[i] as number) / 30, -2);
    expect(retrySpanMs(1)).toBe(2_880_000);
    expect(retrySpanMs(30)).toBe(24 * HOUR);
  });

  it("gives up on the first failure at or after the span, counted from the first attempt", () => {
    const span = retrySpanMs(30);
    expect(afterFailure(30, 14, 1_000, 1_000 + span - 1, () => 0)).toEqual({
      nextAttemptAt: 1_000 + span - 1 + 14_400_000,
    });
    expect(afterFailure(30, 15, 1_000, 1_000 + span, () => 0)).toEqual({ giveUp: true });
  });

  it("disables after 3 days whatever the base", () => {
    expect(DISABLE_AFTER_MS).toBe(3 * 24 * HOUR);
  });
});
