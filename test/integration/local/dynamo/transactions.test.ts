import {
  PutItemCommand,
  TransactGetItemsCommand,
  TransactionCanceledException,
  TransactionConflictException,
  TransactWriteItemsCommand,
  type TransactWriteItemsCommandInput,
} from "@aws-sdk/client-dynamodb";
import {
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { KEYS_BY_ORG_INDEX } from "../../../../contract/tables";
import { DATA, deferred, KEYS, localDynamoSuite, retryOnConflict, touches } from "./support";

describe("local DynamoDB transactions", () => {
  const suite = localDynamoSuite();

  it("commits every action of a TransactWriteItems: Put, Update, Delete, ConditionCheck", async () => {
    const pk = "ORG#commit";
    await suite.doc.send(new PutCommand({ TableName: DATA, Item: { pk, sk: "ACCOUNT#1", balance: 100 } }));
    await suite.doc.send(new PutCommand({ TableName: DATA, Item: { pk, sk: "HOLD#1" } }));
    await suite.doc.send(new PutCommand({ TableName: DATA, Item: { pk, sk: "ORG", status: "active" } }));

    await suite.doc.send(
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

    expect(await suite.getData(pk, "PAYMENT#1")).toEqual({ pk, sk: "PAYMENT#1", amount: 30 });
    expect(await suite.getData(pk, "ACCOUNT#1")).toEqual({
      pk,
      sk: "ACCOUNT#1",
      balance: 70,
      lastPayment: "PAYMENT#1",
    });
    expect(await suite.getData(pk, "HOLD#1")).toBeUndefined();
    expect(await suite.getData(pk, "ORG")).toEqual({ pk, sk: "ORG", status: "active" });
    // Written through dynalite's own PutItem, so its index is maintained with the INCLUDE projection.
    const { Items } = await suite.doc.send(
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
    await suite.doc.send(new PutCommand({ TableName: DATA, Item: { pk, sk: "ACCOUNT#1", balance: 10 } }));
    await suite.doc.send(new PutCommand({ TableName: DATA, Item: { pk, sk: "HOLD#1" } }));

    const err = await suite.local.client
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
    expect(await suite.getData(pk, "PAYMENT#1")).toBeUndefined();
    expect(await suite.getData(pk, "ACCOUNT#1")).toEqual({ pk, sk: "ACCOUNT#1", balance: 10 });
    expect(await suite.getData(pk, "HOLD#1")).toEqual({ pk, sk: "HOLD#1" });
  });

  it("cancels with ValidationError when an update cannot apply to the item as it is", async () => {
    const pk = "ORG#invalid";
    await suite.doc.send(new PutCommand({ TableName: DATA, Item: { pk, sk: "ACCOUNT#1", balance: "ten" } }));
    const err = await suite.doc
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
    expect(await suite.getData(pk, "PAYMENT#1")).toBeUndefined();
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
    await suite.local.client.send(new TransactWriteItemsCommand(add("1")));
    await suite.local.client.send(new TransactWriteItemsCommand(add("1")));
    expect(await suite.getData(pk, "COUNTER")).toEqual({ pk, sk: "COUNTER", n: 1 });
    const changed = await suite.local.client
      .send(new TransactWriteItemsCommand(add("2")))
      .catch((caught: unknown) => caught);
    expect(changed).toMatchObject({ name: "IdempotentParameterMismatchException" });
  });

  it("rejects two actions on one item with a ValidationException", async () => {
    const pk = "ORG#twice";
    const err = await suite.doc
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
    expect(await suite.getData(pk, "A")).toBeUndefined();
  });

  it("cancels a transaction touching an item held by another with TransactionConflict; the retry succeeds", async () => {
    const pk = "ORG#conflict";
    await suite.doc.send(new PutCommand({ TableName: DATA, Item: { pk, sk: "ACCOUNT#1", balance: 0 } }));
    await suite.doc.send(new PutCommand({ TableName: DATA, Item: { pk, sk: "ORG" } }));
    await suite.doc.send(new PutCommand({ TableName: DATA, Item: { pk, sk: "USER#1" } }));
    const claimed = deferred();
    const release = deferred();
    suite.afterClaim = async ({ items }) => {
      if (!touches(items, pk, "ACCOUNT#1")) return;
      suite.afterClaim = undefined;
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

    const first = suite.doc.send(new TransactWriteCommand(credit(10, "ORG")));
    await claimed.promise;

    const second = await suite.doc
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
    const put = await suite.local.client
      .send(new PutItemCommand({ TableName: DATA, Item: { pk: { S: pk }, sk: { S: "ACCOUNT#1" } } }))
      .catch((caught: unknown) => caught);
    expect(put).toBeInstanceOf(TransactionConflictException);
    // So is a transactional read of it.
    const read = await suite.local.client
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
    await suite.doc.send(new PutCommand({ TableName: DATA, Item: { pk, sk: "OTHER" } }));

    release.resolve();
    await first;
    await suite.doc.send(new TransactWriteCommand(credit(5, "USER#1")));
    expect(await suite.getData(pk, "ACCOUNT#1")).toEqual({ pk, sk: "ACCOUNT#1", balance: 15 });
  });

  it("answers TransactGetItems in request order, absent items as empty responses", async () => {
    const pk = "ORG#get";
    await suite.doc.send(new PutCommand({ TableName: DATA, Item: { pk, sk: "A", value: 1, extra: "x" } }));
    await suite.doc.send(
      new PutCommand({ TableName: KEYS, Item: { pk: "KEY#get", orgId: "get", createdAt: "c" } }),
    );

    const { Responses } = await suite.local.client.send(
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
    suite.afterClaim = async ({ items }) => {
      if (!touches(items, pk, "COUNTER")) return;
      suite.afterClaim = undefined;
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
          () => suite.local.client.send(new TransactWriteItemsCommand(increment(request))),
          () => {
            conflicts++;
            firstConflict.resolve();
          },
        ),
      ),
    );

    expect(conflicts).toBeGreaterThan(0);
    expect(await suite.getData(pk, "COUNTER")).toEqual({ pk, sk: "COUNTER", n: 20 });
    for (let request = 0; request < 20; request++)
      expect(await suite.getData(pk, `REQUEST#${request}`)).toBeDefined();
  });
});
