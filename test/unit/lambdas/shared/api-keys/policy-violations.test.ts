import { describe, expect, it } from "vitest";
import { type ApiKeyItem, policyViolationsOf } from "../../../../../lambdas/shared/api-keys/key-record";

/** `policyViolationsOf` (lambdas/shared/api-keys/key-record.ts, API.md §12). */
const CREATED = Date.parse("2026-01-01T00:00:00Z");
const DAY = 86_400_000;
const key = (overrides: Partial<ApiKeyItem> = {}): ApiKeyItem => ({
  pk: "key_0000000000000000000001",
  hash: "h",
  orgId: "acme",
  name: "k",
  scopes: ["export"],
  hint: "fynex_k_…",
  createdAt: new Date(CREATED).toISOString(),
  createdBy: "a",
  windowStart: 0,
  windowCount: 0,
  ...overrides,
});
const OPEN = { maxLifetimeDays: null, allowedScopes: null, requireAllowlist: false, rotateAfterDays: 1 };

describe("policyViolationsOf", () => {
  it("names each rule an active key breaks, rotateAfterDays never", () => {
    // Act
    const violations = policyViolationsOf(key({ scopes: ["export", "import"] }), "active", {
      maxLifetimeDays: 30,
      allowedScopes: ["export"],
      requireAllowlist: true,
      rotateAfterDays: 1,
    });

    // Assess
    expect(violations).toEqual(["maxLifetimeDays", "allowedScopes", "requireAllowlist"]);
  });

  it("measures the lifetime from creation to expiry: exactly the maximum is fine, a second more is not", () => {
    // Prepare
    const rules = { ...OPEN, maxLifetimeDays: 30 };

    // Act
    const exact = policyViolationsOf(key({ expiresAt: CREATED + 30 * DAY }), "active", rules);
    const over = policyViolationsOf(key({ expiresAt: CREATED + 30 * DAY + 1000 }), "active", rules);

    // Assess
    expect(exact).toEqual([]);
    expect(over).toEqual(["maxLifetimeDays"]);
  });

  it("is empty for expired and revoked keys whatever they break", () => {
    // Prepare
    const strict = {
      maxLifetimeDays: 1,
      allowedScopes: ["import" as const],
      requireAllowlist: true,
      rotateAfterDays: 1,
    };

    // Act and assess
    expect(policyViolationsOf(key(), "expired", strict)).toEqual([]);
    expect(policyViolationsOf(key(), "revoked", strict)).toEqual([]);
  });
});
