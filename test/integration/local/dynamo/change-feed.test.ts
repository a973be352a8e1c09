import { DeleteItemCommand, PutItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATA_TABLE, KEYS_TABLE } from "../../../../contract/tables";
import { type ItemChange, type LocalDynamo, startLocalDynamo } from "../../../../lib/local/dynamo";

const KEYS = "feed-keys";
const DATA = "feed-data";
const changes: ItemChange[] = [];
let local: LocalDynamo;

beforeAll(async () => {
  local = await startLocalDynamo({
    tables: [
      { definition: KEYS_TABLE, name: KEYS },
      { definition: DATA_TABLE, name: DATA },
    ],
    changes: { tables: [KEYS], onChange: (change) => changes.push(change) },
  });
});
afterAll(async () => {
  await local?.close();
});

const count = (image: ItemChange["newImage"]) => Number(image?.n?.N ?? "NaN");

describe("the embedded DynamoDB's change feed (the keys table's stream, locally)", () => {
  it("reports each write of a followed item with its images before and after, in the order the item took them", async () => {
    // Prepare
    changes.length = 0;
    await local.client.send(
      new PutItemCommand({ TableName: KEYS, Item: { pk: { S: "k1" }, n: { N: "0" } } }),
    );

    // Act: 40 concurrent counter updates, one failing condition, a write elsewhere, then a delete.
    await Promise.all(
      Array.from({ length: 40 }, () =>
        local.client.send(
          new UpdateItemCommand({
            TableName: KEYS,
            Key: { pk: { S: "k1" } },
            UpdateExpression: "SET n = n + :one",
            ExpressionAttributeValues: { ":one": { N: "1" } },
          }),
        ),
      ),
    );
    await local.client
      .send(
        new UpdateItemCommand({
          TableName: KEYS,
          Key: { pk: { S: "k1" } },
          UpdateExpression: "SET n = :zero",
          ConditionExpression: "n < :zero",
          ExpressionAttributeValues: { ":zero": { N: "0" } },
        }),
      )
      .catch(() => undefined);
    await local.client.send(
      new PutItemCommand({ TableName: DATA, Item: { pk: { S: "ORG#a" }, sk: { S: "X#1" } } }),
    );
    await local.client.send(new DeleteItemCommand({ TableName: KEYS, Key: { pk: { S: "k1" } } }));

    // Assess: an insert, 40 modifications each starting where the last ended, a removal; nothing else.
    expect(changes.map((change) => change.eventName)).toEqual([
      "INSERT",
      ...Array.from({ length: 40 }, () => "MODIFY"),
      "REMOVE",
    ]);
    const modifications = changes.slice(1, 41);
    expect(modifications.map((change) => [count(change.oldImage), count(change.newImage)])).toEqual(
      Array.from({ length: 40 }, (_, i) => [i, i + 1]),
    );
    expect(changes.every((change) => change.tableName === KEYS && change.keys.pk?.S === "k1")).toBe(true);
    expect(count(changes.at(-1)?.oldImage)).toBe(40);
    expect(changes.at(-1)?.newImage).toBeUndefined();
  });
});
