import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  PutItemCommand,
  QueryCommand,
} from "@aws-sdk/client-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createHandler } from "../../../../lambdas/usage-history/usage-history.handler";
import { offlineDynamo } from "../../../offline-dynamo";

const W1 = 1_795_000_500;
const ddb = mockClient(DynamoDBClient);

/** A keys-table stream record: the key's window `from` → `to`, `count` requests in the old one. */
function record(sequence: string, from: number, to: number, count: number): DynamoDBRecord {
  const image = (start: number, windowCount: number) => ({
    pk: { S: `key_${sequence}` },
    windowStart: { N: String(start) },
    windowCount: { N: String(windowCount) },
  });
  return {
    eventName: "MODIFY",
    dynamodb: {
      Keys: { pk: { S: `key_${sequence}` } },
      OldImage: image(from, count),
      NewImage: image(to, 1),
      SequenceNumber: sequence,
      StreamViewType: "NEW_AND_OLD_IMAGES",
    },
  };
}

/** The writer as deployed with a default limit of 5, over a client the mock answers. */
const handler = createHandler({
  clock: () => W1 * 1000,
  dynamo: offlineDynamo(),
  settings: {
    keysTable: "keys",
    dataTable: "",
    auditTable: "",
    usageTable: "usage",
    rateLimit: 5,
    rateWindowSeconds: 900,
  },
});

beforeEach(() => {
  vi.spyOn(process.stderr, "write").mockReturnValue(true);
});
afterEach(() => {
  ddb.reset();
  vi.restoreAllMocks();
});
afterAll(() => ddb.restore());

describe("usage history writer", () => {
  it("puts each closed window once, conditionally, folds it into the key's week, and skips records that closed none", async () => {
    // Prepare: no summary yet.
    ddb.on(PutItemCommand).resolves({});
    ddb.on(QueryCommand).resolves({ Items: [] });

    // Act
    const result = await handler({ Records: [record("1", W1, W1 + 900, 7), record("2", W1, W1, 3)] });

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    const puts = ddb.commandCalls(PutItemCommand).map((call) => call.args[0].input);
    expect(puts).toEqual([
      {
        TableName: "usage",
        Item: {
          keyId: { S: "key_1" },
          windowStart: { S: new Date(W1 * 1000).toISOString() },
          count: { N: "7" },
          throttled: { N: "2" },
          ttl: { N: String(W1 + 90 * 86_400) },
        },
        ConditionExpression: "attribute_not_exists(keyId)",
      },
      {
        TableName: "usage",
        Item: {
          keyId: { S: "key_1" },
          windowStart: { S: "~last-7-days" },
          lastWindow: { N: String(W1) },
          hours: { S: JSON.stringify({ [Math.floor(W1 / 3600) * 3600]: [7, 2] }) },
          ttl: { N: String(W1 + 90 * 86_400) },
        },
        ConditionExpression: "attribute_not_exists(keyId)",
      },
    ]);
  });

  it("takes a replay whose window is already written and folded as done", async () => {
    ddb.on(PutItemCommand).rejects(new ConditionalCheckFailedException({ message: "exists", $metadata: {} }));
    ddb.on(QueryCommand).resolves({
      Items: [{ lastWindow: { N: String(W1) }, hours: { S: JSON.stringify({ [W1 - 300]: [7, 2] }) } }],
    });

    const result = await handler({ Records: [record("1", W1, W1 + 900, 7)] });

    expect(result).toEqual({ batchItemFailures: [] });
    expect(ddb.commandCalls(PutItemCommand)).toHaveLength(1);
  });

  it("reports the first record it could not write, so Lambda retries the batch from there", async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });
    ddb.on(PutItemCommand).callsFake((input: { Item: { keyId: { S: string } } }) => {
      if (input.Item.keyId.S === "key_1") return {};
      throw new ProvisionedThroughputExceededException({ message: "slow down", $metadata: {} });
    });

    const result = await handler({
      Records: [record("1", W1, W1 + 900, 7), record("2", W1, W1 + 900, 4), record("3", W1, W1 + 900, 2)],
    });

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: "2" }] });
    // The first record's window and summary, then the second's window put, which failed.
    expect(ddb.commandCalls(PutItemCommand)).toHaveLength(3);
  });
});
