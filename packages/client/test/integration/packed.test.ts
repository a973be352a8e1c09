import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * The package as a customer gets it: `npm pack` (which builds it first, `prepack`), then
 * `npm install --offline` of the tarball into a fresh project outside the repository, then that
 * project's own code, type-checked with `--strict` by TypeScript 5 and run by Node. No network: the
 * client's runtime dependencies (openapi-fetch and what it needs) are packed from this workspace's
 * `node_modules` and installed beside it, so npm finds every dependency satisfied and fetches nothing.
 */
const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const ROOT = resolve(PACKAGE_DIR, "../..");
/** The workspace's own TypeScript 5 (npm nests it here: the root's is 7). */
const TSC = join(PACKAGE_DIR, "node_modules", ".bin", "tsc");

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string }[];
}

let work: string;
let project: string;
let packed: PackResult;

const run = (command: string, args: string[], cwd: string) =>
  execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

/** `name` and its dependencies, transitively, as installed in the workspace's `node_modules`. */
function installedClosure(names: string[], seen = new Set<string>()): Set<string> {
  for (const name of names) {
    if (seen.has(name)) continue;
    seen.add(name);
    const manifest = JSON.parse(readFileSync(join(ROOT, "node_modules", name, "package.json"), "utf8"));
    installedClosure(Object.keys(manifest.dependencies ?? {}), seen);
  }
  return seen;
}

/** An integration's code: each call typed by the document, and two mistakes the types must refuse. */
const CHECK = `import {
  createFynexClient,
  FynexApiError,
  type FynexErrorCode,
  paginate,
  type SchemaAccount,
  unwrap,
  verifyWebhook,
} from "@fynex/client";

const fynex = createFynexClient({ baseUrl: "https://api.fynex.solutions", apiKey: "fynex_k_example" });

export async function names(): Promise<string[]> {
  const found: string[] = [];
  for await (const account of paginate((cursor) => fynex.GET("/api/v1/accounts", { params: { query: { cursor } } }))) {
    found.push(account.name);
  }
  return found;
}

export async function create(): Promise<SchemaAccount | FynexErrorCode> {
  try {
    return unwrap(await fynex.POST("/api/v1/accounts", { body: { name: "Globex", currency: "EUR" } }));
  } catch (error) {
    if (error instanceof FynexApiError) return error.code;
    throw error;
  }
}

export const verified: Promise<boolean> = verifyWebhook("{}", "t=1,v1=00", "whsec_example", { toleranceSeconds: 60 });

// @ts-expect-error: no such path in the document
void fynex.GET("/api/v1/nowhere");
// @ts-expect-error: an account needs its currency
void fynex.POST("/api/v1/accounts", { body: { name: "Globex" } });
`;

/** The README's TypeScript blocks, as written. */
function readmeBlocks(): string[] {
  const readme = readFileSync(join(PACKAGE_DIR, "README.md"), "utf8");
  return [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] ?? "");
}

/**
 * What a README block takes from the text around it: the package's imports (unless it has its own),
 * the client it calls (unless it creates one) and the `save` of the paging example.
 */
function readmePrelude(block: string): string {
  return [
    block.includes('from "@fynex/client"')
      ? ""
      : 'import { createFynexClient, FynexApiError, pages, paginate, unwrap } from "@fynex/client";',
    'import type { FynexClient as ReadmeClient } from "@fynex/client";',
    /const fynex\b/.test(block) ? "" : "declare const fynex: ReadmeClient;",
    "declare function save(page: unknown): Promise<void>;",
    "export {};",
    "",
  ].join("\n");
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "fynex-client-"));
  project = join(work, "project");
  // --json writes the result alone on stdout; the build's own lines go to stderr.
  [packed] = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", work], PACKAGE_DIR)) as [
    PackResult,
  ];
  const manifest = JSON.parse(readFileSync(join(PACKAGE_DIR, "package.json"), "utf8"));
  const dependencies = [...installedClosure(Object.keys(manifest.dependencies))];
  const packedDependencies = JSON.parse(
    run(
      "npm",
      [
        "pack",
        "--json",
        "--ignore-scripts",
        "--pack-destination",
        work,
        ...dependencies.map((name) => join(ROOT, "node_modules", name)),
      ],
      work,
    ),
  ) as PackResult[];
  const tarballs = [packed, ...packedDependencies].map((result) => join(work, result.filename));
  mkdirSync(project);
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ name: "customer-app", private: true, type: "module" }),
  );
  run("npm", ["install", "--offline", "--ignore-scripts", "--no-audit", "--no-fund", ...tarballs], project);
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("the packed @fynex/client", () => {
  it("holds the built modules, their declarations, package.json, README and LICENSE, and nothing else", () => {
    const modules = ["client", "errors", "index", "openapi", "pages", "retry", "webhooks"];
    expect(packed.files.map((file) => file.path).sort()).toEqual(
      [
        "LICENSE",
        "README.md",
        "package.json",
        ...modules.flatMap((module) => [`dist/${module}.d.ts`, `dist/${module}.js`]),
      ].sort(),
    );
  });

  it("gives a fresh --strict TypeScript project the document's types, and compiles the README's code", () => {
    // Prepare: what an integration writes, two mistakes the types must catch, and each TypeScript block of
    // the README as a module of its own. @types/node comes from this workspace, as a Node project has it.
    mkdirSync(join(project, "node_modules", "@types"), { recursive: true });
    symlinkSync(
      join(ROOT, "node_modules", "@types", "node"),
      join(project, "node_modules", "@types", "node"),
      "dir",
    );
    writeFileSync(join(project, "check.ts"), CHECK);
    const readmeFiles = readmeBlocks().map((block, i) => {
      const file = `readme-${i}.ts`;
      writeFileSync(join(project, file), `${readmePrelude(block)}${block}`);
      return file;
    });
    writeFileSync(
      join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          lib: ["ES2022", "DOM"],
          types: ["node"],
          strict: true,
          // As `tsc --init` sets it, and most projects keep it: checking every library's declarations
          // (DOM's, Node's, openapi-fetch's) took four times as long. The package's own are checked when
          // they are built, and the `@ts-expect-error` lines fail if its types resolve to `any`.
          skipLibCheck: true,
          noEmit: true,
        },
        files: ["check.ts", ...readmeFiles],
      }),
    );

    // Act: a failing check throws, with tsc's diagnostics on stdout.
    const check = () => run(TSC, ["-p", "tsconfig.json"], project);

    // Assess
    expect(run(TSC, ["--version"], project)).toMatch(/^Version 5\./);
    expect(readmeFiles.length).toBeGreaterThanOrEqual(6);
    expect(check).not.toThrow();
  });

  it("runs on Node from the installed files: retries a 429, throws a typed error, verifies a signature", () => {
    // Prepare: a scripted fetch (no network), and a signature made with node:crypto as the server does.
    writeFileSync(
      join(project, "run.mjs"),
      `import { createHmac } from "node:crypto";
import { createFynexClient, FynexApiError, unwrap, verifyWebhook } from "@fynex/client";

const answers = [
  new Response("{}", { status: 429, headers: { "Retry-After": "2" } }),
  Response.json({ items: [{ id: "acc_1" }], nextCursor: null }),
  Response.json(
    { error: { code: "insufficient_scope", message: "Needs accounts:write.", requestId: "r-1", details: [] } },
    { status: 403 },
  ),
];
const waits = [];
const fynex = createFynexClient({
  baseUrl: "https://api.fynex.test",
  apiKey: "fynex_k_example",
  fetch: async () => answers.shift(),
  retry: { sleep: async (ms) => waits.push(ms) },
});
const page = unwrap(await fynex.GET("/api/v1/accounts"));
let error;
try {
  unwrap(await fynex.POST("/api/v1/accounts", { body: { name: "Globex", currency: "EUR" } }));
} catch (caught) {
  error = caught instanceof FynexApiError && { status: caught.status, code: caught.code, requestId: caught.requestId };
}
const body = '{"id":"evt_1"}';
const t = Math.floor(Date.now() / 1000);
const v1 = createHmac("sha256", "whsec_example").update(t + "." + body).digest("hex");
const verified = await verifyWebhook(body, "t=" + t + ",v1=" + v1, "whsec_example");
console.log(JSON.stringify({ page, waits, error, verified }));
`,
    );

    // Act
    const output = JSON.parse(run(process.execPath, ["run.mjs"], project));

    // Assess
    expect(output).toEqual({
      page: { items: [{ id: "acc_1" }], nextCursor: null },
      waits: [2000],
      error: { status: 403, code: "insufficient_scope", requestId: "r-1" },
      verified: true,
    });
  });
});
