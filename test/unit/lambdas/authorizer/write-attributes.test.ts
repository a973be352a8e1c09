import { UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { AUTHORIZER_KEY_ATTRIBUTES } from "../../../../contract/write-attributes";
import { attributesTouched } from "../attributes-touched";
import {
  conditionFailed,
  ddb,
  handler,
  keyItem,
  keyRequest,
  PREVIOUS_WINDOW_START,
  updateInputs,
  useMockedKeysTable,
} from "./support";

/**
 * The stack lets the authorizer update only `AUTHORIZER_KEY_ATTRIBUTES` of a key item (issue 19
 * point 4): every update its code sends, in each of its paths, must stay inside that list, or it
 * would be refused deployed while passing every local test.
 */
useMockedKeysTable();

describe("the authorizer's writes", () => {
  it("touch only the key attributes its IAM policy lists, in the steady state, at a rollover and with an allowlist", async () => {
    // Prepare: a rollover (the first update finds an older window), then a key with an allowlist.
    ddb
      .on(UpdateItemCommand)
      .rejectsOnce(conditionFailed(keyItem({ windowStart: { N: String(PREVIOUS_WINDOW_START) } })))
      .resolvesOnce({ Attributes: keyItem() })
      .rejectsOnce(
        conditionFailed(keyItem({ allowedIps: { L: [{ S: "0.0.0.0/0" }] }, revision: { N: "3" } })),
      )
      .resolves({ Attributes: keyItem({ allowedIps: { L: [{ S: "0.0.0.0/0" }] }, revision: { N: "3" } }) });

    // Act
    await handler(keyRequest());
    await handler(keyRequest());
    await handler(keyRequest());

    // Assess
    const inputs = updateInputs();
    expect(inputs.length).toBeGreaterThanOrEqual(5);
    const touched = new Set(inputs.flatMap((input) => attributesTouched(input)));
    expect(
      [...touched].filter((name) => !(AUTHORIZER_KEY_ATTRIBUTES as readonly string[]).includes(name)),
    ).toEqual([]);
    // The allowlist path was taken: its revision condition is among them.
    expect(touched.has("revision")).toBe(true);
  });
});
