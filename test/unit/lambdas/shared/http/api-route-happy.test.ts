import { QueryCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import {
  ACCOUNT_ITEM,
  create,
  db,
  expectKeyHeaders,
  header,
  list,
  useApiRouteTestSetup,
} from "./api-route-support";

/**
 * The business chain when all goes well: the accounts routes list and create, and every answer to a
 * live key carries its headers.
 */
useApiRouteTestSetup();

describe("business chain: headers on every response", () => {
  it("carries X-Request-Id and the RateLimit fields on a success", async () => {
    db.on(QueryCommand).resolves({ Items: [] });

    const response = await list();

    expect(response.statusCode).toBe(200);
    expectKeyHeaders(response);
  });

  it("reports the key's own limit and remaining count", async () => {
    db.on(QueryCommand).resolves({ Items: [] });

    const response = await list({ context: { limit: "5", remaining: "0" } });

    expectKeyHeaders(response, { limit: 5, remaining: 0 });
  });
});

describe("GET /api/v1/accounts", () => {
  it("lists the org's accounts, 25 by default, from the org in the context", async () => {
    // Prepare
    db.on(QueryCommand).resolves({ Items: [ACCOUNT_ITEM] });

    // Act
    const response = await list();

    // Assess
    expect(response.statusCode).toBe(200);
    const { pk: _pk, sk: _sk, ...account } = ACCOUNT_ITEM;
    expect(JSON.parse(response.body)).toEqual({ items: [account], nextCursor: null });
    expect(db).toReceiveCommandExactlyOnceWith(QueryCommand, {
      TableName: "data",
      Limit: 25,
      ExpressionAttributeValues: expect.objectContaining({ ":pk": "ORG#org_acme" }),
    });
  });

  it("passes ?limit=100 through", async () => {
    db.on(QueryCommand).resolves({ Items: [] });

    await list({ query: { limit: ["100"] } });

    expect(db).toReceiveCommandWith(QueryCommand, { Limit: 100 });
  });
});

describe("POST /api/v1/accounts", () => {
  it("creates an account in the context's org and answers 201 with its Location", async () => {
    // Prepare
    db.on(TransactWriteCommand).resolves({});

    // Act
    const response = await create({ body: JSON.stringify({ name: "Acme Ltd", currency: "EUR" }) });

    // Assess
    expect(response.statusCode).toBe(201);
    const account = JSON.parse(response.body);
    expect(account).toEqual({
      id: expect.stringMatching(/^acc_[0-9A-Z]{26}$/),
      name: "Acme Ltd",
      externalRef: null,
      currency: "EUR",
      balance: 0,
      status: "open",
      createdAt: "2025-01-15T10:07:30.250Z",
      updatedAt: "2025-01-15T10:07:30.250Z",
    });
    // The event is the fixture's, called on the bare stage URL: the link keeps the stage (API.md §6).
    expect(header(response, "Location")).toBe(`/prod/api/v1/accounts/${account.id}`);
    expect(header(response, "Content-Type")).toMatch(/^application\/json/);
    expectKeyHeaders(response);
    expect(db).toReceiveCommandTimes(TransactWriteCommand, 1);
    const [accountPut, interactionPut, outboxPut, ...rest] =
      db.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(rest).toEqual([]);
    expect(accountPut?.Put).toMatchObject({
      TableName: "data",
      Item: { pk: "ORG#org_acme", sk: `ACCOUNT#${account.id}`, ...account },
      ConditionExpression: "attribute_not_exists(pk)",
    });
    expect(interactionPut?.Put?.Item).toEqual({
      pk: "ORG#org_acme",
      sk: expect.stringMatching(/^INTERACTION#int_[0-9A-Z]{26}$/),
      id: expect.stringMatching(/^int_/),
      accountId: account.id,
      type: "account.created",
      at: "2025-01-15T10:07:30.250Z",
      data: account,
    });
    // The webhook outbox item (API.md §9), in the same transaction: the event exists iff the write does.
    expect(outboxPut?.Put).toEqual({
      TableName: "data",
      Item: {
        pk: "ORG#org_acme",
        sk: `OUTBOX#${interactionPut?.Put?.Item?.id.replace(/^int_/, "evt_")}`,
        id: interactionPut?.Put?.Item?.id.replace(/^int_/, "evt_"),
        type: "account.created",
        createdAt: "2025-01-15T10:07:30.250Z",
        orgId: "org_acme",
        data: account,
        ttl: Math.floor(Date.parse("2025-01-15T10:07:30.250Z") / 1000) + 7 * 86_400,
      },
      ConditionExpression: "attribute_not_exists(pk)",
    });
  });

  it("accepts application/json; charset=utf-8", async () => {
    db.on(TransactWriteCommand).resolves({});

    const response = await create({
      body: JSON.stringify({ name: "Acme Ltd", currency: "EUR" }),
      contentType: "application/json; charset=utf-8",
    });

    expect(response.statusCode).toBe(201);
  });

  it("writes an externalRef guard in the context's org with the account and its interaction", async () => {
    db.on(TransactWriteCommand).resolves({});

    const response = await create({
      body: JSON.stringify({ name: "Acme", currency: "EUR", externalRef: "crm-1" }),
    });

    expect(response.statusCode).toBe(201);
    const items = db.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(items.map((item) => item.Put?.Item?.pk)).toEqual([
      "ORG#org_acme",
      "ORG#org_acme",
      "ORG#org_acme",
      "ORG#org_acme",
    ]);
    expect(items.map((item) => item.Put?.Item?.sk)).toEqual([
      `ACCOUNT#${JSON.parse(response.body).id}`,
      "EXTREF#crm-1",
      expect.stringMatching(/^INTERACTION#/),
      expect.stringMatching(/^OUTBOX#evt_/),
    ]);
  });
});
