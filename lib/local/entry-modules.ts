import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ENV } from "../../contract/environment";
import type { Runtime } from "../../contract/runtime";

/** What a Lambda entry module (`*.handler.ts`) exports. */
interface EntryModule {
  /** Builds the handler over a runtime (every module with dependencies). */
  createHandler?: (runtime: Runtime) => unknown;
  /** The deployed handler, built from the environment when the module loaded. */
  handler: unknown;
}

/**
 * A Lambda entry module's handler, loaded by its path (the route table's `handler`, from the project
 * root) and built through its `createHandler` over the local runtime's dependencies, as deployed its
 * `handler` is built over the environment's (docs/DECISIONS.md #270). A module without dependencies
 * (the health check, the catch-all, the OpenAPI document) exports only its `handler`, served as is.
 */
export async function loadHandler<H>(projectRoot: string, module: string, runtime: Runtime): Promise<H> {
  const loaded = (await import(pathToFileURL(join(projectRoot, `${module}.ts`)).href)) as EntryModule;
  return (loaded.createHandler ? loaded.createHandler(runtime) : loaded.handler) as H;
}

/**
 * Gives the process what an entry module needs of its environment to load at all. Each module builds
 * its deployed `handler` when it loads, from `process.env`, and that refuses to start without the
 * tables its function needs, as a cold start would. Here that handler is never called (the local
 * runtime serves the one `createHandler` builds over the embedded DynamoDB), so the variables only
 * have to name a table (and the retry queue): the local ones, where the environment names none already.
 */
export function provideFunctionEnvironment(tables: {
  keys: string;
  data: string;
  audit: string;
  usage: string;
  retryQueueUrl: string;
}): void {
  process.env[ENV.keysTable] ||= tables.keys;
  process.env[ENV.dataTable] ||= tables.data;
  process.env[ENV.auditTable] ||= tables.audit;
  process.env[ENV.usageTable] ||= tables.usage;
  process.env[ENV.webhookRetryQueueUrl] ||= tables.retryQueueUrl;
}
