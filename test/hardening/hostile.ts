/**
 * The local runtime the hostile-input files attack (`hostile-requests`, `hostile-arbitrary-input`):
 * started before a file's tests with two keys of one org, each with every scope and room for every
 * request of the file, and an account for the paths that take one; closed after them.
 */
import { afterAll, beforeAll } from "vitest";
import { SCOPES } from "../../contract/scopes";
import { createKey, startLocal } from "../integration/harness";
import { localTarget } from "../integration/target";
import { keepAliveClient } from "./support";

export interface HostileRuntime {
  local: Awaited<ReturnType<typeof startLocal>>;
  /** Eight keep-alive connections to it. */
  client: ReturnType<typeof keepAliveClient>;
  /** A key with every scope and room for every request of the file. */
  key: string;
  /** A second such key of the same org. */
  other: string;
  /** An account of the org. */
  accountId: string;
}

/** Starts the runtime before the file's tests, hands it to `ready`, and closes it after them. */
export function useHostileRuntime(ready: (runtime: HostileRuntime) => void): void {
  let local: HostileRuntime["local"] | undefined;
  let client: HostileRuntime["client"] | undefined;

  beforeAll(async () => {
    local = await startLocal({});
    client = keepAliveClient(local.url, 8);
    const target = localTarget(local);
    const newKey = async () =>
      (await createKey(target, "hostile", { scopes: [...SCOPES], rateLimit: { limit: 10_000 } })).key;
    const key = await newKey();
    const other = await newKey();
    const account = await client.send({
      method: "POST",
      path: "/api/v1/accounts",
      headers: { "X-API-Key": key },
      body: { name: "Target", currency: "EUR" },
    });
    ready({ local, client, key, other, accountId: account.json.id });
  });
  afterAll(async () => {
    client?.destroy();
    await local?.close();
  });
}
