import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { sameDigest } from "../../lambdas/shared/api-keys/api-key";
import { PROJECT_ROOT } from "../integration/harness";

/**
 * Secrets are compared in constant time wherever they are compared (docs/SECURITY.md lists each
 * place). A source scan finds every `===`/`!==` whose operand names a secret, a hash, a token, a
 * signature or a password and whose other side is not a literal: there must be none. Comparisons
 * with `undefined`, `null`, a string literal or `typeof` are checks of presence or kind, not of value.
 */
const SECRET_NAME = /(hash|secret|token|signature|password|apikey|adminkey)/i;
const OPERAND = String.raw`[\w$]+(?:\??\.[\w$]+|\[[^\]\n]*\])*`;
const COMPARISON = new RegExp(
  String.raw`(${OPERAND})\s*(?:===|!==|==|!=)\s*(${OPERAND}|"[^"\n]*"|'[^'\n]*'|\d+)`,
  "g",
);
const LITERAL = /^(undefined|null|true|false|\d+|"[^"]*"|'[^']*')$/;

/** The secret comparisons of `source`, as `line: text`. */
function secretComparisons(source: string): string[] {
  const found: string[] = [];
  source.split("\n").forEach((line, index) => {
    if (/^\s*(\/\/|\*)/.test(line)) return;
    for (const match of line.matchAll(COMPARISON)) {
      const [, left = "", right = ""] = match;
      const before = line.slice(0, match.index);
      if (/typeof\s*$/.test(before)) continue;
      if (LITERAL.test(left) || LITERAL.test(right)) continue;
      if (/\.length$/.test(left) || /\.length$/.test(right)) continue;
      if (SECRET_NAME.test(left) || SECRET_NAME.test(right)) found.push(`${index + 1}: ${line.trim()}`);
    }
  });
  return found;
}

function sources(dir: string): string[] {
  return readdirSync(join(PROJECT_ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => join(entry.parentPath, entry.name));
}

describe("comparisons of secrets", () => {
  it("finds a secret compared with === (the scan can fail)", () => {
    expect(secretComparisons("if (stored.hash === presentedHash) allow();")).toHaveLength(1);
    expect(secretComparisons("return item?.signingSecret !== secret;")).toHaveLength(1);
    // The two this scan found, since replaced by sameDigest:
    expect(secretComparisons('  if (old.hash?.S !== hashHex) return "unknown";')).toHaveLength(1);
    expect(
      secretComparisons("  return item?.hash === hashHex ? record(deps, item) : undefined;"),
    ).toHaveLength(1);
    expect(secretComparisons('if (token !== undefined && typeof secret === "string") go();')).toEqual([]);
  });

  it("are never made with === or !== in the code that deploys or runs locally", () => {
    const offenders = ["lambdas", "lib", "bin"]
      .flatMap(sources)
      .flatMap((file) =>
        secretComparisons(readFileSync(file, "utf8")).map(
          (line) => `${relative(PROJECT_ROOT, file)}:${line}`,
        ),
      );
    expect(offenders).toEqual([]);
  });

  it("go through timingSafeEqual: the admin token locally, and the key digests", () => {
    expect(readFileSync(join(PROJECT_ROOT, "lib/local/gateway/server.ts"), "utf8")).toMatch(
      /timingSafeEqual\(/,
    );
    expect(readFileSync(join(PROJECT_ROOT, "lambdas/shared/api-keys/api-key.ts"), "utf8")).toMatch(
      /timingSafeEqual\(/,
    );
    for (const file of ["lambdas/authorizer/authorize.ts", "lambdas/key-management/get-key.ts"]) {
      expect(readFileSync(join(PROJECT_ROOT, file), "utf8"), file).toMatch(/sameDigest\(/);
    }
  });

  it("sameDigest tells equal digests from different ones, of any length", () => {
    const digest = "c1f996ff0b66c7511308ea0f18906426097df8ba053d122238d3ecad2cc6a51e";
    expect(sameDigest(digest, digest)).toBe(true);
    expect(sameDigest(`${digest.slice(0, -1)}f`, digest)).toBe(false);
    expect(sameDigest(digest.slice(1), digest)).toBe(false);
    expect(sameDigest(undefined, digest)).toBe(false);
    expect(sameDigest("", "")).toBe(true);
  });
});
