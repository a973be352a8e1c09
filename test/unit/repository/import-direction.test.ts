import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, posix, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/**
 * The folders whose imports the seam constrains. Only `test/` and `bench/` may import anything: they
 * exercise and measure the functions' code. Everything else outside `lambdas/` reaches a function as
 * AWS does, through its entry module named by path (docs/DECISIONS.md #275).
 */
const SCANNED = ["bin", "contract", "lambdas", "lib", "web", "packages"] as const;

/** The folders whose modules must not import each other in a circle (the page's build script aside). */
const CYCLE_SCANNED = ["contract", "lambdas", "lib", "web/src"] as const;

/** Clients of the API: they speak the contract, never the server's internals (STYLE.md, point 10). */
const CLIENTS = ["web/", "lib/admin-client/"] as const;

/**
 * The packages `contract/` may load (docs/DECISIONS.md #261): zod, in which the route declarations
 * state their requests and answers, and ipaddr.js, in which the address rules those schemas apply
 * (allowlist entries, webhook hosts) are written. Both sides, and the clients, can bundle these.
 */
const CONTRACT_PACKAGES = ["zod", "ipaddr.js"];

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
    // A workspace package is installed alone, in customers' projects: nothing of the service is there.
    // contract/ is the one exception (STYLE.md point 10: a client's types may come from it), which such
    // a package must bundle. Its tests stay in the repository and may hold it to the service's code.
    if (side === "packages" && file.split("/")[2] !== "test") {
      const home = `${file.split("/").slice(0, 2).join("/")}/`;
      if (!target.startsWith(home) && targetSide !== "contract")
        return `${home} ships alone: it imports nothing of the repository but itself and contract/`;
    }
    const client = CLIENTS.find((folder) => file.startsWith(folder));
    if (client && !target.startsWith("contract/") && !target.startsWith(client))
      return `${client} imports contract/ only (and itself)`;
    if (side === "contract" && targetSide !== "contract") return "contract/ imports nothing but contract/";
    if (side === "lambdas" && targetSide !== "lambdas" && targetSide !== "contract")
      return "lambdas/ imports contract/ only, never lib/, bin/ or test/";
    if (side === "lib" && targetSide !== "lib" && targetSide !== "contract")
      return "lib/ imports contract/ only";
    if (side === "bin" && targetSide !== "bin" && targetSide !== "lib" && targetSide !== "contract")
      return "bin/ imports contract/ and lib/ only";
    return undefined;
  }
  const name = packageName(specifier.replace(/^node:/, ""));
  if (side === "contract" && !typeOnly && !CONTRACT_PACKAGES.includes(name))
    return `contract/ loads no package but ${CONTRACT_PACKAGES.join(" and ")} (type-only imports aside)`;
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

/** The project file a relative import names: `./x` is `x.ts`, `x.tsx` or `x/index.ts`; undefined if none. */
function resolveImport(from: string, specifier: string, known: ReadonlySet<string>): string | undefined {
  const target = posix.normalize(posix.join(posix.dirname(from), specifier));
  const candidates = [target, `${target}.ts`, `${target}.tsx`, `${target}/index.ts`, `${target}/index.tsx`];
  return candidates.find((candidate) => known.has(candidate));
}

/**
 * Every circle of relative imports among `files`, type-only imports included (a type placed in the
 * wrong module closes a circle as surely as a value does), each as the path `a → b → a`. A depth-first
 * walk reports one circle per edge back to a module still on the walk's path; none means no circle.
 */
function importCycles(files: SourceFile[]): string[] {
  const known = new Set(files.map((file) => file.path));
  const edges = new Map(
    files.map((file) => [
      file.path,
      [
        ...new Set(
          importsOf(file.text)
            .filter(({ specifier }) => specifier.startsWith("."))
            .flatMap(({ specifier }) => resolveImport(file.path, specifier, known) ?? []),
        ),
      ].sort(),
    ]),
  );
  const cycles = new Set<string>();
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (node: string) => {
    path.push(node);
    for (const next of edges.get(node) ?? []) {
      const at = path.indexOf(next);
      if (at >= 0) {
        const circle = path.slice(at);
        // Written from its first module in sort order, so the same circle reads the same however reached.
        const first = circle.indexOf([...circle].sort()[0] ?? next);
        const rotated = [...circle.slice(first), ...circle.slice(0, first)];
        cycles.add([...rotated, rotated[0]].join(" → "));
      } else if (!done.has(next)) visit(next);
    }
    path.pop();
    done.add(node);
  };
  for (const file of [...known].sort()) if (!done.has(file)) visit(file);
  return [...cycles].sort();
}

function sourceFiles(folder: string): SourceFile[] {
  return readdirSync(join(ROOT, folder), { recursive: true, encoding: "utf8" })
    .filter(
      (name) => /\.(ts|tsx|mts|cts|js|mjs)$/.test(name) && !name.split(/[\\/]/).includes("node_modules"),
    )
    .map((name) => {
      const path = relative(ROOT, join(ROOT, folder, name))
        .split("\\")
        .join("/");
      return { path, text: readFileSync(join(ROOT, path), "utf8") };
    });
}

describe("the seam between infrastructure and code", () => {
  it("holds across bin/, contract/, lambdas/, lib/, web/ and packages/: contract imports neither side, lambdas never lib/ or the CDK, lib/ and bin/ never lambdas/, clients contract/ only, packages themselves and contract/", () => {
    const files = SCANNED.flatMap(sourceFiles);
    expect(files.length).toBeGreaterThan(50);
    expect(files.some((file) => file.path.startsWith("web/src/components/"))).toBe(true);
    expect(files.some((file) => file.path.startsWith("packages/secretlint-rule-fynex/src/"))).toBe(true);
    expect(seamBreaches(files), "imports across the seam (file → import)").toEqual([]);
  });

  it("has no circle of imports among contract/, lambdas/, lib/ and web/src, type-only imports included", () => {
    const files = CYCLE_SCANNED.flatMap(sourceFiles);
    expect(files.length).toBeGreaterThan(50);
    expect(importCycles(files), "circles of imports (each as a path)").toEqual([]);
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

  it("reports the CDK in a handler, and in contract/ anything but contract/, zod and ipaddr.js", () => {
    const files: SourceFile[] = [
      { path: "lambdas/authorizer/authorizer.handler.ts", text: 'import { Duration } from "aws-cdk-lib";\n' },
      { path: "lambdas/authorizer/authorize.ts", text: 'import type { Construct } from "constructs";\n' },
      {
        path: "contract/routes/accounts.ts",
        text: 'import { apiRoute } from "../../lambdas/shared/http/api-route";\n',
      },
      { path: "contract/scopes.ts", text: 'import { DynamoDBClient } from "@aws-sdk/client-dynamodb";\n' },
      { path: "contract/schemas/keys.ts", text: 'import { parse } from "csv-parse/sync";\n' },
      { path: "contract/tables.ts", text: 'export { DATA_TABLE } from "../lib/tables";\n' },
    ];
    expect(seamBreaches(files)).toEqual([
      "lambdas/authorizer/authorizer.handler.ts → aws-cdk-lib (lambdas/ never loads the CDK)",
      "lambdas/authorizer/authorize.ts → constructs (lambdas/ never loads the CDK)",
      "contract/routes/accounts.ts → ../../lambdas/shared/http/api-route (contract/ imports nothing but contract/)",
      "contract/scopes.ts → @aws-sdk/client-dynamodb (contract/ loads no package but zod and ipaddr.js (type-only imports aside))",
      "contract/schemas/keys.ts → csv-parse/sync (contract/ loads no package but zod and ipaddr.js (type-only imports aside))",
      "contract/tables.ts → ../lib/tables (contract/ imports nothing but contract/)",
    ]);
  });

  it("lets each side import what the seam allows, and ignores imports written in comments", () => {
    const files: SourceFile[] = [
      {
        path: "lib/fynex-stack.ts",
        text: 'import { App } from "aws-cdk-lib";\nimport { ROUTES } from "../contract/routes";\n',
      },
      {
        path: "bin/local.ts",
        text: 'import { startLocalRuntime } from "../lib/local/runtime";\nimport type { Runtime } from "../contract/runtime";\n',
      },
      {
        path: "lambdas/accounts/get-account.handler.ts",
        text: '/**\n * import { FynexStack } from "../../lib/fynex-stack";\n */\nimport middy from "@middy/core";\nimport { SCOPES } from "../../contract/scopes";\n',
      },
      {
        path: "contract/routes/index.ts",
        text: 'import type { APIGatewayProxyEvent } from "aws-lambda";\nimport "../scopes";\n',
      },
      {
        path: "contract/schemas/keys.ts",
        text: 'import * as z from "zod";\nimport { normaliseAllowlistEntry } from "../ip-allowlist";\n',
      },
      { path: "contract/ip-allowlist.ts", text: 'import ipaddr from "ipaddr.js";\n' },
    ];
    expect(seamBreaches(files)).toEqual([]);
  });

  it("keeps the page and the CLI to contract/: a type-only import of lambdas/ is reported too", () => {
    const files: SourceFile[] = [
      {
        path: "web/src/api.ts",
        text: 'import type { KeyRecord } from "../../lambdas/shared/api-keys/key-record";\n',
      },
      {
        path: "web/src/components/KeysTable.tsx",
        text: 'import { FynexStack } from "../../../lib/fynex-stack";\n',
      },
      {
        path: "lib/admin-client/output.ts",
        text: 'import type {\n  AuditEvent,\n} from "../../lambdas/shared/api-keys/audit-events";\nimport { config } from "../config";\n',
      },
    ];
    expect(seamBreaches(files)).toEqual([
      "web/src/api.ts → ../../lambdas/shared/api-keys/key-record (web/ imports contract/ only (and itself))",
      "web/src/components/KeysTable.tsx → ../../../lib/fynex-stack (web/ imports contract/ only (and itself))",
      "lib/admin-client/output.ts → ../../lambdas/shared/api-keys/audit-events (lib/admin-client/ imports contract/ only (and itself))",
      "lib/admin-client/output.ts → ../config (lib/admin-client/ imports contract/ only (and itself))",
    ]);
  });

  it("lets the page and the CLI import contract/, their own modules and packages", () => {
    const files: SourceFile[] = [
      {
        path: "web/src/components/KeysTable.tsx",
        text: 'import { useState } from "preact/hooks";\nimport type { KeyRecord } from "../../../contract/api-types";\nimport { ConsoleApi } from "../api";\n',
      },
      { path: "web/build.ts", text: 'import { build } from "esbuild";\n' },
      {
        path: "lib/admin-client/output.ts",
        text: 'import type { KeyRecord } from "../../contract/api-types";\nimport { apiErrorOf } from "./admin-client";\n',
      },
    ];
    expect(seamBreaches(files)).toEqual([]);
  });

  it("keeps lib/ and bin/ out of lambdas/, type-only imports included: they load entry modules by path", () => {
    const files: SourceFile[] = [
      {
        path: "lib/local/server.ts",
        text: 'import { handler } from "../../lambdas/health/health.handler";\n',
      },
      {
        path: "lib/local/runtime.ts",
        text: 'import type { Runtime } from "../../lambdas/shared/runtime";\n',
      },
      { path: "bin/openapi.ts", text: 'import { openApiText } from "../lambdas/openapi/document";\n' },
    ];
    expect(seamBreaches(files)).toEqual([
      "lib/local/server.ts → ../../lambdas/health/health.handler (lib/ imports contract/ only)",
      "lib/local/runtime.ts → ../../lambdas/shared/runtime (lib/ imports contract/ only)",
      "bin/openapi.ts → ../lambdas/openapi/document (bin/ imports contract/ and lib/ only)",
    ]);
  });
  it("keeps a workspace package's code to itself and contract/, and lets its tests reach the service", () => {
    const files: SourceFile[] = [
      {
        path: "packages/secretlint-rule-fynex/src/fynex-keys.ts",
        text: 'import { crc32 } from "../../../lambdas/shared/api-keys/api-key";\nimport { RULE_ID } from "./index.js";\n',
      },
      {
        path: "packages/client/src/errors.ts",
        text: 'import type { ErrorCode } from "../../../contract/error-codes";\nimport { FynexStack } from "../../../lib/fynex-stack";\nimport { isFynexKey } from "../../secretlint-rule-fynex/src/fynex-keys";\n',
      },
      {
        path: "packages/secretlint-rule-fynex/test/unit/rule.test.ts",
        text: 'import { generateApiKey } from "../../../../lambdas/shared/api-keys/api-key";\nimport { creator } from "../../src/index";\n',
      },
    ];
    expect(seamBreaches(files)).toEqual([
      "packages/secretlint-rule-fynex/src/fynex-keys.ts → ../../../lambdas/shared/api-keys/api-key (packages/secretlint-rule-fynex/ ships alone: it imports nothing of the repository but itself and contract/)",
      "packages/client/src/errors.ts → ../../../lib/fynex-stack (packages/client/ ships alone: it imports nothing of the repository but itself and contract/)",
      "packages/client/src/errors.ts → ../../secretlint-rule-fynex/src/fynex-keys (packages/client/ ships alone: it imports nothing of the repository but itself and contract/)",
    ]);
  });
});

describe("the import cycle check", () => {
  it("reports a circle of two modules closed by a type-only import, as a path", () => {
    const files: SourceFile[] = [
      {
        path: "lambdas/key-management/revoke-key.ts",
        text: 'import { revokedEvents } from "./key-events";\n',
      },
      {
        path: "lambdas/key-management/key-events.ts",
        text: 'import type { RevokeOptions } from "./revoke-key";\n',
      },
    ];
    expect(importCycles(files)).toEqual([
      "lambdas/key-management/key-events.ts → lambdas/key-management/revoke-key.ts → lambdas/key-management/key-events.ts",
    ]);
  });

  it("follows ./x to x.ts, x.tsx and x/index.ts, across folders, and reports each circle once", () => {
    const files: SourceFile[] = [
      { path: "web/src/api.ts", text: 'import { Table } from "./components";\n' },
      { path: "web/src/components/index.ts", text: 'export { Table } from "./Table";\n' },
      { path: "web/src/components/Table.tsx", text: 'import type { ConsoleApi } from "../api";\n' },
      { path: "lambdas/shared/http/response.ts", text: 'import { log } from "../observability/log";\n' },
      { path: "lambdas/shared/observability/log.ts", text: 'import { appLogger } from "./telemetry";\n' },
      {
        path: "lambdas/shared/observability/telemetry.ts",
        text: 'import type { HttpResult } from "../http/response";\n',
      },
    ];
    expect(importCycles(files)).toEqual([
      "lambdas/shared/http/response.ts → lambdas/shared/observability/log.ts → lambdas/shared/observability/telemetry.ts → lambdas/shared/http/response.ts",
      "web/src/api.ts → web/src/components/index.ts → web/src/components/Table.tsx → web/src/api.ts",
    ]);
  });

  it("reports no circle where imports only converge, nor for imports in comments or of packages", () => {
    const files: SourceFile[] = [
      { path: "lambdas/a.ts", text: 'import { b } from "./b";\nimport { c } from "./c";\n' },
      { path: "lambdas/b.ts", text: 'import { c } from "./c";\nimport * as z from "zod";\n' },
      {
        path: "lambdas/c.ts",
        text: '/**\n * import { a } from "./a";\n */\nimport { SCOPES } from "../contract/scopes";\n',
      },
      { path: "contract/scopes.ts", text: "export const SCOPES = [];\n" },
    ];
    expect(importCycles(files)).toEqual([]);
  });
});
