import { describe, expect, it } from "vitest";
import { reminderDays, reminderDue } from "../../../../lambdas/key-management/expiry-reminders";

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 6, 1, 9, 30);
const key = (left: number, extra: Record<string, unknown> = {}) => ({
  expiresAt: NOW + left,
  expiryDay: new Date(NOW + left).toISOString().slice(0, 10),
  ...extra,
});

describe("reminderDue", () => {
  it("sends nothing with more than 7 days left", () => {
    expect(reminderDue(key(7 * DAY + 1), NOW)).toBe(undefined);
  });

  it("sends 7d at 7 days or less, once", () => {
    expect(reminderDue(key(7 * DAY), NOW)).toBe("7d");
    expect(reminderDue(key(2 * DAY), NOW)).toBe("7d");
    expect(reminderDue(key(2 * DAY, { expiryReminder: "7d" }), NOW)).toBe(undefined);
  });

  it("sends 1d at 1 day or less, once more, and only 1d to a key first seen with under a day left", () => {
    expect(reminderDue(key(DAY, { expiryReminder: "7d" }), NOW)).toBe("1d");
    expect(reminderDue(key(DAY / 2), NOW)).toBe("1d");
    expect(reminderDue(key(DAY / 2, { expiryReminder: "1d" }), NOW)).toBe(undefined);
  });

  it("sends nothing to expired or revoked keys, nor to keys out of the index (a rotation's grace)", () => {
    expect(reminderDue(key(0), NOW)).toBe(undefined);
    expect(reminderDue(key(-DAY), NOW)).toBe(undefined);
    expect(reminderDue(key(DAY, { revokedAt: NOW - 1 }), NOW)).toBe(undefined);
    expect(reminderDue({ expiresAt: NOW + DAY }, NOW)).toBe(undefined);
    expect(reminderDue({ expiryDay: "2026-07-02" }, NOW)).toBe(undefined);
  });
});

describe("reminderDays", () => {
  it("reads today's partition and the next 7 days', in UTC", () => {
    expect(reminderDays(Date.UTC(2026, 11, 28, 23, 59))).toEqual([
      "2026-12-28",
      "2026-12-29",
      "2026-12-30",
      "2026-12-31",
      "2027-01-01",
      "2027-01-02",
      "2027-01-03",
      "2027-01-04",
    ]);
  });
});
