import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { DescribeTableCommand, GetItemCommand } from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import {
  KEYS_BY_ORG_INDEX,
  KEYS_BY_ROTATION_DUE_DAY_INDEX,
  KEYS_COUNTED_BY_EXPIRY_INDEX,
  KEYS_TABLE,
} from "../../../../contract/tables";
import { startLocalDynamo } from "../../../../lib/local/dynamo";
import { DATA, KEYS, localDynamoSuite, tables } from "./support";

describe("local DynamoDB tables and TTL", () => {
  const suite = localDynamoSuite();

  it("creates the tables from the shared definitions", async () => {
    const { Table: keys } = await suite.local.client.send(new DescribeTableCommand({ TableName: KEYS }));
    expect(keys?.TableStatus).toBe("ACTIVE");
    expect(keys?.BillingModeSummary?.BillingMode).toBe("PAY_PER_REQUEST");
    expect(keys?.KeySchema).toEqual([{ AttributeName: "pk", KeyType: "HASH" }]);
    expect(keys?.AttributeDefinitions).toEqual(
      expect.arrayContaining([
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "orgId", AttributeType: "S" },
        { AttributeName: "createdAt", AttributeType: "S" },
        { AttributeName: "expiryDay", AttributeType: "S" },
        // The counted keys by expiry (the cap's daily discount): numbers.
        { AttributeName: "counted", AttributeType: "N" },
        { AttributeName: "expiresAt", AttributeType: "N" },
        // The keys by the day their rotation reminder falls due (API.md §12).
        { AttributeName: "rotationDueDay", AttributeType: "S" },
      ]),
    );
    expect(keys?.AttributeDefinitions).toHaveLength(7);
    // The org index, the expiry reminders' index (API.md §11), the counted keys by expiry (§5 cap),
    // the rotation-due index (§12).
    expect(keys?.GlobalSecondaryIndexes).toHaveLength(4);
    expect(keys?.GlobalSecondaryIndexes?.[3]).toMatchObject({
      IndexName: KEYS_BY_ROTATION_DUE_DAY_INDEX,
      KeySchema: [
        { AttributeName: "rotationDueDay", KeyType: "HASH" },
        { AttributeName: "pk", KeyType: "RANGE" },
      ],
      Projection: { ProjectionType: "INCLUDE", NonKeyAttributes: ["orgId", "createdAt"] },
    });
    expect(keys?.GlobalSecondaryIndexes?.[2]).toMatchObject({
      IndexName: KEYS_COUNTED_BY_EXPIRY_INDEX,
      KeySchema: [
        { AttributeName: "counted", KeyType: "HASH" },
        { AttributeName: "expiresAt", KeyType: "RANGE" },
      ],
      Projection: { ProjectionType: "INCLUDE", NonKeyAttributes: ["orgId"] },
    });
    expect(keys?.GlobalSecondaryIndexes?.[0]).toMatchObject({
      IndexName: KEYS_BY_ORG_INDEX,
      IndexStatus: "ACTIVE",
      KeySchema: [
        { AttributeName: "orgId", KeyType: "HASH" },
        { AttributeName: "createdAt", KeyType: "RANGE" },
      ],
      Projection: { ProjectionType: "INCLUDE", NonKeyAttributes: ["expiresAt", "revokedAt", "counted"] },
    });

    const { Table: data } = await suite.local.client.send(new DescribeTableCommand({ TableName: DATA }));
    expect(data?.KeySchema).toEqual([
      { AttributeName: "pk", KeyType: "HASH" },
      { AttributeName: "sk", KeyType: "RANGE" },
    ]);
    expect(data?.AttributeDefinitions).toEqual([
      { AttributeName: "pk", AttributeType: "S" },
      { AttributeName: "sk", AttributeType: "S" },
    ]);
    expect(data?.GlobalSecondaryIndexes).toBeUndefined();
  });

  it("sweeps items whose TTL has passed by the injected clock, and only those", async () => {
    suite.now = 2_000_000_000_000;
    const seconds = suite.now / 1000;
    const pk = "ORG#ttl";
    const items = [
      { pk, sk: "PAST", ttl: seconds - 60 },
      { pk, sk: "NOW", ttl: seconds },
      { pk, sk: "FUTURE", ttl: seconds + 60 },
      { pk, sk: "NO-TTL" },
      { pk, sk: "STRING-TTL", ttl: String(seconds - 60) },
    ];
    for (const item of items) await suite.doc.send(new PutCommand({ TableName: DATA, Item: item }));
    await suite.doc.send(new PutCommand({ TableName: KEYS, Item: { pk: "KEY#ttl", ttl: seconds - 1 } }));

    expect(await suite.local.sweepExpired()).toBe(3);

    expect(await suite.getData(pk, "PAST")).toBeUndefined();
    expect(await suite.getData(pk, "NOW")).toBeUndefined();
    expect(await suite.getData(pk, "FUTURE")).toBeDefined();
    expect(await suite.getData(pk, "NO-TTL")).toBeDefined();
    expect(await suite.getData(pk, "STRING-TTL")).toBeDefined();
    const key = await suite.local.client.send(
      new GetItemCommand({ TableName: KEYS, Key: { pk: { S: "KEY#ttl" } }, ConsistentRead: true }),
    );
    expect(key.Item).toBeUndefined();

    suite.now += 60_000;
    expect(await suite.local.sweepExpired()).toBe(1);
    expect(await suite.getData(pk, "FUTURE")).toBeUndefined();
  });
});

describe("local DynamoDB on disk", () => {
  it("keeps tables and items across close and restart with the same data dir", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "local-dynamo-"));
    try {
      const first = await startLocalDynamo({ tables, dataDir });
      try {
        await DynamoDBDocumentClient.from(first.client).send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: { TableName: DATA, Item: { pk: "ORG#disk", sk: "ACCOUNT#1", balance: 5 } } },
              { Put: { TableName: KEYS, Item: { pk: "KEY#disk", orgId: "disk", createdAt: "c" } } },
            ],
          }),
        );
      } finally {
        await first.close();
      }

      const second = await startLocalDynamo({ tables, dataDir });
      try {
        const doc = DynamoDBDocumentClient.from(second.client);
        const { Item } = await doc.send(
          new GetCommand({ TableName: DATA, Key: { pk: "ORG#disk", sk: "ACCOUNT#1" }, ConsistentRead: true }),
        );
        expect(Item).toEqual({ pk: "ORG#disk", sk: "ACCOUNT#1", balance: 5 });
        const { Items } = await doc.send(
          new QueryCommand({
            TableName: KEYS,
            IndexName: KEYS_BY_ORG_INDEX,
            KeyConditionExpression: "orgId = :org",
            ExpressionAttributeValues: { ":org": "disk" },
          }),
        );
        expect(Items).toEqual([{ pk: "KEY#disk", orgId: "disk", createdAt: "c" }]);
      } finally {
        await second.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe("local DynamoDB on a data dir of an older version", () => {
  it("refuses to start when a kept table lacks an index the code queries, naming it and the remedy", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "local-dynamo-old-"));
    try {
      // Prepare: the keys table as it was before the counted-by-expiry index existed.
      const older = {
        ...KEYS_TABLE,
        indexes: KEYS_TABLE.indexes.filter((index) => index.indexName !== KEYS_COUNTED_BY_EXPIRY_INDEX),
      };
      const first = await startLocalDynamo({ tables: [{ definition: older, name: KEYS }], dataDir });
      await first.close();

      // Act, Assess
      await expect(startLocalDynamo({ tables, dataDir })).rejects.toThrow(
        `table ${KEYS} was made by an older version and lacks the index ${KEYS_COUNTED_BY_EXPIRY_INDEX}; start with a fresh FYNEX_DATA_DIR`,
      );
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe("local DynamoDB background sweeper", () => {
  it("deletes expired items on its interval", async () => {
    const local = await startLocalDynamo({ tables, ttlSweepIntervalMs: 5, clock: () => 10_000_000 });
    try {
      const doc = DynamoDBDocumentClient.from(local.client);
      await doc.send(new PutCommand({ TableName: DATA, Item: { pk: "ORG#bg", sk: "OLD", ttl: 9_000 } }));
      // Wait for the sweeper, however long the machine takes (the test timeout bounds it).
      for (;;) {
        const { Item } = await doc.send(
          new GetCommand({ TableName: DATA, Key: { pk: "ORG#bg", sk: "OLD" }, ConsistentRead: true }),
        );
        if (!Item) break;
        await delay(5);
      }
    } finally {
      await local.close();
    }
  });
});
