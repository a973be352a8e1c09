import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import {
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
  TransactGetItemsCommand,
  TransactionCanceledException,
  TransactionConflictException,
  TransactWriteItemsCommand,
  type TransactWriteItemsCommandInput,
} from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATA_TABLE, KEYS_BY_ORG_INDEX, KEYS_TABLE } from "../../contract/tables";
import {
  type ClaimedItem,
  type LocalDynamo,
  type LocalDynamoOptions,
  startLocalDynamo,
} from "../../lib/local/dynamo";

const KEYS = "test-keys";
const DATA = "test-data";
const tables = [
  { definition: KEYS_TABLE, name: KEYS },
  { definition: DATA_TABLE, name: DATA },
];

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

function touches(items: ClaimedItem[], pk: string, sk: string): boolean {
  return items.some(({ key }) => key.pk?.S === pk && key.sk?.S === sk);
}

/** What the application's handlers do with TransactionConflict: retry with full-jitter backoff. */
async function retryOnConflict<T>(send: () => Promise<T>, onConflict: () => void): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (err) {
      const conflict =
        err instanceof TransactionCanceledException &&
        (err.CancellationReasons ?? []).some((reason) => reason.Code === "TransactionConflict");
      if (!conflict || attempt >= 200) throw err;
      onConflict();
      await delay(Math.random() * Math.min(200, 5 * 2 ** attempt));
    }
  }
}

describe("local DynamoDB", () => {
  let local: LocalDynamo;
  let doc: DynamoDBDocumentClient;
  let now = 1_700_000_000_000;
  let afterClaim: LocalDynamoOptions["afterClaim"];

  beforeAll(async () => {
    local = await startLocalDynamo({ tables, clock: () => now, afterClaim: (event) => afterClaim?.(event) });
    doc = DynamoDBDocumentClient.from(local.client);
  });

  afterAll(async () => {
    await local?.close();
  });

  async function getData(pk: string, sk: string): Promise<Record<string, unknown> | undefined> {
    const { Item } = await doc.send(
      new GetCommand({ TableName: DATA, Key: { pk, sk }, ConsistentRead: true }),
    );
    return Item;
  }

  it("creates the tables from the shared definitions", async () => {
    const { Table: keys } = await local.client.send(new DescribeTableCommand({ TableName: KEYS }));
    expect(keys?.TableStatus).toBe("ACTIVE");
    expect(keys?.BillingModeSummary?.BillingMode).toBe("PAY_PER_REQUEST");
    expect(keys?.KeySchema).toEqual([{ AttributeName: "pk", KeyType: "HASH" }]);
    expect(keys?.AttributeDefinitions).toEqual(
      expect.arrayContaining([
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "orgId", AttributeType: "S" },
        { AttributeName: "createdAt", AttributeType: "S" },
        { AttributeName: "expiryDay", AttributeType: "S" },
      ]),
    );
    expect(keys?.AttributeDefinitions).toHaveLength(4);
    // The org index, and the expiry reminders' index (API.md §11).
    expect(keys?.GlobalSecondaryIndexes).toHaveLength(2);
    expect(keys?.GlobalSecondaryIndexes?.[0]).toMatchObject({
      IndexName: KEYS_BY_ORG_INDEX,
      IndexStatus: "ACTIVE",
      KeySchema: [
        { AttributeName: "orgId", KeyType: "HASH" },
        { AttributeName: "createdAt", KeyType: "RANGE" },
      ],
      Projection: { ProjectionType: "INCLUDE", NonKeyAttributes: ["expiresAt", "revokedAt"] },
    });

    const { Table: data } = await local.client.send(new DescribeTableCommand({ TableName: DATA }));
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

  it("commits every action of a TransactWriteItems: Put, Update, Delete, ConditionCheck", async () => {
    const pk = "ORG#commit";
    await doc.send(new PutCommand({ TableName: DATA, Item: { pk, sk: "ACCOUNT#1", balance: 100 } }));
    await doc.send(new PutCommand({ TableName: DATA, Item: { pk, sk: "HOLD#1" } }));
    await doc.send(new PutCommand({ TableName: DATA, Item: { pk, sk: "ORG", status: "active" } }));

    await doc.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: DATA,
              Item: { pk, sk: "PAYMENT#1", amount: 30 },
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
          {
            Update: {
              TableName: DATA,
              Key: { pk, sk: "ACCOUNT#1" },
              UpdateExpression: "SET balance = balance - :amount, lastPayment = :payment",
              ConditionExpression: "balance >= :amount",
              ExpressionAttributeValues: { ":amount": 30, ":payment": "PAYMENT#1" },
            },
          },
          {
            Delete: {
              TableName: DATA,
              Key: { pk, sk: "HOLD#1" },
              ConditionExpression: "attribute_exists(sk)",
            },
          },
          {
            ConditionCheck: {
              TableName: DATA,
              Key: { pk, sk: "ORG" },
              ConditionExpression: "#status = :active",
              ExpressionAttributeNames: { "#status": "status" },
              ExpressionAttributeValues: { ":active": "active" },
            },
          },
          {
            Put: {
              TableName: KEYS,
              Item: {
                pk: "KEY#commit",
                orgId: "commit",
                createdAt: "2024-01-01",
                windowCount: 3,
                revokedAt: "x",
              },
            },
          },
        ],
      }),
    );

    expect(await getData(pk, "PAYMENT#1")).toEqual({ pk, sk: "PAYMENT#1", amount: 30 });
    expect(await getData(pk, "ACCOUNT#1")).toEqual({
      pk,
      sk: "ACCOUNT#1",
      balance: 70,
      lastPayment: "PAYMENT#1",
    });
    expect(await getData(pk, "HOLD#1")).toBeUndefined();
    expect(await getData(pk, "ORG")).toEqual({ pk, sk: "ORG", status: "active" });
    // Written through dynalite's own PutItem, so its index is maintained with the INCLUDE projection.
    const { Items } = await doc.send(
      new QueryCommand({
        TableName: KEYS,
        IndexName: KEYS_BY_ORG_INDEX,
        KeyConditionExpression: "orgId = :org",
        ExpressionAttributeValues: { ":org": "commit" },
      }),
    );
    expect(Items).toEqual([{ pk: "KEY#commit", orgId: "commit", createdAt: "2024-01-01", revokedAt: "x" }]);
  });

  it("cancels the whole transaction when one condition fails, with reasons in order and ALL_OLD", async () => {
    const pk = "ORG#cancel";
    await doc.send(new PutCommand({ TableName: DATA, Item: { pk, sk: "ACCOUNT#1", balance: 10 } }));
    await doc.send(new PutCommand({ TableName: DATA, Item: { pk, sk: "HOLD#1" } }));

    const err = await local.client
      .send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: DATA, Item: { pk: { S: pk }, sk: { S: "PAYMENT#1" } } } },
            {
              Update: {
                TableName: DATA,
                Key: { pk: { S: pk }, sk: { S: "ACCOUNT#1" } },
                UpdateExpression: "SET balance = balance - :amount",
                ConditionExpression: "balance >= :amount",
                ExpressionAttributeValues: { ":amount": { N: "30" } },
                ReturnValuesOnConditionCheckFailure: "ALL_OLD",
              },
            },
            { Delete: { TableName: DATA, Key: { pk: { S: pk }, sk: { S: "HOLD#1" } } } },
            {
              ConditionCheck: {
                TableName: DATA,
                Key: { pk: { S: pk }, sk: { S: "MISSING" } },
                ConditionExpression: "attribute_exists(pk)",
                ReturnValuesOnConditionCheckFailure: "ALL_OLD",
              },
            },
          ],
        }),
      )
      .catch((caught: unknown) => caught);

    expect(err).toBeInstanceOf(TransactionCanceledException);
    const canceled = err as TransactionCanceledException;
    expect(canceled.$metadata.httpStatusCode).toBe(400);
    expect(canceled.message).toBe(
      "Transaction cancelled, please refer cancellation reasons for specific reasons " +
        "[None, ConditionalCheckFailed, None, ConditionalCheckFailed]",
    );
    expect(canceled.CancellationReasons).toEqual([
      { Code: "None" },
      {
        Code: "ConditionalCheckFailed",
        Message: "The conditional request failed",
        Item: { pk: { S: pk }, sk: { S: "ACCOUNT#1" }, balance: { N: "10" } },
      },
      { Code: "None" },
      // No old item to return: it does not exist.
      { Code: "ConditionalCheckFailed", Message: "The conditional request failed" },
    ]);
    expect(await getData(pk, "PAYMENT#1")).toBeUndefined();
    expect(await getData(pk, "ACCOUNT#1")).toEqual({ pk, sk: "ACCOUNT#1", balance: 10 });
    expect(await getData(pk, "HOLD#1")).toEqual({ pk, sk: "HOLD#1" });
  });

  it("cancels with ValidationError when an update cannot apply to the item as it is", async () => {
    const pk = "ORG#invalid";
    await doc.send(new PutCommand({ TableName: DATA, Item: { pk, sk: "ACCOUNT#1", balance: "ten" } }));
    const err = await doc
      .send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: DATA, Item: { pk, sk: "PAYMENT#1" } } },
            {
              Update: {
                TableName: DATA,
                Key: { pk, sk: "ACCOUNT#1" },
                UpdateExpression: "ADD balance :amount",
                ExpressionAttributeValues: { ":amount": 5 },
              },
            },
          ],
        }),
      )
      .catch((caught: unknown) => caught);
    expect((err as TransactionCanceledException).CancellationReasons).toEqual([
      { Code: "None" },
      { Code: "ValidationError", Message: "An operand in the update expression has an incorrect data type" },
    ]);
    expect(await getData(pk, "PAYMENT#1")).toBeUndefined();
  });

  it("applies a transaction repeated with the same client request token once", async () => {
    const pk = "ORG#token";
    const add = (amount: string): TransactWriteItemsCommandInput => ({
      ClientRequestToken: "token-1",
      TransactItems: [
        {
          Update: {
            TableName: DATA,
            Key: { pk: { S: pk }, sk: { S: "COUNTER" } },
            UpdateExpression: "ADD n :amount",
            ExpressionAttributeValues: { ":amount": { N: amount } },
          },
        },
      ],
    });
    await local.client.send(new TransactWriteItemsCommand(add("1")));
    await local.client.send(new TransactWriteItemsCommand(add("1")));
    expect(await getData(pk, "COUNTER")).toEqual({ pk, sk: "COUNTER", n: 1 });
    const changed = await local.client
      .send(new TransactWriteItemsCommand(add("2")))
      .catch((caught: unknown) => caught);
    expect(changed).toMatchObject({ name: "IdempotentParameterMismatchException" });
  });

  it("rejects two actions on one item with a ValidationException", async () => {
    const pk = "ORG#twice";
    const err = await doc
      .send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: DATA, Item: { pk, sk: "A" } } },
            {
              ConditionCheck: {
                TableName: DATA,
                Key: { pk, sk: "A" },
                ConditionExpression: "attribute_exists(pk)",
              },
            },
          ],
        }),
      )
      .catch((caught: unknown) => caught);
    expect(err).toMatchObject({
      name: "ValidationException",
      message: "Transaction request cannot include multiple operations on one item",
    });
    expect(await getData(pk, "A")).toBeUndefined();
  });

  it("cancels a transaction touching an item held by another with TransactionConflict; the retry succeeds", async () => {
    const pk = "ORG#conflict";
    await doc.send(new PutCommand({ TableName: DATA, Item: { pk, sk: "ACCOUNT#1", balance: 0 } }));
    await doc.send(new PutCommand({ TableName: DATA, Item: { pk, sk: "ORG" } }));
    await doc.send(new PutCommand({ TableName: DATA, Item: { pk, sk: "USER#1" } }));
    const claimed = deferred();
    const release = deferred();
    afterClaim = async ({ items }) => {
      if (!touches(items, pk, "ACCOUNT#1")) return;
      afterClaim = undefined;
      claimed.resolve();
      await release.promise;
    };
    // Each credit also checks that something exists: the org, or the user asking.
    const credit = (amount: number, guard: string): TransactWriteCommandInput => ({
      TransactItems: [
        {
          ConditionCheck: {
            TableName: DATA,
            Key: { pk, sk: guard },
            ConditionExpression: "attribute_exists(pk)",
          },
        },
        {
          Update: {
            TableName: DATA,
            Key: { pk, sk: "ACCOUNT#1" },
            UpdateExpression: "ADD balance :amount",
            ExpressionAttributeValues: { ":amount": amount },
          },
        },
      ],
    });

    const first = doc.send(new TransactWriteCommand(credit(10, "ORG")));
    await claimed.promise;

    const second = await doc
      .send(new TransactWriteCommand(credit(5, "USER#1")))
      .catch((caught: unknown) => caught);
    expect(second).toBeInstanceOf(TransactionCanceledException);
    expect((second as TransactionCanceledException).message).toBe(
      "Transaction cancelled, please refer cancellation reasons for specific reasons [None, TransactionConflict]",
    );
    expect((second as TransactionCanceledException).CancellationReasons).toEqual([
      { Code: "None" },
      { Code: "TransactionConflict", Message: "Transaction is ongoing for the item" },
    ]);
    // A single-item write to the held item is refused, as DynamoDB does.
    const put = await local.client
      .send(new PutItemCommand({ TableName: DATA, Item: { pk: { S: pk }, sk: { S: "ACCOUNT#1" } } }))
      .catch((caught: unknown) => caught);
    expect(put).toBeInstanceOf(TransactionConflictException);
    // So is a transactional read of it.
    const read = await local.client
      .send(
        new TransactGetItemsCommand({
          TransactItems: [{ Get: { TableName: DATA, Key: { pk: { S: pk }, sk: { S: "ACCOUNT#1" } } } }],
        }),
      )
      .catch((caught: unknown) => caught);
    expect((read as TransactionCanceledException).CancellationReasons).toEqual([
      { Code: "TransactionConflict", Message: "Transaction is ongoing for the item" },
    ]);
    // Items outside the held transaction are not affected.
    await doc.send(new PutCommand({ TableName: DATA, Item: { pk, sk: "OTHER" } }));

    release.resolve();
    await first;
    await doc.send(new TransactWriteCommand(credit(5, "USER#1")));
    expect(await getData(pk, "ACCOUNT#1")).toEqual({ pk, sk: "ACCOUNT#1", balance: 15 });
  });

  it("answers TransactGetItems in request order, absent items as empty responses", async () => {
    const pk = "ORG#get";
    await doc.send(new PutCommand({ TableName: DATA, Item: { pk, sk: "A", value: 1, extra: "x" } }));
    await doc.send(
      new PutCommand({ TableName: KEYS, Item: { pk: "KEY#get", orgId: "get", createdAt: "c" } }),
    );

    const { Responses } = await local.client.send(
      new TransactGetItemsCommand({
        TransactItems: [
          { Get: { TableName: KEYS, Key: { pk: { S: "KEY#get" } } } },
          { Get: { TableName: DATA, Key: { pk: { S: pk }, sk: { S: "MISSING" } } } },
          {
            Get: {
              TableName: DATA,
              Key: { pk: { S: pk }, sk: { S: "A" } },
              ProjectionExpression: "sk, #v",
              ExpressionAttributeNames: { "#v": "value" },
            },
          },
        ],
      }),
    );
    expect(Responses).toEqual([
      { Item: { pk: { S: "KEY#get" }, orgId: { S: "get" }, createdAt: { S: "c" } } },
      {},
      { Item: { sk: { S: "A" }, value: { N: "1" } } },
    ]);
  });

  it("ends 20 concurrent transactional increments of one counter at exactly 20", async () => {
    const pk = "ORG#counter";
    let conflicts = 0;
    const firstConflict = deferred();
    // Hold the first transaction on the counter until another one has been refused, so the retry
    // path surely runs; then let all of them race.
    afterClaim = async ({ items }) => {
      if (!touches(items, pk, "COUNTER")) return;
      afterClaim = undefined;
      await firstConflict.promise;
    };
    const increment = (request: number): TransactWriteItemsCommandInput => ({
      TransactItems: [
        {
          Update: {
            TableName: DATA,
            Key: { pk: { S: pk }, sk: { S: "COUNTER" } },
            UpdateExpression: "ADD #n :one",
            ExpressionAttributeNames: { "#n": "n" },
            ExpressionAttributeValues: { ":one": { N: "1" } },
          },
        },
        {
          Put: {
            TableName: DATA,
            Item: { pk: { S: pk }, sk: { S: `REQUEST#${request}` } },
            ConditionExpression: "attribute_not_exists(pk)",
          },
        },
      ],
    });

    await Promise.all(
      Array.from({ length: 20 }, (_, request) =>
        retryOnConflict(
          () => local.client.send(new TransactWriteItemsCommand(increment(request))),
          () => {
            conflicts++;
            firstConflict.resolve();
          },
        ),
      ),
    );

    expect(conflicts).toBeGreaterThan(0);
    expect(await getData(pk, "COUNTER")).toEqual({ pk, sk: "COUNTER", n: 20 });
    for (let request = 0; request < 20; request++)
      expect(await getData(pk, `REQUEST#${request}`)).toBeDefined();
  });

  it("sweeps items whose TTL has passed by the injected clock, and only those", async () => {
    now = 2_000_000_000_000;
    const seconds = now / 1000;
    const pk = "ORG#ttl";
    const items = [
      { pk, sk: "PAST", ttl: seconds - 60 },
      { pk, sk: "NOW", ttl: seconds },
      { pk, sk: "FUTURE", ttl: seconds + 60 },
      { pk, sk: "NO-TTL" },
      { pk, sk: "STRING-TTL", ttl: String(seconds - 60) },
    ];
    for (const item of items) await doc.send(new PutCommand({ TableName: DATA, Item: item }));
    await doc.send(new PutCommand({ TableName: KEYS, Item: { pk: "KEY#ttl", ttl: seconds - 1 } }));

    expect(await local.sweepExpired()).toBe(3);

    expect(await getData(pk, "PAST")).toBeUndefined();
    expect(await getData(pk, "NOW")).toBeUndefined();
    expect(await getData(pk, "FUTURE")).toBeDefined();
    expect(await getData(pk, "NO-TTL")).toBeDefined();
    expect(await getData(pk, "STRING-TTL")).toBeDefined();
    const key = await local.client.send(
      new GetItemCommand({ TableName: KEYS, Key: { pk: { S: "KEY#ttl" } }, ConsistentRead: true }),
    );
    expect(key.Item).toBeUndefined();

    now += 60_000;
    expect(await local.sweepExpired()).toBe(1);
    expect(await getData(pk, "FUTURE")).toBeUndefined();
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
