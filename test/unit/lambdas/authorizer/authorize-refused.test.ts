import { format } from "node:util";
import { type AttributeValue, InternalServerError, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { authorizerRequestFixture } from "../../../fixtures/events";
import {
  conditionFailed,
  consoleSpies,
  ddb,
  expectAllow,
  expectUnauthorized,
  handler,
  KEY,
  keyItem,
  keyRequest,
  NOW,
  OTHER_KEY,
  PREVIOUS_WINDOW_START,
  rejectionOf,
  requestWithKey,
  updateInputs,
  useMockedKeysTable,
} from "./support";

useMockedKeysTable();

/**
 * Keys the authorizer turns away with Unauthorized (malformed, missing, ambiguous, unknown, revoked,
 * expired), most before any DynamoDB call, and the key kept out of every log whatever the outcome.
 */
describe("authorizer: refused keys", () => {
  const malformed: Array<[string, string]> = [
    ["random garbage", "hello"],
    ["a bearer token", "Bearer foo"],
    ["a key with a bad checksum", `${KEY.slice(0, -1)}z`],
    ["a key with one changed character", `${KEY.slice(0, 20)}${KEY[20] === "A" ? "B" : "A"}${KEY.slice(21)}`],
    ["a key with the wrong prefix", `fynex_x_${KEY.slice(8)}`],
    ["a key one character short", KEY.slice(0, -1)],
  ];

  it.each(malformed)("turns away %s with Unauthorized and no DynamoDB call", async (_name, value) => {
    await expectUnauthorized(keyRequest(value));

    expect(ddb.calls()).toHaveLength(0);
  });

  it("turns away a request without the header with no DynamoDB call", async () => {
    await expectUnauthorized(authorizerRequestFixture());
    await expectUnauthorized({ ...authorizerRequestFixture(), headers: null, multiValueHeaders: null });

    expect(ddb.calls()).toHaveLength(0);
  });

  it("turns away an empty header with no DynamoDB call", async () => {
    await expectUnauthorized(requestWithKey({ "X-API-Key": [""] }));

    expect(ddb.calls()).toHaveLength(0);
  });

  it("turns away two different keys in one request with no DynamoDB call", async () => {
    // Prepare: both keys are well formed, so only the duplicate can be the reason.
    ddb.on(UpdateItemCommand).resolves({ Attributes: keyItem() });

    // Act & Assess
    await expectUnauthorized(requestWithKey({ "X-API-Key": [KEY, OTHER_KEY] }));
    await expectUnauthorized(requestWithKey({ "X-API-Key": [KEY], "x-api-key": [OTHER_KEY] }));
    await expectUnauthorized(requestWithKey({ "x-api-key": [OTHER_KEY], "X-Api-Key": [KEY] }));
    expect(ddb.calls()).toHaveLength(0);
  });

  it("turns away an empty value beside a valid key, in any order and casing, with no DynamoDB call", async () => {
    // Prepare: the valid key alone would be allowed, so only the empty value can be the reason.
    ddb.on(UpdateItemCommand).resolves({ Attributes: keyItem() });

    // Act & Assess
    await expectUnauthorized(requestWithKey({ "X-API-Key": ["", KEY] }));
    await expectUnauthorized(requestWithKey({ "X-API-Key": [KEY, ""] }));
    await expectUnauthorized(requestWithKey({ "X-API-Key": [""], "x-api-key": [KEY] }));
    expect(ddb.calls()).toHaveLength(0);
  });

  it("lets the same key sent twice through", async () => {
    ddb.on(UpdateItemCommand).resolves({ Attributes: keyItem() });

    const result = await handler(requestWithKey({ "X-API-Key": [KEY], "x-api-key": [KEY] }));

    expect(result.policyDocument.Statement[0]?.Effect).toBe("Allow");
  });

  it("turns away an unknown key after one call: a failed condition without the old item means no such key", async () => {
    ddb.on(UpdateItemCommand).rejects(conditionFailed());

    await expectUnauthorized(keyRequest(OTHER_KEY));

    expect(ddb.calls()).toHaveLength(1);
    expect(updateInputs()[0]?.ReturnValuesOnConditionCheckFailure).toBe("ALL_OLD");
  });

  const dead: Array<[string, Record<string, AttributeValue>]> = [
    ["another key's hash (an id collision)", { hash: { S: "0".repeat(64) } }],
    ["revokedAt", { revokedAt: { N: String(NOW - 60_000) } }],
    ["revokedAt this very instant", { revokedAt: { N: String(NOW) } }],
    ["expiresAt in the past", { expiresAt: { N: String(NOW - 1) } }],
    ["expiresAt equal to now", { expiresAt: { N: String(NOW) } }],
  ];

  it.each(dead)("turns away a key whose stored item has %s after one call", async (_name, overrides) => {
    ddb.on(UpdateItemCommand).rejects(conditionFailed(keyItem(overrides)));

    await expectUnauthorized(keyRequest());

    expect(ddb.calls()).toHaveLength(1);
  });

  it("turns away a revoked key even when its window is stale, after one call", async () => {
    ddb
      .on(UpdateItemCommand)
      .rejects(
        conditionFailed(
          keyItem({ windowStart: { N: String(PREVIOUS_WINDOW_START) }, revokedAt: { N: String(NOW - 1) } }),
        ),
      );

    await expectUnauthorized(keyRequest());

    expect(ddb.calls()).toHaveLength(1);
  });

  it("turns away a key revoked between the count and the rollover", async () => {
    ddb
      .on(UpdateItemCommand)
      .rejectsOnce(conditionFailed(keyItem({ windowStart: { N: String(PREVIOUS_WINDOW_START) } })))
      .rejectsOnce(conditionFailed(keyItem({ revokedAt: { N: String(NOW) } })));

    await expectUnauthorized(keyRequest());

    expect(ddb.calls()).toHaveLength(2);
  });

  it("lets a key that expires one millisecond from now through", async () => {
    ddb.on(UpdateItemCommand).resolves({ Attributes: keyItem({ expiresAt: { N: String(NOW + 1) } }) });

    expectAllow(await handler(keyRequest()));
  });
});

describe("authorizer: logs", () => {
  it("never writes the key to any log, whatever the outcome", async () => {
    // Prepare & Act: an Allow, a refusal after a lookup, a storage failure and a malformed key.
    ddb.on(UpdateItemCommand).resolvesOnce({ Attributes: keyItem() });
    await handler(keyRequest());
    ddb.on(UpdateItemCommand).rejectsOnce(conditionFailed(keyItem({ revokedAt: { N: "1" } })));
    const errors = [await rejectionOf(handler(keyRequest()))];
    ddb.on(UpdateItemCommand).rejectsOnce(new InternalServerError({ message: "boom", $metadata: {} }));
    errors.push(await rejectionOf(handler(keyRequest())));
    errors.push(await rejectionOf(handler(keyRequest(`${KEY.slice(0, -1)}z`))));
    errors.push(await rejectionOf(handler(requestWithKey({ "X-API-Key": [KEY, OTHER_KEY] }))));

    // Assess: not the key, nor its secret part, nor the other key.
    const written = consoleSpies.flatMap((spy) => spy.mock.calls.map((args) => format(...args)));
    expect(errors.map((error) => error.message).join(" ")).not.toContain(KEY.slice(8, 51));
    for (const line of written) {
      expect(line).not.toContain(KEY.slice(8, 51));
      expect(line).not.toContain(OTHER_KEY.slice(8, 51));
    }
  });
});
