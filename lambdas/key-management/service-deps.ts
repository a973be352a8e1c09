import { ENV } from "../../contract/environment";
import type { Runtime } from "../../contract/runtime";
import { keySecretStoreFor } from "../shared/api-keys/key-secrets";
import { documentClient } from "../shared/dynamo/document-client";
import { DEFAULT_RETRY } from "../shared/dynamo/transact";
import { requireSetting } from "../shared/runtime";
import { KEY_LIMITS } from "./key-limits";
import type { KeyServiceDeps } from "./key-store";

/**
 * The key service's dependencies, from a function's runtime: the document client, the keys and audit
 * tables, the clock and the rate settings. Called once, by the `createHandler` of each function that
 * acts on keys, so that a start without `KEYS_TABLE_NAME` or `AUDIT_TABLE_NAME` (or, for a door that
 * answers usage, `USAGE_TABLE_NAME`) fails, naming it, before any request; with the Secrets Manager
 * hook on, its client is made here, once, and a hook without `FYNEX_ENV` fails the start too.
 */
export function keyServiceDepsOf(runtime: Runtime, needs: { usageTable?: boolean } = {}): KeyServiceDeps {
  const { clock, settings, retry } = runtime;
  return {
    db: documentClient(runtime.dynamo),
    table: requireSetting(settings.keysTable, ENV.keysTable),
    auditTable: requireSetting(settings.auditTable, ENV.auditTable),
    usageTable: needs.usageTable ? requireSetting(settings.usageTable, ENV.usageTable) : settings.usageTable,
    dataTable: settings.dataTable || undefined,
    clock,
    retry: retry ?? DEFAULT_RETRY,
    settings: { rateLimit: settings.rateLimit, rateWindowSeconds: settings.rateWindowSeconds },
    // Only with the Secrets Manager hook on: otherwise no client is ever made.
    secrets: keySecretStoreFor(settings),
    limits: settings.keyLimits ?? KEY_LIMITS,
  };
}
