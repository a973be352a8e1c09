import { writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { openApiText } from "../lambdas/openapi/document";

/**
 * `npm run openapi`: regenerates `docs/openapi.json` from the route table, whose declarations carry
 * everything the document says (a route cannot be declared without its summary, tag and answer). A
 * test fails while the committed file differs from what this writes.
 */
const target = resolve(dirname(fileURLToPath(import.meta.url)), "../docs/openapi.json");
writeFileSync(target, openApiText());
console.log(`Wrote ${target}`);
