import { describe, expect, it } from "vitest";
import { latestExpiry, newKeyProblems, patchProblems } from "../../../../lambdas/key-management/policy-rules";

/** The key policy's rules (lambdas/key-management/policy-rules.ts, API.md §12). */
const NOW = Date.parse("2026-01-01T00:00:00Z");
const DAY = 86_400_000;
const OPEN = { maxLifetimeDays: null, allowedScopes: null, requireAllowlist: false, rotateAfterDays: 90 };

describe("newKeyProblems", () => {
  it("finds nothing to refuse under the defaults", () => {
    // Act
    const problems = newKeyProblems(OPEN, { scopes: ["export"] }, NOW);

    // Assess
    expect(problems).toEqual([]);
  });

  it("refuses no expiry, and one past the maximum, at expiresAt naming the policy; the maximum itself passes", () => {
    // Prepare
    const rules = { ...OPEN, maxLifetimeDays: 30 };

    // Act
    const none = newKeyProblems(rules, { scopes: ["export"] }, NOW);
    const late = newKeyProblems(rules, { scopes: ["export"], expiresAt: NOW + 30 * DAY + 1 }, NOW);
    const exact = newKeyProblems(rules, { scopes: ["export"], expiresAt: latestExpiry(30, NOW) }, NOW);

    // Assess
    expect(none).toEqual([{ path: ["expiresAt"], message: expect.stringContaining("key policy") }]);
    expect(late).toEqual([{ path: ["expiresAt"], message: expect.stringContaining("maxLifetimeDays 30") }]);
    expect(exact).toEqual([]);
  });

  it("refuses each scope outside allowedScopes at its own index, and a missing allowlist when one is required", () => {
    // Prepare
    const rules = { ...OPEN, allowedScopes: ["accounts:read" as const], requireAllowlist: true };

    // Act
    const problems = newKeyProblems(rules, { scopes: ["export", "accounts:read", "import"] }, NOW);

    // Assess
    expect(problems.map((problem) => problem.path)).toEqual([["scopes", 0], ["scopes", 2], ["allowedIps"]]);
    expect(problems[0]?.message).toContain("key policy");
  });
});

describe("scopes as sent", () => {
  it("reports a refused scope at its index in the list it is given, duplicates counted, at each position", () => {
    // Prepare
    const rules = { ...OPEN, allowedScopes: ["accounts:read" as const] };

    // Act
    const created = newKeyProblems(
      rules,
      { scopes: ["accounts:read", "accounts:read", "payments:write"] },
      NOW,
    );
    const patched = patchProblems(rules, { scopes: ["import", "accounts:read", "import"] });

    // Assess
    expect(created.map((problem) => problem.path)).toEqual([["scopes", 2]]);
    expect(patched.map((problem) => problem.path)).toEqual([
      ["scopes", 0],
      ["scopes", 2],
    ]);
  });
});

describe("patchProblems", () => {
  const rules = { ...OPEN, allowedScopes: ["export" as const], requireAllowlist: true, maxLifetimeDays: 1 };

  it("checks only what a PATCH sends: a rename passes whatever the key holds", () => {
    // Act
    const problems = patchProblems(rules, {});

    // Assess
    expect(problems).toEqual([]);
  });

  it("refuses new scopes outside the policy and the removal of a required allowlist", () => {
    // Act
    const problems = patchProblems(rules, { scopes: ["export", "import"], allowedIps: null });

    // Assess
    expect(problems.map((problem) => problem.path)).toEqual([["scopes", 1], ["allowedIps"]]);
  });
});
