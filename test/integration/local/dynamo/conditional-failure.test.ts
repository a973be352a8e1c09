import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KEYS_TABLE } from "../../../../contract/tables";
import { type LocalDynamo, startLocalDynamo } from "../../../../lib/local/dynamo";

const KEYS = "test-keys";
let local: LocalDynamo;

beforeAll(async () => {
  local = await startLocalDynamo({ tables: [{ definition: KEYS_TABLE, name: KEYS }] });
  await local.client.send(
    new PutItemCommand({ TableName: KEYS, Item: { pk: { S: "present" }, count: { N: "3" } } }),
  );
});
afterAll(async () => {
  await local?.close();
});

/** Sends any of the three write commands (the client's overloads take one command type at a time). */
function send(command: PutItemCommand | UpdateItemCommand | DeleteItemCommand): Promise<unknown> {
  return (local.client.send as (command: unknown) => Promise<unknown>)(command);
}

/** The ConditionalCheckFailedException a write ends with (it must end with one). */
async function conditionFailure(send: () => Promise<unknown>): Promise<ConditionalCheckFailedException> {
  try {
    await send();
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return error;
    throw error;
  }
  throw new Error("the write succeeded");
}

const failing = {
  update: (pk: string, returnValues?: "ALL_OLD" | "NONE") =>
    new UpdateItemCommand({
      TableName: KEYS,
      Key: { pk: { S: pk } },
      UpdateExpression: "ADD #count :one",
      ConditionExpression: "#count > :big",
      ExpressionAttributeNames: { "#count": "count" },
      ExpressionAttributeValues: { ":one": { N: "1" }, ":big": { N: "100" } },
      ReturnValuesOnConditionCheckFailure: returnValues,
    }),
  put: (pk: string, returnValues?: "ALL_OLD" | "NONE") =>
    new PutItemCommand({
      TableName: KEYS,
      Item: { pk: { S: pk }, count: { N: "0" } },
      ConditionExpression: "attribute_exists(nothing)",
      ReturnValuesOnConditionCheckFailure: returnValues,
    }),
  delete: (pk: string, returnValues?: "ALL_OLD" | "NONE") =>
    new DeleteItemCommand({
      TableName: KEYS,
      Key: { pk: { S: pk } },
      ConditionExpression: "attribute_exists(nothing)",
      ReturnValuesOnConditionCheckFailure: returnValues,
    }),
};

describe("local DynamoDB: ReturnValuesOnConditionCheckFailure on single-item writes", () => {
  it.each(Object.keys(failing) as (keyof typeof failing)[])(
    "a failed %s asked ALL_OLD carries the old item, untouched",
    async (kind) => {
      const failure = await conditionFailure(() => send(failing[kind]("present", "ALL_OLD")));

      expect(failure.Item).toEqual({ pk: { S: "present" }, count: { N: "3" } });
    },
  );

  it.each(Object.keys(failing) as (keyof typeof failing)[])(
    "a failed %s asked ALL_OLD on no item carries no Item: the item does not exist",
    async (kind) => {
      const failure = await conditionFailure(() => send(failing[kind]("absent", "ALL_OLD")));

      expect(failure.Item).toBeUndefined();
    },
  );

  it("carries no Item when not asked, or asked NONE", async () => {
    for (const returnValues of [undefined, "NONE"] as const) {
      const failure = await conditionFailure(() => send(failing.update("present", returnValues)));
      expect(failure.Item, String(returnValues)).toBeUndefined();
    }
  });

  it("refuses any other value with a ValidationException, as DynamoDB does", async () => {
    const command = failing.update("present");
    (command.input as { ReturnValuesOnConditionCheckFailure?: string }).ReturnValuesOnConditionCheckFailure =
      "ALL_NEW";

    await expect(send(command)).rejects.toMatchObject({ name: "ValidationException" });
  });
});
