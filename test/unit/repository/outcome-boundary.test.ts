import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, posix, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/**
 * The HTTP edge (docs/DECISIONS.md #251): the only modules under `lambdas/` that may speak HTTP.
 * Entry modules; the shared chain, validation and the one mapping (`lambdas/shared/http/`); key
 * management's doors and the operations they serve (which parse requests and payloads and map the
 * verbs' outcomes); the OpenAPI document, which describes the HTTP contract; and the chain's
 * request-log middleware, which reads the status it answered. Every other module is a store, a
 * service or a declaration they share, and knows nothing of HTTP.
 */
function isEdge(path: string): boolean {
  return (
    path.endsWith(".handler.ts") ||
    path.startsWith("lambdas/shared/http/") ||
    path.startsWith("lambdas/key-management/doors/") ||
    path === "lambdas/key-management/operations.ts" ||
    path.startsWith("lambdas/openapi/") ||
    path === "lambdas/shared/observability/telemetry.ts"
  );
}

interface SourceFile {
  /** Path from the project root, with forward slashes. */
  path: string;
  text: string;
}

/**
 * The code of a module without its comments: a comment may say what the edge answers ("a 404"),
 * only code can depend on it. Block comments, and line comments that start a line or follow a space
 * (not the `//` inside a URL literal).
 */
const codeOf = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|\s)\/\/.*$/gm, "$1");

/** Every module specifier a file names: static imports, re-exports, `import()` and `require()`. */
function specifiersOf(code: string): string[] {
  const found: string[] = [];
  for (const match of code.matchAll(/^\s*(?:import|export)\s[^;]*?\bfrom\s*["']([^"']+)["']/gms)) {
    found.push(match[1] ?? "");
  }
  for (const match of code.matchAll(/\b(?:import|require)\s*\(\s*["']([^"']+)["']\s*\)/g)) {
    found.push(match[1] ?? "");
  }
  return found;
}

/** What of HTTP a store or service module knows, one line per breach (empty for an edge module). */
function httpBreaches(file: SourceFile): string[] {
  if (isEdge(file.path)) return [];
  const code = codeOf(file.text);
  const breaches: string[] = [];
  for (const specifier of specifiersOf(code)) {
    if (!specifier.startsWith(".")) continue;
    const target = posix.normalize(posix.join(posix.dirname(file.path), specifier));
    if (target.startsWith("lambdas/shared/http/") || target === "lambdas/shared/http") {
      breaches.push(`${file.path} imports ${specifier} (the HTTP edge)`);
    }
    if (target === "contract/error-codes") {
      breaches.push(`${file.path} imports ${specifier} (error codes and their statuses are the edge's)`);
    }
  }
  for (const match of code.matchAll(/["'`]((?:query|headers)\.[^"'`]*)/g)) {
    breaches.push(`${file.path} names the detail path "${match[1]}" (the edge says where a field came from)`);
  }
  for (const match of code.matchAll(/\bstatusCode\s*[:=]\s*(\d{3})\b/g)) {
    breaches.push(`${file.path} answers status ${match[1]} (only the edge knows statuses)`);
  }
  for (const match of code.matchAll(/\b(HttpError|HttpResult|ERROR_STATUS)\b/g)) {
    breaches.push(`${file.path} uses ${match[1]} (the edge's)`);
  }
  return breaches;
}

function lambdaModules(): SourceFile[] {
  return readdirSync(join(ROOT, "lambdas"), { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".ts"))
    .map((name) => {
      const path = relative(ROOT, join(ROOT, "lambdas", name))
        .split("\\")
        .join("/");
      return { path, text: readFileSync(join(ROOT, path), "utf8") };
    });
}

describe("stores and services know nothing of HTTP", () => {
  it("holds for every module under lambdas/ but the edge", () => {
    // Prepare
    const files = lambdaModules();
    const stores = files.filter((file) => !isEdge(file.path));

    // Act
    const breaches = files.flatMap(httpBreaches);

    // Assess
    expect(stores.length).toBeGreaterThan(60);
    expect(stores.map((file) => file.path)).toEqual(
      expect.arrayContaining([
        "lambdas/accounts/account-store.ts",
        "lambdas/payments/payment-store.ts",
        "lambdas/webhooks/delivery-store.ts",
        "lambdas/key-management/create-key.ts",
        "lambdas/shared/dynamo/data-store.ts",
        "lambdas/import/import-service.ts",
        "lambdas/export/export-page.ts",
        "lambdas/secret-scanning/leak-report.ts",
      ]),
    );
    expect(breaches, "stores and services that know HTTP (file, what)").toEqual([]);
  });

  it("reports a store that imports the edge, names a detail path or answers a status", () => {
    // Prepare
    const store: SourceFile = {
      path: "lambdas/payments/payment-store.ts",
      text: [
        'import type { HttpResult } from "../shared/http/response";',
        'import {\n  validationError,\n} from "../shared/http/errors";',
        'import { ERROR_STATUS } from "../../contract/error-codes";',
        'const bad = () => ({ path: "query.cursor", message: "The cursor is not valid." });',
        "const where = `headers.Idempotency-Key`;",
        "const answer = { statusCode: 201, body };",
      ].join("\n"),
    };

    // Act
    const breaches = httpBreaches(store);

    // Assess
    expect(breaches).toEqual([
      "lambdas/payments/payment-store.ts imports ../shared/http/response (the HTTP edge)",
      "lambdas/payments/payment-store.ts imports ../shared/http/errors (the HTTP edge)",
      "lambdas/payments/payment-store.ts imports ../../contract/error-codes (error codes and their statuses are the edge's)",
      'lambdas/payments/payment-store.ts names the detail path "query.cursor" (the edge says where a field came from)',
      'lambdas/payments/payment-store.ts names the detail path "headers.Idempotency-Key" (the edge says where a field came from)',
      "lambdas/payments/payment-store.ts answers status 201 (only the edge knows statuses)",
      "lambdas/payments/payment-store.ts uses HttpResult (the edge's)",
      "lambdas/payments/payment-store.ts uses ERROR_STATUS (the edge's)",
    ]);
  });

  it("lets the edge speak HTTP, and reads code rather than comments", () => {
    // Prepare
    const edge: SourceFile = {
      path: "lambdas/accounts/get-account.handler.ts",
      text: 'import { apiRoute } from "../shared/http/api-route";\nconst ok = { statusCode: 200 };\n',
    };
    const documented: SourceFile = {
      path: "lambdas/shared/dynamo/data-store.ts",
      text: [
        "/** A cursor of another list: the edge answers 400 at `query.cursor` (not `statusCode: 500`). */",
        'const url = "https://example.com/a"; // HttpError is the edge\'s',
        "const page = query.limit;",
      ].join("\n"),
    };

    // Act
    const breaches = [...httpBreaches(edge), ...httpBreaches(documented)];

    // Assess
    expect(breaches).toEqual([]);
  });
});
