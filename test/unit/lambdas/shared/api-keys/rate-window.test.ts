import { describe, expect, it } from "vitest";
import { secondsUntil, windowEnd, windowStart } from "../../../../../lambdas/shared/api-keys/rate-window";

const FIFTEEN_MINUTES = 900;
/** 2025-01-15T10:00:00.000Z: a multiple of 900 seconds since the epoch. */
const BOUNDARY_MS = Date.UTC(2025, 0, 15, 10, 0, 0, 0);
const BOUNDARY_S = BOUNDARY_MS / 1000;

describe("windowStart", () => {
  it("starts the first window at the epoch", () => {
    expect(windowStart(0, FIFTEEN_MINUTES)).toBe(0);
    expect(windowStart(899_999, FIFTEEN_MINUTES)).toBe(0);
    expect(windowStart(900_000, FIFTEEN_MINUTES)).toBe(900);
  });

  it("opens a new window exactly at a boundary", () => {
    expect(BOUNDARY_S % FIFTEEN_MINUTES).toBe(0);
    expect(windowStart(BOUNDARY_MS, FIFTEEN_MINUTES)).toBe(BOUNDARY_S);
  });

  it("keeps the previous window one millisecond before a boundary", () => {
    expect(windowStart(BOUNDARY_MS - 1, FIFTEEN_MINUTES)).toBe(BOUNDARY_S - FIFTEEN_MINUTES);
  });

  it("keeps the window up to its last millisecond", () => {
    const lastMs = BOUNDARY_MS + FIFTEEN_MINUTES * 1000 - 1;

    expect(windowStart(lastMs, FIFTEEN_MINUTES)).toBe(BOUNDARY_S);
    expect(windowStart(lastMs + 1, FIFTEEN_MINUTES)).toBe(BOUNDARY_S + FIFTEEN_MINUTES);
  });

  it("does not align windows to the time the clock was read", () => {
    expect(windowStart(Date.UTC(2025, 0, 15, 10, 7, 30, 250), FIFTEEN_MINUTES)).toBe(BOUNDARY_S);
    expect(windowStart(Date.UTC(2025, 0, 15, 10, 14, 59, 999), FIFTEEN_MINUTES)).toBe(BOUNDARY_S);
    expect(windowStart(Date.UTC(2025, 0, 15, 10, 15, 0, 0), FIFTEEN_MINUTES)).toBe(BOUNDARY_S + 900);
  });

  it("holds the instant in [start, start + length) at a multiple of the length, for any length", () => {
    // Prepare: deterministic instants around today's epoch range and window lengths a stage might use.
    const lengths = [1, 2, 7, 60, 61, 900, 3600, 86_400];
    const instants = Array.from({ length: 400 }, (_, i) => BOUNDARY_MS + i * 7_919_773 - 1_000_000_000);

    for (const length of lengths) {
      for (const now of instants) {
        // Act
        const start = windowStart(now, length);

        // Assess
        expect(start % length, `now=${now} length=${length}`).toBe(0);
        expect(start * 1000).toBeLessThanOrEqual(now);
        expect(now).toBeLessThan((start + length) * 1000);
      }
    }
  });

  it("lands on the boundary itself for every multiple of the length", () => {
    for (const length of [1, 7, 60, 900, 3600]) {
      for (let k = 1_900_000; k < 1_900_000 + 50; k++) {
        const boundaryMs = k * length * 1000;
        expect(windowStart(boundaryMs, length)).toBe(k * length);
        expect(windowStart(boundaryMs - 1, length)).toBe((k - 1) * length);
      }
    }
  });
});

describe("windowEnd", () => {
  it("is the next window's start", () => {
    expect(windowEnd(BOUNDARY_MS, FIFTEEN_MINUTES)).toBe(BOUNDARY_S + FIFTEEN_MINUTES);
    expect(windowEnd(BOUNDARY_MS - 1, FIFTEEN_MINUTES)).toBe(BOUNDARY_S);
    expect(windowEnd(BOUNDARY_MS + 123_456, FIFTEEN_MINUTES)).toBe(
      windowStart(BOUNDARY_MS + FIFTEEN_MINUTES * 1000, FIFTEEN_MINUTES),
    );
  });
});

describe("secondsUntil", () => {
  const reset = BOUNDARY_S + FIFTEEN_MINUTES;

  it("counts whole seconds when the distance is whole", () => {
    expect(secondsUntil(reset, BOUNDARY_MS)).toBe(900);
    expect(secondsUntil(reset, reset * 1000 - 2000)).toBe(2);
  });

  it("rounds a partial second up", () => {
    expect(secondsUntil(reset, Date.UTC(2025, 0, 15, 10, 7, 30, 250))).toBe(450);
    expect(secondsUntil(reset, reset * 1000 - 1500)).toBe(2);
    expect(secondsUntil(reset, reset * 1000 - 1001)).toBe(2);
    expect(secondsUntil(reset, BOUNDARY_MS + 1)).toBe(900);
  });

  it("is 1 in the last second of the window", () => {
    expect(secondsUntil(reset, reset * 1000 - 1000)).toBe(1);
    expect(secondsUntil(reset, reset * 1000 - 1)).toBe(1);
  });

  it("is never below 1, even at or after the reset", () => {
    expect(secondsUntil(reset, reset * 1000)).toBe(1);
    expect(secondsUntil(reset, reset * 1000 + 1)).toBe(1);
    expect(secondsUntil(reset, reset * 1000 + 60_000)).toBe(1);
  });

  it("is always a whole number", () => {
    for (let offset = 0; offset < 5000; offset += 37) {
      const value = secondsUntil(reset, BOUNDARY_MS + offset);
      expect(Number.isInteger(value)).toBe(true);
    }
  });
});
