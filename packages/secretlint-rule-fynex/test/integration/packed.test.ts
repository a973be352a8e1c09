import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { loadConfig } from "@secretlint/config-loader";
import { lintSource } from "@secretlint/core";
import type { SecretLintCoreConfig } from "@secretlint/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * The package as a customer gets it: `npm pack` (which builds it first, `prepack`), the tarball
 * unpacked into a fresh project's `node_modules`, and the rule loaded from there by secretlint's own
 * config loader, by the name written in `.secretlintrc.json`. No network: the rule has no runtime
 * dependency, and secretlint's loader and core come from this workspace. The key linted is API.md
 * §1's public test vector, in memory.
 */
const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const ROOT = resolve(PACKAGE_DIR, "../..");
const VECTOR_KEY = "fynex_k_003aUlTJC7tjlCTQj2uNU3MFagCXG9LRKRcwGkBIDlf3oAV0y";

interface PackResult {
  filename: string;
  size: number;
  files: { path: string }[];
}

let work: string;
let project: string;
let installed: string;
let packed: PackResult;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "secretlint-rule-fynex-"));
  project = join(work, "project");
  installed = join(project, "node_modules", "secretlint-rule-fynex");
  // --json writes the result alone on stdout; the build's own lines go to stderr.
  const stdout = execFileSync("npm", ["pack", "--json", "--pack-destination", work], {
    cwd: PACKAGE_DIR,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  [packed] = JSON.parse(stdout) as [PackResult];
  mkdirSync(installed, { recursive: true });
  execFileSync("tar", ["-xzf", join(work, packed.filename), "-C", installed, "--strip-components=1"]);
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ name: "customer-app", private: true, type: "module" }),
  );
  writeFileSync(
    join(project, ".secretlintrc.json"),
    JSON.stringify({ rules: [{ id: "secretlint-rule-fynex" }] }),
  );
}, 60_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

async function lintWith(config: SecretLintCoreConfig, content: string) {
  const result = await lintSource({
    source: { content, filePath: join(project, ".env"), ext: ".env", contentType: "text" },
    options: { config, maskSecrets: true },
  });
  return result.messages;
}

describe("the packed package", () => {
  it("holds the built rule, its declarations and package.json, README and LICENSE, and nothing else", () => {
    expect(packed.files.map((file) => file.path).sort()).toEqual([
      "LICENSE",
      "README.md",
      "dist/fynex-keys.d.ts",
      "dist/fynex-keys.js",
      "dist/index.d.ts",
      "dist/index.js",
      "package.json",
    ]);
  });

  it("is loaded by secretlint from .secretlintrc.json, by its name, and reports a key but not a lookalike", async () => {
    // Act: what the secretlint CLI does first, from the customer's project.
    const { config } = await loadConfig({ cwd: project, node_moduleDir: join(project, "node_modules") });

    // Assess
    expect(config.rules.map((rule) => [rule.id, rule.rule.meta.id])).toEqual([
      ["secretlint-rule-fynex", "secretlint-rule-fynex"],
    ]);
    const messages = await lintWith(config, `FYNEX_API_KEY=${VECTOR_KEY}\n`);
    expect(messages.map((message) => [message.ruleId, message.messageId, message.loc.start])).toEqual([
      ["secretlint-rule-fynex", "FYNEX_API_KEY", { line: 1, column: 14 }],
    ]);
    expect(messages[0]?.message).toContain("fynex_k_003a…AV0y");
    expect(JSON.stringify(messages)).not.toContain(VECTOR_KEY);
    expect(await lintWith(config, `FYNEX_API_KEY=${VECTOR_KEY.slice(0, -1)}z\n`)).toEqual([]);
  });

  it("resolves by its bare name through `exports`, as the secretlint CLI resolves a rule, to the packed files", async () => {
    const entry = createRequire(join(project, "package.json")).resolve("secretlint-rule-fynex");

    expect(entry).toBe(join(installed, "dist", "index.js"));
    const module = await import(pathToFileURL(entry).href);
    expect(module.creator.meta).toMatchObject({ id: "secretlint-rule-fynex", type: "scanner" });
  });

  it("gives a TypeScript project the rule's types, checked against secretlint's", () => {
    // Prepare: secretlint's types beside the package, as installing secretlint puts them.
    mkdirSync(join(project, "node_modules", "@secretlint"), { recursive: true });
    symlinkSync(
      join(ROOT, "node_modules", "@secretlint", "types"),
      join(project, "node_modules", "@secretlint", "types"),
      "dir",
    );
    writeFileSync(
      join(project, "check.ts"),
      [
        'import type { SecretLintRuleCreator } from "@secretlint/types";',
        'import { creator, type FoundFynexKey, findFynexKeys, isFynexKey } from "secretlint-rule-fynex";',
        "export const rule: SecretLintRuleCreator<Record<string, never>> = creator;",
        'export const found: FoundFynexKey[] = findFynexKeys("FYNEX_API_KEY=...");',
        'export const checked: boolean = isFynexKey("fynex_k_...");',
        "",
      ].join("\n"),
    );
    writeFileSync(
      join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          noEmit: true,
          types: [],
        },
        files: ["check.ts"],
      }),
    );

    // Act: a failing check throws, with tsc's diagnostics.
    const check = () =>
      execFileSync(join(ROOT, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.json"], {
        cwd: project,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      });

    // Assess
    expect(check).not.toThrow();
  });
});
