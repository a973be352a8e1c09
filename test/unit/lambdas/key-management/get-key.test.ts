import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { findKeyByToken, getKey } from "../../../../lambdas/key-management/get-key";
import { keyIdFor, NOW, storedKey, VECTOR } from "./helpers";
import { ddb, deps, KEY_NOT_FOUND, useVerbTestSetup } from "./verb-support";

/** `getKey` and `findKeyByToken` (lambdas/key-management/get-key.ts). */
useVerbTestSetup();

describe("getKey", () => {
  it("reads the key strongly consistently", async () => {
    ddb.on(GetCommand).resolves({ Item: storedKey(1, { lastUsedAt: NOW - 1000 }) });

    const outcome = await getKey(deps(), "acme", keyIdFor(1));

    expect(ddb).toReceiveCommandWith(GetCommand, {
      TableName: "keys",
      Key: { pk: keyIdFor(1) },
      ConsistentRead: true,
    });
    expect(outcome.ok && outcome.value).toMatchObject({
      id: keyIdFor(1),
      lastUsedAt: "2025-06-17T15:07:41.123Z",
      usage: { windowStart: "2025-06-17T15:00:00.000Z", count: 7 },
    });
  });

  it("answers not found for another org's key", async () => {
    ddb.on(GetCommand).resolves({ Item: storedKey(1, { orgId: "globex" }) });

    expect(await getKey(deps(), "acme", keyIdFor(1))).toEqual(KEY_NOT_FOUND);
  });

  it("answers not found for a missing key", async () => {
    ddb.on(GetCommand).resolves({});

    expect(await getKey(deps(), "acme", keyIdFor(1))).toEqual(KEY_NOT_FOUND);
  });

  it("answers not found for an id that cannot be a key's, without asking DynamoDB", async () => {
    expect(await getKey(deps(), "acme", `key_${"x".repeat(3000)}`)).toEqual(KEY_NOT_FOUND);
    expect(ddb).not.toReceiveAnyCommand();
  });
});
describe("findKeyByToken", () => {
  it("finds a key by the token alone, whatever its org, when the full hash matches", async () => {
    ddb
      .on(GetCommand)
      .resolves({ Item: storedKey(1, { pk: VECTOR.id, hash: VECTOR.hash, orgId: "globex" }) });

    const found = await findKeyByToken(deps(), VECTOR.key);

    expect(found).toMatchObject({ id: VECTOR.id, orgId: "globex" });
    expect(ddb).toReceiveCommandWith(GetCommand, { Key: { pk: VECTOR.id }, ConsistentRead: true });
  });

  it("finds nothing for another hash under the same id, a malformed token or a missing item", async () => {
    ddb
      .on(GetCommand)
      .resolvesOnce({ Item: storedKey(1, { pk: VECTOR.id }) })
      .resolves({});

    expect(await findKeyByToken(deps(), VECTOR.key)).toBeUndefined();
    expect(await findKeyByToken(deps(), VECTOR.key)).toBeUndefined();
    expect(await findKeyByToken(deps(), "fynex_k_nope")).toBeUndefined();
    expect(ddb).toReceiveCommandTimes(GetCommand, 2);
  });
});
