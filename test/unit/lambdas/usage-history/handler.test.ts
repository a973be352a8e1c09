import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { configureRuntime } from "../../../../lambdas/shared/runtime";
import { handler } from "../../../../lambdas/usage-history/handler";

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

beforeEach(() => {
  configureRuntime({
    clock: () => W1 * 1000,
    dynamo: new DynamoDBClient({
      region: "eu-west-1",
      credentials: { accessKeyId: "x", secretAccessKey: "y" },
    }),
    settings: {
      keysTable: "keys",
      dataTable: "",
      auditTable: "",
      usageTable: "usage",
      rateLimit: 5,
      rateWindowSeconds: 900,
    },
  });
  vi.spyOn(process.stderr, "write").mockReturnValue(true);
});
afterEach(() => {
  ddb.reset();
  vi.restoreAllMocks();
});

describe("usage history writer", () => {
  it("puts each closed window once, conditionally, and skips records that closed none", async () => {
    // Prepare
    ddb.on(PutItemCommand).resolves({});

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
    ]);
  });

  it("takes a replay whose window is already written as done", async () => {
    ddb.on(PutItemCommand).rejects(new ConditionalCheckFailedException({ message: "exists", $metadata: {} }));

    const result = await handler({ Records: [record("1", W1, W1 + 900, 7)] });

    expect(result).toEqual({ batchItemFailures: [] });
  });

  it("reports the first record it could not write, so Lambda retries the batch from there", async () => {
    ddb
      .on(PutItemCommand)
      .resolvesOnce({})
      .rejects(new ProvisionedThroughputExceededException({ message: "slow down", $metadata: {} }));

    const result = await handler({
      Records: [record("1", W1, W1 + 900, 7), record("2", W1, W1 + 900, 4), record("3", W1, W1 + 900, 2)],
    });

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: "2" }] });
    expect(ddb.commandCalls(PutItemCommand)).toHaveLength(2);
  });
});
