import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import openapiTS, { astToString, COMMENT_HEADER } from "openapi-typescript";

/** The API's document, as the server generates it (`npm run openapi` at the root). */
export const DOCUMENT = new URL("../../../docs/openapi.json", import.meta.url);
/** The committed output: every type of the client's paths, operations and schemas. */
export const GENERATED = new URL("../src/openapi.ts", import.meta.url);

const BANNER = `${COMMENT_HEADER.trimEnd()}\n// From docs/openapi.json; regenerate with \`npm run generate -w @fynex/client\`.\n\n`;

/**
 * The client's types from the API's document, by openapi-typescript. `rootTypes` also exports each
 * named schema at the top (`SchemaKeyRecord`, ...), so integrations name an answer without indexing
 * `components`; everything else is the generator's default.
 */
export async function generateTypes(): Promise<string> {
  const nodes = await openapiTS(DOCUMENT, { rootTypes: true, silent: true });
  return `${BANNER}${astToString(nodes)}`;
}

/** `npm run generate` writes the file; `-- --check` only says whether the committed one is current. */
async function main(): Promise<void> {
  const generated = await generateTypes();
  const path = fileURLToPath(GENERATED);
  if (process.argv.includes("--check")) {
    if (readFileSync(path, "utf8") !== generated) {
      console.error(`${path} differs from docs/openapi.json: run \`npm run generate -w @fynex/client\`.`);
      process.exitCode = 1;
    }
    return;
  }
  writeFileSync(path, generated);
  console.log(`wrote ${path}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
