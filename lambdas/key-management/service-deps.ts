import { ENV } from "../../contract/environment";
import { keySecretStoreFor } from "../shared/api-keys/key-secrets";
import { documentClient } from "../shared/dynamo/document-client";
import { DEFAULT_RETRY } from "../shared/dynamo/transact";
import { requireTable, runtime } from "../shared/runtime";
import { KEY_LIMITS } from "./key-limits";
import type { KeyServiceDeps } from "./key-store";

/**
 * The key service's dependencies from the runtime: the document client, the keys and audit tables,
 * the clock and the rate settings. Built from what the runtime holds at the call (once per cold start
 * deployed; the local runtime and tests replace the runtime), for any Lambda that acts on keys.
 */
export function keyServiceDeps(): KeyServiceDeps {
  const { clock, settings, retry } = runtime();
  return {
    db: documentClient(),
    table: requireTable(settings.keysTable, ENV.keysTable),
    auditTable: requireTable(settings.auditTable, ENV.auditTable),
    usageTable: settings.usageTable,
    dataTable: settings.dataTable || undefined,
    clock,
    retry: retry ?? DEFAULT_RETRY,
    settings: { rateLimit: settings.rateLimit, rateWindowSeconds: settings.rateWindowSeconds },
    // Only with the Secrets Manager hook on: otherwise no client is ever made.
    secrets: keySecretStoreFor(settings),
    limits: settings.keyLimits ?? KEY_LIMITS,
  };
}
