import { UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { authorize } from "../../../../lambdas/authorizer/authorize";
import { createHandler } from "../../../../lambdas/authorizer/authorizer.handler";
import { offlineDynamo } from "../../../offline-dynamo";
import {
  conditionFailed,
  ddb,
  expectAllow,
  handler,
  KEY,
  KEY_HASH,
  KEY_ID,
  keyItem,
  keyRequest,
  NOW,
  PREVIOUS_WINDOW_START,
  RESET_AT,
  rejectionOf,
  stringified,
  testRuntime,
  updateInputs,
  useMockedKeysTable,
  WINDOW,
  WINDOW_START,
} from "./support";

useMockedKeysTable();

/**
 * A live key's rate window: the rollover to a new window (and the races around it), the count at and
 * over the limit, and where the limit comes from (the key's own, or the environment's).
 */
describe("authorizer: a live key", () => {
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
      dynamo: offlineDynamo(),
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
