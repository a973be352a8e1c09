import { format } from "node:util";
import {
  type AttributeValue,
  DynamoDBClient,
  InternalServerError,
  ProvisionedThroughputExceededException,
  ThrottlingException,
  TransactionConflictException,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import "aws-sdk-client-mock-vitest/extend";
import { describe, expect, it } from "vitest";
import { authorize } from "../../../../lambdas/authorizer/authorize";
import { createHandler } from "../../../../lambdas/authorizer/authorizer.handler";
import { decodeContext } from "../../../../lambdas/shared/api-keys/authorizer-context";
import { authorizerRequestFixture } from "../../../fixtures/events";
import {
  conditionFailed,
  consoleSpies,
  ddb,
  expectAllow,
  expectUnauthorized,
  handler,
  KEY,
  KEY_HASH,
  KEY_ID,
  keyItem,
  keyRequest,
  NOW,
  OTHER_KEY,
  PREVIOUS_WINDOW_START,
  RESET_AT,
  rejectionOf,
  requestWithKey,
  stringified,
  testRuntime,
  updateInputs,
  useMockedKeysTable,
  WINDOW,
  WINDOW_START,
} from "./support";

useMockedKeysTable();

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

  it("opens the new window when the stored window is the previous one (two calls)", async () => {
    // Prepare
    ddb
      .on(UpdateItemCommand)
      .rejectsOnce(
        conditionFailed(
          keyItem({ windowStart: { N: String(PREVIOUS_WINDOW_START) }, windowCount: { N: "100" } }),
        ),
      )
      .resolvesOnce({ Attributes: keyItem({ windowCount: { N: "1" } }) });

    // Act
    const result = await handler(keyRequest());

    // Assess
    expectAllow(result);
    expect(result.context).toMatchObject({ remaining: 99, throttled: false, resetAt: RESET_AT });
    expect(ddb.calls()).toHaveLength(2);
    const [, rollover] = updateInputs();
    expect(rollover?.Key).toEqual({ pk: { S: KEY_ID } });
    expect(rollover?.ExpressionAttributeValues?.[":ws"]).toEqual({ N: String(WINDOW_START) });
    expect(rollover?.ExpressionAttributeValues?.[":hash"]).toEqual({ S: KEY_HASH });
  });

  it("keeps the closed window beside the new one at a rollover and writes nothing else", async () => {
    // Prepare: the rollover's answer is the item before it (ALL_OLD): 87 requests in the last window.
    const before = keyItem({ windowStart: { N: String(PREVIOUS_WINDOW_START) }, windowCount: { N: "87" } });
    ddb.on(UpdateItemCommand).rejectsOnce(conditionFailed(before)).resolvesOnce({ Attributes: before });
    const deps = {
      dynamo: new DynamoDBClient({
        region: "eu-west-1",
        credentials: { accessKeyId: "x", secretAccessKey: "y" },
      }),
      table: "keys",
      clock: () => NOW,
      rateLimit: 100,
      rateWindowSeconds: WINDOW,
    };

    // Act
    const decision = await authorize(deps, KEY);

    // Assess: this request is the new window's first; the closed window stays on the item (usage reads
    // see it until the stream's writer puts it in the history); no other table is written.
    expect(decision).toEqual({
      allow: true,
      context: expect.objectContaining({ remaining: 99, resetAt: RESET_AT }),
    });
    expect(updateInputs()[1]?.UpdateExpression).toMatch(
      /SET prevWindowStart = windowStart, prevWindowCount = windowCount, windowStart = :ws, windowCount = :one/,
    );
    expect(ddb.calls().every((call) => call.args[0] instanceof UpdateItemCommand)).toBe(true);
    expect(updateInputs()[1]?.ConditionExpression).toMatch(/windowStart < :ws/);
  });

  it("fails closed when the key item changes under four updates in a row", async () => {
    ddb
      .on(UpdateItemCommand)
      .rejects(conditionFailed(keyItem({ windowStart: { N: String(PREVIOUS_WINDOW_START) } })));

    const error = await rejectionOf(handler(keyRequest()));

    expect(error.message).not.toBe("Unauthorized");
    expect(updateInputs()).toHaveLength(4);
  });

  it("counts in the window another request just opened when it loses the rollover race (three calls)", async () => {
    // Prepare
    ddb
      .on(UpdateItemCommand)
      .rejectsOnce(conditionFailed(keyItem({ windowStart: { N: String(PREVIOUS_WINDOW_START) } })))
      .rejectsOnce(
        conditionFailed(keyItem({ windowStart: { N: String(WINDOW_START) }, windowCount: { N: "1" } })),
      )
      .resolvesOnce({ Attributes: keyItem({ windowCount: { N: "2" } }) });

    // Act
    const result = await handler(keyRequest());

    // Assess
    expectAllow(result);
    expect(result.context).toMatchObject({ remaining: 98, throttled: false, resetAt: RESET_AT });
    expect(ddb.calls()).toHaveLength(3);
    expect(updateInputs()[2]?.ExpressionAttributeValues?.[":ws"]).toEqual({ N: String(WINDOW_START) });
  });

  it("counts in the window another authorizer with a clock slightly ahead has already opened", async () => {
    // Prepare: the stored window is newer than this clock's; counting in this clock's window would fail.
    const nextWindowStart = WINDOW_START + WINDOW;
    ddb
      .on(UpdateItemCommand)
      .rejectsOnce(conditionFailed(keyItem({ windowStart: { N: String(nextWindowStart) } })))
      .resolvesOnce({
        Attributes: keyItem({ windowStart: { N: String(nextWindowStart) }, windowCount: { N: "3" } }),
      });

    // Act
    const result = await handler(keyRequest());

    // Assess: the stored window learnt from the first failure, counted there with the second call.
    expectAllow(result);
    expect(ddb.calls()).toHaveLength(2);
    expect(updateInputs()[1]?.UpdateExpression).toMatch(/windowCount \+ :one/);
    expect(updateInputs()[1]?.ExpressionAttributeValues?.[":ws"]).toEqual({ N: String(nextWindowStart) });
    expect(result.context).toMatchObject({ remaining: 97, resetAt: nextWindowStart + WINDOW });
  });

  it("counts the 100th request of a window and lets it through", async () => {
    ddb.on(UpdateItemCommand).resolves({ Attributes: keyItem({ windowCount: { N: "100" } }) });

    const result = await handler(keyRequest());

    expect(result.context).toMatchObject({ limit: 100, remaining: 0, throttled: false });
  });

  it("still allows a key over its limit, marked throttled with nothing remaining", async () => {
    ddb.on(UpdateItemCommand).resolves({ Attributes: keyItem({ windowCount: { N: "101" } }) });

    const result = await handler(keyRequest());

    expectAllow(result);
    expect(result.context).toMatchObject({ limit: 100, remaining: 0, throttled: true, resetAt: RESET_AT });
    expect(stringified(result).throttled).toBe("true");
  });

  it("uses a per-key rateLimit over the environment's default", async () => {
    ddb
      .on(UpdateItemCommand)
      .resolvesOnce({ Attributes: keyItem({ rateLimit: { N: "5" }, windowCount: { N: "3" } }) })
      .resolvesOnce({ Attributes: keyItem({ rateLimit: { N: "5" }, windowCount: { N: "6" } }) })
      .resolvesOnce({ Attributes: keyItem({ rateLimit: { N: "500" }, windowCount: { N: "101" } }) });

    const under = await handler(keyRequest());
    const over = await handler(keyRequest());
    const raised = await handler(keyRequest());

    expect(under.context).toMatchObject({ limit: 5, remaining: 2, throttled: false });
    expect(over.context).toMatchObject({ limit: 5, remaining: 0, throttled: true });
    expect(raised.context).toMatchObject({ limit: 500, remaining: 399, throttled: false });
  });

  it("honours the environment's limit and window from the settings", async () => {
    const perMinute = createHandler(testRuntime({ rateLimit: 10, rateWindowSeconds: 60 }));
    ddb.on(UpdateItemCommand).resolves({ Attributes: keyItem({ windowCount: { N: "4" } }) });

    const result = await perMinute(keyRequest());

    const minuteStart = Math.floor(NOW / 60_000) * 60;
    expect(result.context).toMatchObject({
      limit: 10,
      remaining: 6,
      windowSeconds: 60,
      resetAt: minuteStart + 60,
    });
    expect(updateInputs()[0]?.ExpressionAttributeValues?.[":ws"]).toEqual({ N: String(minuteStart) });
  });
});

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

describe("authorizer: storage failures fail closed", () => {
  const failures: Array<[string, () => Error]> = [
    [
      "ProvisionedThroughputExceededException",
      () =>
        new ProvisionedThroughputExceededException({
          message: "The level of configured provisioned throughput for the table was exceeded.",
          $metadata: { httpStatusCode: 400 },
        }),
    ],
    [
      "ThrottlingException",
      () =>
        new ThrottlingException({
          message: "Rate of requests exceeds the allowed throughput.",
          $metadata: {},
        }),
    ],
    [
      "TimeoutError",
      () => Object.assign(new Error("Connection timed out after 1000 ms"), { name: "TimeoutError" }),
    ],
    [
      "InternalServerError",
      () => new InternalServerError({ message: "Internal server error", $metadata: { httpStatusCode: 500 } }),
    ],
  ];

  it.each(failures)(
    "turns %s on the first call into an authorizer failure, never an Allow",
    async (_name, fail) => {
      // Prepare
      ddb.on(UpdateItemCommand).rejects(fail());

      // Act
      const error = await rejectionOf(handler(keyRequest()));

      // Assess
      expect(error.message).not.toBe("Unauthorized");
    },
  );

  it.each(failures)(
    "turns %s during a rollover into an authorizer failure, never an Allow",
    async (_name, fail) => {
      ddb
        .on(UpdateItemCommand)
        .rejectsOnce(conditionFailed(keyItem({ windowStart: { N: String(PREVIOUS_WINDOW_START) } })))
        .rejectsOnce(fail());

      const error = await rejectionOf(handler(keyRequest()));

      expect(error.message).not.toBe("Unauthorized");
    },
  );

  describe("an update that meets an admin transaction on the key", () => {
    const conflict = () =>
      new TransactionConflictException({ message: "Transaction is ongoing for the item", $metadata: {} });
    const pauses: number[] = [];
    const deps = () => ({
      dynamo: new DynamoDBClient({
        region: "eu-west-1",
        credentials: { accessKeyId: "x", secretAccessKey: "y" },
      }),
      table: "keys",
      clock: () => NOW,
      rateLimit: 100,
      rateWindowSeconds: WINDOW,
      pause: async (ms: number) => {
        pauses.push(ms);
      },
    });

    it("is tried again a few milliseconds later (nothing was counted), and allowed", async () => {
      pauses.length = 0;
      ddb.on(UpdateItemCommand).rejectsOnce(conflict()).resolves({ Attributes: keyItem() });

      const decision = await authorize(deps(), KEY);

      expect(decision).toMatchObject({ allow: true, context: { remaining: 58 } });
      expect(updateInputs()).toHaveLength(2);
      expect(pauses).toEqual([15]);
    });

    it("fails closed when the conflict outlasts three attempts", async () => {
      pauses.length = 0;
      ddb.on(UpdateItemCommand).rejects(conflict());

      await expect(authorize(deps(), KEY)).rejects.toThrow("Transaction is ongoing");
      expect(updateInputs()).toHaveLength(3);
      expect(pauses).toEqual([15, 30]);
    });
  });

  it("turns a failure on the third call into an authorizer failure, never an Allow", async () => {
    ddb
      .on(UpdateItemCommand)
      .rejectsOnce(conditionFailed(keyItem({ windowStart: { N: String(PREVIOUS_WINDOW_START) } })))
      .rejectsOnce(conditionFailed(keyItem({ windowStart: { N: String(WINDOW_START) } })))
      .rejectsOnce(new InternalServerError({ message: "Internal server error", $metadata: {} }));

    const error = await rejectionOf(handler(keyRequest()));

    expect(error.message).not.toBe("Unauthorized");
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
