import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, posix, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** The folders whose imports the seam constrains; `bin/`, `bench/` and `test/` may import anything. */
const SCANNED = ["contract", "lambdas", "lib"] as const;

/** Packages that only the stack may load: in a function bundle they would add megabytes and a CDK app. */
const CDK_PACKAGES = ["aws-cdk-lib", "constructs", "cdk-nag", "aws-cdk"];

interface SourceFile {
  /** Path from the project root, with forward slashes. */
  path: string;
  text: string;
}

interface ImportRef {
  specifier: string;
  typeOnly: boolean;
}

/**
 * Every module a file names: static imports and re-exports (multi-line included), side-effect imports,
 * dynamic `import()` (type positions too) and `require()`. A line-anchored scan: TSDoc lines start with
 * `*`, so an example in a comment is not taken for an import.
 */
function importsOf(text: string): ImportRef[] {
  const refs: ImportRef[] = [];
  const statement = /^\s*(import|export)\s+(type\s+)?[^;]*?\bfrom\s*["']([^"']+)["']/gms;
  for (const match of text.matchAll(statement)) {
    refs.push({ specifier: match[3] ?? "", typeOnly: match[2] !== undefined });
  }
  for (const match of text.matchAll(/^\s*import\s*["']([^"']+)["']/gm)) {
    refs.push({ specifier: match[1] ?? "", typeOnly: false });
  }
  for (const match of text.matchAll(/\b(?:import|require)\s*\(\s*["']([^"']+)["']\s*\)/g)) {
    refs.push({ specifier: match[1] ?? "", typeOnly: false });
  }
  return refs;
}

const packageName = (specifier: string) =>
  specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : (specifier.split("/")[0] ?? "");

/** Why `file` may not import `specifier`, or undefined when the seam allows it. */
function breach(file: string, { specifier, typeOnly }: ImportRef): string | undefined {
  const side = file.split("/")[0];
  if (specifier.startsWith(".")) {
    const target = posix.normalize(posix.join(posix.dirname(file), specifier));
    const targetSide = target.split("/")[0];
    if (target.startsWith("..")) return "reaches outside the project";
    if (side === "contract" && targetSide !== "contract") return "contract/ imports nothing but contract/";
    if (side === "lambdas" && targetSide !== "lambdas" && targetSide !== "contract")
      return "lambdas/ imports contract/ only, never lib/, bin/ or test/";
    if (side === "lib" && targetSide !== "lib" && targetSide !== "lambdas" && targetSide !== "contract")
      return "lib/ imports contract/ and lambdas/ only";
    return undefined;
  }
  const name = packageName(specifier.replace(/^node:/, ""));
  if (side === "contract" && !typeOnly) return "contract/ loads no package (type-only imports aside)";
  if (side === "lambdas" && CDK_PACKAGES.includes(name)) return "lambdas/ never loads the CDK";
  return undefined;
}

/** Every import across the seam, as `file → import (why)`: the list a failing test prints. */
function seamBreaches(files: SourceFile[]): string[] {
  return files.flatMap((file) =>
    importsOf(file.text).flatMap((ref) => {
      const why = breach(file.path, ref);
      return why === undefined ? [] : [`${file.path} → ${ref.specifier} (${why})`];
    }),
  );
}

function sourceFiles(folder: string): SourceFile[] {
  return readdirSync(join(ROOT, folder), { recursive: true, encoding: "utf8" })
    .filter((name) => /\.(ts|mts|cts|js|mjs)$/.test(name))
    .map((name) => {
      const path = relative(ROOT, join(ROOT, folder, name))
        .split("\\")
        .join("/");
      return { path, text: readFileSync(join(ROOT, path), "utf8") };
    });
}

describe("the seam between infrastructure and code", () => {
  it("holds across contract/, lambdas/ and lib/: contract imports neither side, lambdas never lib/ or the CDK", () => {
    const files = SCANNED.flatMap(sourceFiles);
    expect(files.length).toBeGreaterThan(50);
    expect(seamBreaches(files), "imports across the seam (file → import)").toEqual([]);
  });

  it("reports a handler that imports lib/, wherever the import statement is split", () => {
    const files: SourceFile[] = [
      {
        path: "lambdas/accounts/list-accounts.handler.ts",
        text: 'import { ROUTES } from "../../contract/routes";\nimport { FynexStack } from "../../lib/fynex-stack";\n',
      },
      {
        path: "lambdas/shared/http/api-route.ts",
        text: 'import {\n  environmentConfig,\n  type EnvironmentConfig,\n} from "../../../lib/config";\n',
      },
      {
        path: "lambdas/webhooks/dispatcher.ts",
        text: 'const stack = await import("../../lib/fynex-stack");\n',
      },
    ];
    expect(seamBreaches(files)).toEqual([
      "lambdas/accounts/list-accounts.handler.ts → ../../lib/fynex-stack (lambdas/ imports contract/ only, never lib/, bin/ or test/)",
      "lambdas/shared/http/api-route.ts → ../../../lib/config (lambdas/ imports contract/ only, never lib/, bin/ or test/)",
      "lambdas/webhooks/dispatcher.ts → ../../lib/fynex-stack (lambdas/ imports contract/ only, never lib/, bin/ or test/)",
    ]);
  });

  it("reports the CDK in a handler and anything but contract/ in contract/", () => {
    const files: SourceFile[] = [
      { path: "lambdas/authorizer/authorizer.handler.ts", text: 'import { Duration } from "aws-cdk-lib";\n' },
      { path: "lambdas/authorizer/authorize.ts", text: 'import type { Construct } from "constructs";\n' },
      { path: "contract/routes.ts", text: 'import { SCOPES } from "../lambdas/shared/scopes";\n' },
      { path: "contract/scopes.ts", text: 'import { z } from "zod";\n' },
      { path: "contract/tables.ts", text: 'export { DATA_TABLE } from "../lib/tables";\n' },
    ];
    expect(seamBreaches(files)).toEqual([
      "lambdas/authorizer/authorizer.handler.ts → aws-cdk-lib (lambdas/ never loads the CDK)",
      "lambdas/authorizer/authorize.ts → constructs (lambdas/ never loads the CDK)",
      "contract/routes.ts → ../lambdas/shared/scopes (contract/ imports nothing but contract/)",
      "contract/scopes.ts → zod (contract/ loads no package (type-only imports aside))",
      "contract/tables.ts → ../lib/tables (contract/ imports nothing but contract/)",
    ]);
  });

  it("lets each side import what the seam allows, and ignores imports written in comments", () => {
    const files: SourceFile[] = [
      {
        path: "lib/fynex-stack.ts",
        text: 'import { App } from "aws-cdk-lib";\nimport { ROUTES } from "../contract/routes";\nimport { log } from "../lambdas/shared/observability/log";\n',
      },
      {
        path: "lambdas/accounts/get-account.handler.ts",
        text: '/**\n * import { FynexStack } from "../../lib/fynex-stack";\n */\nimport middy from "@middy/core";\nimport { SCOPES } from "../../contract/scopes";\n',
      },
      {
        path: "contract/routes.ts",
        text: 'import type { APIGatewayProxyEvent } from "aws-lambda";\nimport "./scopes";\n',
      },
    ];
    expect(seamBreaches(files)).toEqual([]);
  });
});
