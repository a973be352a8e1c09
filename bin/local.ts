import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startLocalRuntime } from "../lib/local/runtime";
import { parseSigningKeys } from "../lib/local/signing-keys";

/**
 * `npm start`: the whole Fynex API on this machine (API.md §7). The only place the local runtime
 * reads the process environment.
 */
function positiveInteger(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) {
    console.error(`${name} must be a positive integer, got "${raw}"`);
    process.exit(1);
  }
  return value;
}

// The SDK warns that its 2027 releases will need Node 22; this runtime runs on Node 20 by design.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

function portNumber(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0 || value > 65535) {
    console.error(`${name} must be a port number, got "${raw}"`);
    process.exit(1);
  }
  return value;
}

const port = portNumber("PORT") ?? 3000;

/** `FYNEX_SECRET_SCANNING_KEYS`: key id → PEM of the keys trusted to sign leak reports (API.md §8). */
function secretScanningKeys(): Record<string, string> | undefined {
  const raw = process.env.FYNEX_SECRET_SCANNING_KEYS;
  if (raw === undefined || raw === "") return undefined;
  try {
    return parseSigningKeys(raw);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}

const started = Date.now();
const local = await startLocalRuntime({
  projectRoot: resolve(dirname(fileURLToPath(import.meta.url)), ".."),
  host: process.env.HOST || "127.0.0.1",
  port,
  // The page and the sign-in on origins of their own, as deployed: the API's port + 1 and + 2.
  consolePort: portNumber("FYNEX_CONSOLE_PORT"),
  signInPort: portNumber("FYNEX_SIGN_IN_PORT"),
  consoleTokenSeconds: positiveInteger("FYNEX_CONSOLE_TOKEN_SECONDS"),
  adminToken: process.env.FYNEX_ADMIN_TOKEN || undefined,
  dataDir: process.env.FYNEX_DATA_DIR || undefined,
  rateLimit: positiveInteger("FYNEX_RATE_LIMIT"),
  rateWindowSeconds: positiveInteger("FYNEX_RATE_WINDOW_SECONDS"),
  secretScanningKeys: secretScanningKeys(),
  webhooksAllowLoopback: process.env.FYNEX_WEBHOOKS_ALLOW_LOOPBACK === "1",
  webhookRetryBaseSeconds: positiveInteger("FYNEX_WEBHOOK_RETRY_BASE_SECONDS"),
  reminderIntervalSeconds: positiveInteger("FYNEX_REMINDER_INTERVAL_SECONDS"),
  telemetry: process.env.FYNEX_TELEMETRY !== "0",
});

console.log(`Fynex API (local) listening on ${local.url}  (ready in ${Date.now() - started} ms)
Admin token: ${local.adminToken}
Settings > Integrations: ${local.consoleUrl}  (sign in with the admin token and an organization)
Sign-in (local OpenID provider): ${local.signInOrigin}
Data: ${process.env.FYNEX_DATA_DIR ? `on disk in ${process.env.FYNEX_DATA_DIR}` : "in memory (set FYNEX_DATA_DIR to keep it)"}

Create a first key:
  curl -s -X POST ${local.url}/admin/v1/orgs/acme/api-keys \\
    -H "Authorization: Bearer ${local.adminToken}" -H "Content-Type: application/json" \\
    -d '{"name":"CRM sync","scopes":["accounts:read","accounts:write"]}'
`);

const stop = async () => {
  await local.close();
  process.exit(0);
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
