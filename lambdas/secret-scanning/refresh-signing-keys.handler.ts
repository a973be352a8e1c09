import { type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { ENV } from "../../contract/environment";
import type { Runtime } from "../../contract/runtime";
import { GITHUB_SIGNING_KEYS_PK } from "../../contract/tables";
import * as z from "../../contract/zod";
import { documentClient } from "../shared/dynamo/document-client";
import { log } from "../shared/observability/log";
import { telemetryLogger } from "../shared/observability/telemetry";
import { requireSetting, runtimeFromEnvironment } from "../shared/runtime";
import { isP256PublicKey, type SigningKeyMap, type SigningKeysItem } from "./github-signing-keys";

/**
 * The scheduled refresher of the secret-scanning keys (API.md §8, deployed only): fetches GitHub's
 * published list and stores it in the keys table, where the secret-scanning Lambda reads it. Runs on
 * an EventBridge schedule (hourly).
 *
 * Conditional requests (`If-None-Match` with the stored ETag) keep it inside GitHub's unauthenticated
 * rate limit: a 304 does not count against it. A failure (network, an error status, a list with no
 * usable key) writes nothing: the last good list stays trusted, and the Lambda's error shows in its
 * metrics.
 */

export const GITHUB_SIGNING_KEYS_URL = "https://api.github.com/meta/public_keys/secret_scanning";

/** GitHub's answer; fields it may add are ignored. */
const publishedKeysSchema = z.lazySchema(() =>
  z.looseObject({
    public_keys: z
      .array(
        z.looseObject({
          key_identifier: z.string().check(z.minLength(1)),
          key: z.string().check(z.minLength(1)),
          is_current: z.optional(z.boolean()),
        }),
      )
      .check(z.minLength(1)),
  }),
);

/** The part of `fetch` the refresher uses (injectable: tests answer without a network). */
export type Fetch = (
  url: string,
  init: { headers: Record<string, string>; signal?: AbortSignal },
) => Promise<{ status: number; headers: { get(name: string): string | null }; json(): Promise<unknown> }>;

export interface RefreshDeps {
  db: DynamoDBDocumentClient;
  table: string;
  fetch: Fetch;
  clock: () => number;
  url?: string;
  /** Gives up on GitHub after this long. */
  timeoutMs?: number;
}

export type RefreshResult =
  | { status: "updated"; keyIds: string[] }
  | { status: "unchanged"; keyIds: string[] };

/** Fetches the published keys and stores them; throws (storing nothing) when the list cannot be had. */
export async function refreshSigningKeys(deps: RefreshDeps): Promise<RefreshResult> {
  const { Item } = await deps.db.send(
    new GetCommand({ TableName: deps.table, Key: { pk: GITHUB_SIGNING_KEYS_PK }, ConsistentRead: true }),
  );
  const stored = Item as SigningKeysItem | undefined;
  const headers: Record<string, string> = {
    Accept: "application/vnd.github+json",
    // GitHub refuses API requests without a User-Agent.
    "User-Agent": "fynex-secret-scanning-keys",
    "X-GitHub-Api-Version": "2022-11-28",
  };
  if (stored?.etag) headers["If-None-Match"] = stored.etag;

  const response = await deps.fetch(deps.url ?? GITHUB_SIGNING_KEYS_URL, {
    headers,
    signal: AbortSignal.timeout(deps.timeoutMs ?? 5_000),
  });
  if (response.status === 304 && stored) return { status: "unchanged", keyIds: Object.keys(stored.keys) };
  if (response.status !== 200) throw new Error(`GitHub answered ${response.status} for the scanning keys`);

  const parsed = publishedKeysSchema.safeParse(await response.json());
  if (!parsed.success) throw new Error("GitHub's scanning key list has an unexpected shape");
  const keys: SigningKeyMap = {};
  for (const published of parsed.data.public_keys) {
    if (isP256PublicKey(published.key)) keys[published.key_identifier] = published.key;
    else
      log("warn", "published scanning key skipped: not an ECDSA P-256 public key", {
        keyId: published.key_identifier,
      });
  }
  const keyIds = Object.keys(keys);
  if (keyIds.length === 0) throw new Error("GitHub's scanning key list holds no usable key");

  const item: SigningKeysItem = {
    pk: GITHUB_SIGNING_KEYS_PK,
    keys,
    fetchedAt: new Date(deps.clock()).toISOString(),
    ...(response.headers.get("etag") ? { etag: response.headers.get("etag") as string } : {}),
  };
  await deps.db.send(new PutCommand({ TableName: deps.table, Item: item }));
  return { status: "updated", keyIds };
}

/** The schedule's handler, over the keys table its runtime names (a start without it fails, naming it). */
export function createHandler(runtime: Runtime): () => Promise<RefreshResult> {
  telemetryLogger(runtime.settings);
  const deps: RefreshDeps = {
    db: documentClient(runtime.dynamo),
    table: requireSetting(runtime.settings.keysTable, ENV.keysTable),
    fetch: globalThis.fetch,
    clock: runtime.clock,
  };
  return async () => {
    const result = await refreshSigningKeys(deps);
    log("info", "secret scanning keys refreshed", result);
    return result;
  };
}

/** The Lambda entry point: built once, when the function starts, from its environment. */
export const handler = createHandler(runtimeFromEnvironment(process.env));
