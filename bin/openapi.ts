import { writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { openApiText, undocumentedRoutes } from "../lambdas/openapi/document";

/**
 * `npm run openapi`: regenerates `docs/openapi.json` from the route table and the zod schemas. A test
 * fails while the committed file differs from what this writes.
 */
const target = resolve(dirname(fileURLToPath(import.meta.url)), "../docs/openapi.json");
const missing = undocumentedRoutes();
if (missing.length > 0) {
  console.error(
    `These routes have no entry in lambdas/openapi/route-docs.ts, so the document leaves them out:\n${missing
      .map((route) => `  ${route.method} ${route.path}`)
      .join("\n")}`,
  );
  process.exitCode = 1;
}
writeFileSync(target, openApiText());
console.log(`Wrote ${target}`);
