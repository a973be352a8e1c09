import { describe, expect, it } from "vitest";
import { keyPolicySchema } from "../../../../contract/schemas/key-policy";

/** The PUT body of the key policy (API.md §12). */
describe("keyPolicySchema", () => {
  const valid = {
    maxLifetimeDays: null,
    allowedScopes: null,
    requireAllowlist: false,
    rotateAfterDays: null,
  };

  it("takes nulls, and folds duplicate scopes keeping the first", () => {
    // Act
    const parsed = keyPolicySchema.parse({ ...valid, allowedScopes: ["export", "import", "export"] });

    // Assess
    expect(parsed).toEqual({ ...valid, allowedScopes: ["export", "import"] });
  });

  it.each([
    [{ ...valid, maxLifetimeDays: -5 }, "maxLifetimeDays"],
    [{ ...valid, rotateAfterDays: 4000 }, "rotateAfterDays"],
    [{ ...valid, allowedScopes: ["export", 7] }, "allowedScopes.1"],
    [{ ...valid, extra: true }, ""],
  ])("refuses %j at %s", (body, path) => {
    // Act
    const result = keyPolicySchema.safeParse(body);

    // Assess
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path.join(".")).toBe(path);
  });
});
