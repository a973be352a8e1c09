import { extname } from "node:path";
import { loadPackagesFromConfigDescriptor } from "@secretlint/config-loader";
import { lintSource } from "@secretlint/core";
import type { SecretLintCoreResultMessage } from "@secretlint/types";
import { describe, expect, it } from "vitest";
import { generateApiKey } from "../../../../lambdas/shared/api-keys/api-key";
import { creator, RULE_ID } from "../../src/index";

/**
 * The rule run by secretlint's own core (`lintSource`), on sources held in memory: no key is ever
 * written to a file. Keys come from the service's generator and from API.md §1's public test vector.
 * The configuration goes through secretlint's config loader, as `.secretlintrc.json` does, with the
 * rule's source standing in for the installed package (the loader's own hook for testing rules;
 * `test/integration/packed.test.ts` loads the packed package by its name).
 */
const VECTOR_KEY = "fynex_k_003aUlTJC7tjlCTQj2uNU3MFagCXG9LRKRcwGkBIDlf3oAV0y";
const VECTOR_HINT = "fynex_k_003a…AV0y";

/** A key the service would issue, from fixed random bytes so that failures are reproducible. */
const keyFrom = (seed: number) =>
  generateApiKey(Uint8Array.from({ length: 32 }, (_, i) => (seed * 31 + i * 7) & 0xff));

/** The key with its last character changed: the same shape, a wrong checksum. */
const lookalike = (key: string) => `${key.slice(0, -1)}${key.endsWith("a") ? "b" : "a"}`;

const { config } = await loadPackagesFromConfigDescriptor({
  configDescriptor: { rules: [{ id: RULE_ID }] },
  testReplaceDefinitions: [{ id: RULE_ID, rule: creator }],
});

async function lint(
  content: string,
  filePath: string,
  maskSecrets = false,
): Promise<SecretLintCoreResultMessage[]> {
  const result = await lintSource({
    source: { content, filePath, ext: extname(filePath), contentType: "text" },
    options: { config, maskSecrets },
  });
  return result.messages;
}

/** What a report says about where the key is: the text it covers, its line and column (1-based, 0-based). */
const where = (content: string, message: SecretLintCoreResultMessage) => ({
  text: content.slice(message.range[0], message.range[1]),
  line: message.loc.start.line,
  column: message.loc.start.column,
});

describe("secretlint-rule-fynex under secretlint's core", () => {
  it("reports API.md's test vector key in a .env file, as an error naming the key by its hint only", async () => {
    // Prepare
    const content = `# billing integration\nFYNEX_API_KEY=${VECTOR_KEY}\nFYNEX_URL=https://api.fynex.example\n`;

    // Act
    const messages = await lint(content, ".env");

    // Assess
    expect(messages).toHaveLength(1);
    const [report] = messages as [SecretLintCoreResultMessage];
    expect(report).toMatchObject({ ruleId: RULE_ID, messageId: "FYNEX_API_KEY", severity: "error" });
    expect(where(content, report)).toEqual({ text: VECTOR_KEY, line: 2, column: 14 });
    expect(report.message).toContain(VECTOR_HINT);
    expect(JSON.stringify(report)).not.toContain(VECTOR_KEY);
  });

  it("does not report a lookalike whose checksum is wrong", async () => {
    const content = `FYNEX_API_KEY=${lookalike(VECTOR_KEY)}\nFYNEX_EXAMPLE=fynex_k_${"x".repeat(49)}\n`;

    expect(await lint(content, ".env.example")).toEqual([]);
  });

  it("reports a key in JSON, after an escaped newline too, at its line and column", async () => {
    // Prepare
    const first = keyFrom(3);
    const second = keyFrom(4);
    const content = JSON.stringify({ fynex: { apiKey: first, note: `old key:\n${second}` } }, null, 2);

    // Act
    const messages = await lint(content, "config/production.json");

    // Assess: JSON.stringify writes the newline as `\n`, so the second key follows the letter n.
    expect(messages.map((message) => where(content, message))).toEqual([
      { text: first, line: 3, column: 15 },
      { text: second, line: 4, column: 23 },
    ]);
  });

  it("reports a key in TypeScript source", async () => {
    const key = keyFrom(5);
    const content = [
      'import { Fynex } from "@fynex/client";',
      "",
      `const fynex = new Fynex({ apiKey: \`${key}\` });`,
      "",
    ].join("\n");

    const messages = await lint(content, "src/fynex.ts");

    expect(messages.map((message) => where(content, message))).toEqual([{ text: key, line: 3, column: 35 }]);
  });

  it("reports two keys on one line, each at its own place", async () => {
    const [a, b] = [keyFrom(6), keyFrom(7)];
    const content = `FYNEX_KEYS=${a},${b}\n`;

    const messages = await lint(content, ".env");

    expect(messages.map((message) => where(content, message))).toEqual([
      { text: a, line: 1, column: 11 },
      { text: b, line: 1, column: 69 },
    ]);
  });

  it("does not report a key glued to more base62 characters: a longer run is another string", async () => {
    const [key, other] = [keyFrom(8), keyFrom(9)];
    const together = `token=${key}${other}\n`;

    expect(await lint(`token=${key}Z\n`, ".env")).toEqual([]);
    // Two keys written together: the first runs on into the second, which ends where a key ends.
    expect((await lint(together, ".env")).map((message) => where(together, message).text)).toEqual([other]);
    // Characters before the prefix do not matter: the prefix marks where a key starts.
    expect(await lint(`token=Bearer${key}\n`, ".env")).toHaveLength(1);
  });

  it("keeps the hint readable under secretlint's masking (the CLI's default): the report holds nothing to mask", async () => {
    const key = keyFrom(10);

    const [masked] = await lint(`FYNEX_API_KEY=${key}\n`, ".env", true);

    expect(masked?.message).toContain(`${key.slice(0, 12)}…${key.slice(-4)}`);
    expect(masked?.data).toBeUndefined();
    expect(JSON.stringify(masked)).not.toContain(key);
  });
});
