import { type AttributeValue, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import type { APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import "aws-sdk-client-mock-vitest/extend";
import { describe, expect, it } from "vitest";
import {
  conditionFailed,
  ddb,
  expectAllow,
  handler,
  keyItem,
  keyRequest,
  PREVIOUS_WINDOW_START,
  RESET_AT,
  stringified,
  updateInputs,
  useMockedKeysTable,
} from "./support";

useMockedKeysTable();

/** Allowlists: checked before anything is written (issue 12, point 1; docs/DECISIONS.md #7). */
describe("authorizer: IP allowlists", () => {
  /** The fixture's caller, as API Gateway reports it. */
  const FIXTURE_IP = "15.248.3.126";
  const listed = (...entries: string[]) => ({ allowedIps: { L: entries.map((entry) => ({ S: entry })) } });
  const from = (sourceIp: string | undefined) => {
    const event = keyRequest();
    return {
      ...event,
      requestContext: { ...event.requestContext, identity: { ...event.requestContext.identity, sourceIp } },
    } as APIGatewayRequestAuthorizerEvent;
  };
  /** DynamoDB's answers to a key with a list: the first update's "no list" condition fails with the item. */
  const withList = (stored: Record<string, AttributeValue>, counted = stored) =>
    ddb
      .on(UpdateItemCommand)
      .rejectsOnce(conditionFailed(keyItem(stored)))
      .resolvesOnce({ Attributes: keyItem(counted) });

  it("assumes no list in the first update, so keys without one pay nothing for allowlists", async () => {
    ddb.on(UpdateItemCommand).resolves({ Attributes: keyItem() });

    await handler(keyRequest());

    expect(updateInputs()).toHaveLength(1);
    expect(updateInputs()[0]?.ConditionExpression).toMatch(/attribute_not_exists\(allowedIps\)/);
  });

  it("checks a caller inside the list before counting, then counts under the list's revision (two calls)", async () => {
    // Prepare: the stored item has a list and a revision; the count's answer includes this request.
    withList(
      { ...listed("10.0.0.0/8", "15.248.3.0/24"), revision: { N: "3" }, windowCount: { N: "41" } },
      { ...listed("10.0.0.0/8", "15.248.3.0/24"), revision: { N: "3" }, windowCount: { N: "42" } },
    );

    // Act
    const result = await handler(keyRequest());

    // Assess
    expect(result.context).toMatchObject({ ipAllowed: true, remaining: 58 });
    expect(updateInputs()).toHaveLength(2);
    const count = updateInputs()[1];
    expect(count?.ConditionExpression).toMatch(/#revision = :revision/);
    expect(count?.ConditionExpression).not.toMatch(/allowedIps/);
    expect(count?.ExpressionAttributeValues?.[":revision"]).toEqual({ N: "3" });
    expect(count?.ExpressionAttributeNames?.["#revision"]).toBe("revision");
  });

  it("counts under 'no revision yet' for a list set at creation and never changed", async () => {
    withList(listed("15.248.3.0/24"));

    await handler(keyRequest());

    expect(updateInputs()[1]?.ConditionExpression).toMatch(/attribute_not_exists\(#revision\)/);
    expect(updateInputs()[1]?.ExpressionAttributeValues).not.toHaveProperty(":revision");
  });

  it("refuses a caller outside the list after one call that wrote nothing, its remaining count as it was", async () => {
    // Prepare: 42 requests counted in this window before this one.
    ddb
      .on(UpdateItemCommand)
      .rejects(conditionFailed(keyItem({ ...listed("10.0.0.0/8"), windowCount: { N: "42" } })));

    // Act
    const result = await handler(keyRequest());

    // Assess: allowed (the business chain answers 403), one failed condition, no second write.
    expectAllow(result);
    expect(result.context).toMatchObject({ ipAllowed: false, remaining: 58, throttled: false, limit: 100 });
    expect(stringified(result).ipAllowed).toBe("false");
    expect(updateInputs()).toHaveLength(1);
  });

  it("refuses a caller outside the list of a key whose window is stale with the whole limit remaining", async () => {
    ddb.on(UpdateItemCommand).rejects(
      conditionFailed(
        keyItem({
          ...listed("10.0.0.0/8"),
          windowStart: { N: String(PREVIOUS_WINDOW_START) },
          windowCount: { N: "100" },
        }),
      ),
    );

    const result = await handler(keyRequest());

    expect(result.context).toMatchObject({
      ipAllowed: false,
      remaining: 100,
      throttled: false,
      resetAt: RESET_AT,
    });
    expect(updateInputs()).toHaveLength(1);
  });

  it("opens the new window of a key with a list in two calls, the list checked first", async () => {
    withList(
      {
        ...listed("15.248.3.0/24"),
        windowStart: { N: String(PREVIOUS_WINDOW_START) },
        windowCount: { N: "77" },
      },
      {
        ...listed("15.248.3.0/24"),
        windowStart: { N: String(PREVIOUS_WINDOW_START) },
        windowCount: { N: "77" },
      },
    );

    const result = await handler(keyRequest());

    expect(result.context).toMatchObject({ ipAllowed: true, remaining: 99, resetAt: RESET_AT });
    expect(updateInputs()).toHaveLength(2);
    expect(updateInputs()[1]?.UpdateExpression).toMatch(/windowStart = :ws/);
  });

  it("checks again against the new list when an admin changed it between the read and the count", async () => {
    // Prepare: read with revision 1 (caller inside); the count finds revision 2, whose list excludes it.
    ddb
      .on(UpdateItemCommand)
      .rejectsOnce(conditionFailed(keyItem({ ...listed("15.248.3.0/24"), revision: { N: "1" } })))
      .rejectsOnce(conditionFailed(keyItem({ ...listed("10.0.0.0/8"), revision: { N: "2" } })));

    // Act
    const result = await handler(keyRequest());

    // Assess: refused, and nothing counted.
    expect(result.context).toMatchObject({ ipAllowed: false });
    expect(updateInputs()).toHaveLength(2);
  });

  it("matches an IPv4-mapped IPv6 caller in its IPv4 form, and IPv6 callers against IPv6 ranges", async () => {
    const stored = keyItem(listed("15.248.3.126", "2001:db8::/32"));
    ddb
      .on(UpdateItemCommand)
      .rejectsOnce(conditionFailed(stored))
      .resolvesOnce({ Attributes: stored })
      .rejectsOnce(conditionFailed(stored))
      .resolvesOnce({ Attributes: stored });

    const mapped = await handler(from("::ffff:15.248.3.126"));
    const v6 = await handler(from("2001:db8:0:1::7"));

    expect(mapped.context).toMatchObject({ ipAllowed: true });
    expect(v6.context).toMatchObject({ ipAllowed: true });
    expect(ddb.calls()).toHaveLength(4);
  });

  it.each([
    ["a missing address", undefined],
    ["an unparseable address (the console's test invoke)", "test-invoke-source-ip"],
    ["an IPv4 caller against IPv6 ranges only", FIXTURE_IP],
  ])("treats %s as outside the list", async (_, sourceIp) => {
    ddb.on(UpdateItemCommand).rejects(conditionFailed(keyItem(listed("::/0"))));

    const result = await handler(from(sourceIp));

    expect(result.context).toMatchObject({ ipAllowed: false });
    expect(updateInputs()).toHaveLength(1);
  });

  it("keeps a key over its limit throttled when it was already over before this request", async () => {
    ddb
      .on(UpdateItemCommand)
      .rejects(
        conditionFailed(keyItem({ ...listed("10.0.0.0/8"), rateLimit: { N: "3" }, windowCount: { N: "5" } })),
      );

    const result = await handler(keyRequest());

    expect(result.context).toMatchObject({ ipAllowed: false, remaining: 0, throttled: true, limit: 3 });
  });
});
