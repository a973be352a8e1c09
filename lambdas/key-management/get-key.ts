import { GetCommand } from "@aws-sdk/lib-dynamodb";
import type { KeyRecord } from "../../contract/api-types";
import { digestApiKey, isWellFormedApiKey, sameDigest } from "../shared/api-keys/api-key";
import { type ApiKeyItem, keyStatus } from "../shared/api-keys/key-record";
import { type Outcome, ok } from "../shared/outcome";
import { readPolicy } from "./key-policy-store";
import { type KeyServiceDeps, keyMissing, readKey, record } from "./key-store";

/**
 * One key of the org, read strongly consistently, with the org's key policy (for its
 * `policyViolations`); another org's key is as absent as a missing one.
 */
export async function getKey(
  deps: KeyServiceDeps,
  orgId: string,
  keyId: string,
): Promise<Outcome<KeyRecord>> {
  const now = deps.clock();
  const item = await readKey(deps, orgId, keyId);
  if (!item) return keyMissing();
  return ok(record(deps, item, now, (await readPolicy(deps, orgId)).rules));
}

/**
 * Which key a presented token is (its id, org and status), whatever its org, or undefined when Fynex never issued
 * it (malformed, bad checksum, unknown, or its item is gone). For callers that hold a token rather
 * than an org (the leaked-key route): the id is derived from the token and the full hash must match,
 * so no scan is needed and an id collision cannot name another key. Never logs the token.
 */
export async function findKeyByToken(
  deps: KeyServiceDeps,
  token: string,
): Promise<Pick<KeyRecord, "id" | "orgId" | "status"> | undefined> {
  if (!isWellFormedApiKey(token)) return undefined;
  const { id, hashHex } = digestApiKey(token);
  const { Item } = await deps.db.send(
    new GetCommand({ TableName: deps.table, Key: { pk: id }, ConsistentRead: true }),
  );
  const item = Item as ApiKeyItem | undefined;
  if (!item || !sameDigest(item.hash, hashHex)) return undefined;
  return { id: item.pk, orgId: item.orgId, status: keyStatus(item, deps.clock()) };
}
