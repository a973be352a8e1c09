import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { generateApiKey } from "../../../../lambdas/shared/api-keys/api-key";
import { findFynexKeys } from "../../src/fynex-keys";

/**
 * The gitleaks rule the README gives, read from the README itself, so that the two cannot drift apart.
 * Gitleaks is not installed here: its regex (Go's RE2 syntax) is run as JavaScript reads it, which is
 * the same language for what it uses (classes, a non-capturing group, `$` as the end of the text).
 */
const README = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const toml = README.match(/```toml\n([\s\S]*?)```/)?.[1] ?? "";
const regexSource = toml.match(/^regex = '''(.*)'''$/m)?.[1] ?? "";
const secretGroup = Number(toml.match(/^secretGroup = (\d+)$/m)?.[1]);
const entropyFloor = Number(toml.match(/^entropy = ([\d.]+)$/m)?.[1]);

/** What gitleaks would report in `text`: each match's secret group, kept when its entropy is over the floor. */
function gitleaksFindings(text: string): string[] {
  return [...text.matchAll(new RegExp(regexSource, "g"))]
    .map((match) => match[secretGroup] ?? "")
    .filter((secret) => shannonEntropy(secret) > entropyFloor);
}

/** Shannon entropy in bits per character, as gitleaks computes it. */
function shannonEntropy(text: string): number {
  const counts = new Map<string, number>();
  for (const char of text) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) bits -= (count / text.length) * Math.log2(count / text.length);
  return bits;
}

const randomBytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

describe("the README's gitleaks rule", () => {
  it("is in the README: a regex with the key as group 1, an entropy floor and the prefix as keyword", () => {
    expect(regexSource).toBe("(fynex_k_[0-9A-Za-z]{49})(?:[^0-9A-Za-z]|$)");
    expect(secretGroup).toBe(1);
    expect(entropyFloor).toBe(4);
    expect(toml).toContain('keywords = ["fynex_k_"]');
  });

  it("finds every key the secretlint rule finds, wherever it sits in a line or at the end of a file", () => {
    const context = fc.tuple(
      fc.constantFrom("", "KEY=", '"', "x\\n"),
      fc.constantFrom("", "\n", '"', ",", " "),
    );
    fc.assert(
      fc.property(
        fc.array(randomBytes32, { minLength: 1, maxLength: 3 }),
        context,
        (randoms, [before, after]) => {
          const text = randoms.map((random) => `${before}${generateApiKey(random)}${after}`).join(" ");
          const ruleFinds = findFynexKeys(text).map(({ start, end }) => text.slice(start, end));
          expect(gitleaksFindings(text)).toEqual(ruleFinds);
          expect(ruleFinds).toHaveLength(randoms.length);
        },
      ),
    );
  });

  it("skips a key glued to more base62 characters, as the secretlint rule does", () => {
    const key = generateApiKey(new Uint8Array(32).fill(7));
    expect(gitleaksFindings(`token=${key}Z`)).toEqual([]);
  });

  it("drops placeholders by entropy, but reports a random-looking lookalike, which only the checksum tells apart", () => {
    const key = generateApiKey(new Uint8Array(32).fill(9));
    const lookalike = `${key.slice(0, -1)}${key.endsWith("a") ? "b" : "a"}`;

    expect(gitleaksFindings(`KEY=fynex_k_${"x".repeat(49)}\nKEY=fynex_k_${"0".repeat(49)}\n`)).toEqual([]);
    expect(gitleaksFindings(`KEY=${lookalike}\n`)).toEqual([lookalike]);
    expect(findFynexKeys(`KEY=${lookalike}\n`)).toEqual([]);
  });
});
