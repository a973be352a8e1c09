import { writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startLocalRuntime } from "../lib/local/runtime";

/**
 * `npm run openapi`: regenerates `docs/openapi.json` as the API serves it: the local runtime answers
 * `GET /api/v1/openapi.json` through the document's own function, built from the route table, whose
 * declarations carry everything the document says. A test fails while the committed file differs from the generated document.
 */
const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const target = resolve(projectRoot, "docs/openapi.json");
const local = await startLocalRuntime({
  projectRoot,
  port: 0,
  webhookDelivery: { enabled: false },
  usageHistory: { enabled: false },
});
try {
  const answer = await fetch(`${local.url}/api/v1/openapi.json`);
  if (!answer.ok) throw new Error(`GET /api/v1/openapi.json answered ${answer.status}`);
  writeFileSync(target, `${JSON.stringify(await answer.json(), null, 2)}\n`);
  console.log(`Wrote ${target}`);
} finally {
  await local.close();
}
