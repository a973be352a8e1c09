import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createConfig, lintFromString } from "@redocly/openapi-core";
import { describe, expect, it } from "vitest";

const COMMITTED = resolve(dirname(fileURLToPath(import.meta.url)), "../../../../docs/openapi.json");

describe("docs/openapi.json under Redocly's recommended rules (API.md §7)", () => {
  it("has no error and no warning", async () => {
    // Prepare: the committed document (held to the generator by document.test.ts).
    const config = await createConfig({ extends: ["recommended"] });

    // Act
    const problems = await lintFromString({
      source: readFileSync(COMMITTED, "utf8"),
      absoluteRef: COMMITTED,
      config,
    });

    // Assess: each problem as Redocly words it, so a failure says what to fix.
    expect(
      problems.map(
        (problem) =>
          `${problem.severity} ${problem.ruleId}: ${problem.message} at ${problem.location[0]?.pointer}`,
      ),
    ).toEqual([]);
  });
});
