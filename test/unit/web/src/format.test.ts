import { describe, expect, it } from "vitest";
import type { KeyRecord } from "../../../../contract/api-types";
import { isUnused } from "../../../../web/src/format";

const NOW = Date.parse("2026-12-02T12:00:00.000Z");
const DAY = 24 * 3600 * 1000;
const iso = (ms: number) => new Date(ms).toISOString();
const key = (fields: Partial<KeyRecord>): KeyRecord =>
  ({ status: "active", createdAt: iso(NOW - 100 * DAY), lastUsedAt: null, ...fields }) as KeyRecord;

describe("isUnused (the page's Unused badge, API.md §11)", () => {
  it("marks an active key last used 30 days ago or more, and not one used since", () => {
    expect(isUnused(key({ lastUsedAt: iso(NOW - 30 * DAY) }), NOW)).toBe(true);
    expect(isUnused(key({ lastUsedAt: iso(NOW - 30 * DAY + 1) }), NOW)).toBe(false);
  });

  it("judges a never-used key by its creation", () => {
    expect(isUnused(key({ createdAt: iso(NOW - 31 * DAY) }), NOW)).toBe(true);
    expect(isUnused(key({ createdAt: iso(NOW - 29 * DAY) }), NOW)).toBe(false);
  });

  it("never marks a revoked or expired key", () => {
    expect(isUnused(key({ status: "revoked" }), NOW)).toBe(false);
    expect(isUnused(key({ status: "expired" }), NOW)).toBe(false);
  });
});
