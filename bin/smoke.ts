import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * `npm run smoke -- --url <stage URL>`: the integration suite in its remote mode against a deployed
 * stage (`FYNEX_BASE_URL`, test/integration/target.ts). Admin calls are signed with SigV4 from the
 * default credential chain; tests that need the local runtime's clock or internals skip themselves.
 */
const USAGE = [
  "usage: npm run smoke -- --url <stage URL> [vitest arguments]",
  "",
  "  --url  the stage's base URL, the stack's ApiUrl or CustomDomainUrl output, e.g.",
  "         https://abc123.execute-api.eu-west-1.amazonaws.com/dev/ or https://api.fynex.solutions/",
  "",
  "Runs test/integration against that stage. Needs AWS credentials allowed to call the admin routes",
  "(execute-api:Invoke) and AWS_REGION when the URL does not name the region.",
].join("\n");

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
const at = args.indexOf("--url");
const raw = at >= 0 ? args[at + 1] : undefined;
if (raw === undefined) fail("npm run smoke needs the stage to test: --url <stage URL>.");
let url: URL;
try {
  url = new URL(raw);
} catch {
  fail(`Not a URL: "${raw}".`);
}
if (url.protocol !== "https:") fail(`A deployed stage answers over HTTPS: "${raw}".`);
const rest = args.filter((_, index) => index !== at && index !== at + 1);

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const result = spawnSync("npx", ["vitest", "run", "test/integration", ...rest], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, FYNEX_BASE_URL: url.toString().replace(/\/$/, "") },
});
process.exit(result.status ?? 1);
