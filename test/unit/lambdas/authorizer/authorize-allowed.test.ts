import { UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import "aws-sdk-client-mock-vitest/extend";
import { describe, expect, it } from "vitest";
import { decodeContext } from "../../../../lambdas/shared/api-keys/authorizer-context";
import { authorizerRequestFixture } from "../../../fixtures/events";
import {
  ddb,
  expectAllow,
  handler,
  KEY,
  KEY_HASH,
  KEY_ID,
  keyItem,
  keyRequest,
  RESET_AT,
  requestWithKey,
  stringified,
  updateInputs,
  useMockedKeysTable,
  WINDOW,
  WINDOW_START,
} from "./support";

useMockedKeysTable();

/**
 * A live key is allowed: the context the business Lambda reads, the one conditional update it costs,
 * and the header names and repeats it is found under. Its rate window and limits are in
 * authorize-limits.test.ts.
 */
describe("authorizer: a live key", () => {
  it("is allowed with the key's org, scopes and rate state in the context", async () => {
    // Prepare
    ddb.on(UpdateItemCommand).resolves({ Attributes: keyItem({ windowCount: { N: "42" } }) });

    // Act
    const result = await handler(keyRequest());

    // Assess
    expectAllow(result);
    expect(result.context).toEqual({
      orgId: "org_acme",
      keyId: KEY_ID,
      scopes: "accounts:read accounts:write",
      limit: 100,
      remaining: 58,
      resetAt: RESET_AT,
      windowSeconds: WINDOW,
      throttled: false,
      ipAllowed: true,
    });
  });

  it("hands the business Lambda a context that survives API Gateway's stringification", async () => {
    ddb.on(UpdateItemCommand).resolves({ Attributes: keyItem() });

    const result = await handler(keyRequest());
    const delivered = { ...stringified(result), principalId: result.principalId, integrationLatency: 12 };

    expect(Object.values(result.context ?? {}).every((value) => typeof value !== "object")).toBe(true);
    expect(decodeContext(delivered)).toEqual({
      orgId: "org_acme",
      keyId: KEY_ID,
      scopes: ["accounts:read", "accounts:write"],
      limit: 100,
      remaining: 58,
      resetAt: RESET_AT,
      windowSeconds: WINDOW,
      throttled: false,
      ipAllowed: true,
    });
  });

  it("costs exactly one conditional update on the key's derived id in the steady state", async () => {
    // Prepare
    ddb.on(UpdateItemCommand).resolves({ Attributes: keyItem() });

    // Act
    await handler(keyRequest());

    // Assess
    expect(ddb.calls()).toHaveLength(1);
    expect(ddb).toReceiveCommandExactlyOnceWith(UpdateItemCommand, {
      TableName: "keys",
      Key: { pk: { S: KEY_ID } },
      ConditionExpression: expect.stringMatching(
        /:hash[\s\S]*windowStart = :ws|windowStart = :ws[\s\S]*:hash/,
      ),
      ExpressionAttributeValues: expect.objectContaining({
        ":hash": { S: KEY_HASH },
        ":ws": { N: String(WINDOW_START) },
      }),
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    });
    const [input] = updateInputs();
    expect(input?.ConditionExpression).toMatch(/#hash = :hash/);
    expect(input?.ExpressionAttributeNames?.["#hash"]).toBe("hash");
    expect(input?.ConditionExpression).toMatch(/revokedAt/);
    expect(input?.ConditionExpression).toMatch(/expiresAt/);
    expect(input?.UpdateExpression).toMatch(/windowCount/);
  });

  it("never sends the key itself to DynamoDB, only its hash and id", async () => {
    ddb.on(UpdateItemCommand).resolves({ Attributes: keyItem() });

    await handler(keyRequest());

    expect(JSON.stringify(updateInputs())).not.toContain(KEY);
  });

  it.each([
    ["X-API-Key", "headers and multiValueHeaders"],
    ["x-api-key", "headers and multiValueHeaders"],
    ["X-Api-Key", "headers and multiValueHeaders"],
    ["X-API-KEY", "headers and multiValueHeaders"],
    ["X-API-Key", "headers only"],
    ["x-api-key", "headers only"],
    ["X-Api-Key", "headers only"],
  ])("is found under the header name %s in %s", async (name, where) => {
    // Prepare
    ddb.on(UpdateItemCommand).resolves({ Attributes: keyItem() });
    const event =
      where === "headers only"
        ? { ...authorizerRequestFixture(), headers: { ...authorizerRequestFixture().headers, [name]: KEY } }
        : requestWithKey({ [name]: [KEY] });

    // Act
    const result = await handler(event);

    // Assess
    expectAllow(result);
    expect(ddb).toReceiveCommandExactlyOnceWith(UpdateItemCommand, { Key: { pk: { S: KEY_ID } } });
  });

  it("is allowed when the same value is sent twice", async () => {
    ddb.on(UpdateItemCommand).resolves({ Attributes: keyItem() });

    const sameHeaderTwice = await handler(requestWithKey({ "X-API-Key": [KEY, KEY] }));
    const twoCasings = await handler(requestWithKey({ "X-API-Key": [KEY], "x-api-key": [KEY] }));

    expectAllow(sameHeaderTwice);
    expectAllow(twoCasings);
    expect(ddb.commandCalls(UpdateItemCommand)).toHaveLength(2);
  });
});
