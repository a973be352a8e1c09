import {
  type AttributeValue,
  type CancellationReason,
  DynamoDBClient,
  InternalServerError,
  TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { RetryPolicy, Runtime } from "../../../../../contract/runtime";
import { createHandler as createAccount } from "../../../../../lambdas/accounts/create-account.handler";
import { createHandler as updateAccount } from "../../../../../lambdas/accounts/update-account.handler";
import { createHandler as createContact } from "../../../../../lambdas/contacts/create-contact.handler";
import { importAccounts } from "../../../../../lambdas/import/import-service";
import { createHandler as registerPayment } from "../../../../../lambdas/payments/register-payment.handler";
import { backoffDelay, DEFAULT_RETRY } from "../../../../../lambdas/shared/dynamo/transact";
import { canonicalJson } from "../../../../../lambdas/shared/http/idempotency";
import { settingsFromEnv } from "../../../../../lambdas/shared/runtime";
import { lambdaAuthorizerProxyFixture, withHeaders } from "../../../../fixtures/events";
import { offlineDynamo } from "../../../../offline-dynamo";

const REQUEST_ID = "3c177581-2d03-4af4-9b68-5924083f37fe";
const NOW = Date.UTC(2025, 0, 15, 10, 7, 30, 250);
const AT = new Date(NOW).toISOString();
const ORG = "org_acme";
const ACCOUNT_ID = "acc_01JHKZ5V2R0000000000000000";
const CONTACT_ACCOUNT_ID = "acc_01JHKZ5V2R0000000000000001";

const db = mockClient(DynamoDBDocumentClient);
const sleeps: number[] = [];
/** Backoff with the randomness fixed at one half and no real waiting. */
const RETRY: RetryPolicy = {
  ...DEFAULT_RETRY,
  attempts: 4,
  random: () => 0.5,
  sleep: async (ms) => void sleeps.push(ms),
};
const consoleSpies = (["log", "info", "warn", "error", "debug"] as const).map((method) =>
  vi.spyOn(console, method).mockImplementation(() => undefined),
);

/** The routes as deployed, over a client the mock answers and the retry policy above. */
const runtime: Runtime = {
  clock: () => NOW,
  dynamo: offlineDynamo(),
  settings: { ...settingsFromEnv({}), dataTable: "data" },
  retry: RETRY,
};
const createAccountHandler = createAccount(runtime);
const updateAccountHandler = updateAccount(runtime);
const createContactHandler = createContact(runtime);
const registerPaymentHandler = registerPayment(runtime);

beforeEach(() => {
  sleeps.length = 0;
});
afterEach(() => {
  db.reset();
  for (const spy of consoleSpies) spy.mockClear();
});
afterAll(() => {
  db.restore();
  for (const spy of consoleSpies) spy.mockRestore();
});

interface Call {
  method: "POST" | "PATCH";
  resource: string;
  pathParameters?: Record<string, string>;
  body?: unknown;
  headers?: Record<string, string[]>;
}

/** A proxy event built on the real fixture, the key's context as API Gateway hands it over (strings). */
function apiEvent({ method, resource, pathParameters = {}, body, headers = {} }: Call): APIGatewayProxyEvent {
  const fixture = lambdaAuthorizerProxyFixture();
  const path = resource.replace(/\{(\w+)\}/g, (_, name: string) => pathParameters[name] ?? "");
  return {
    ...withHeaders(fixture, { "Content-Type": ["application/json"], ...headers }),
    resource,
    path,
    httpMethod: method,
    pathParameters,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    body: body === undefined ? null : JSON.stringify(body),
    requestContext: {
      ...fixture.requestContext,
      resourcePath: resource,
      httpMethod: method,
      authorizer: {
        principalId: "key_5u1a57vZeyw1x9yto1mqYA",
        orgId: ORG,
        keyId: "key_5u1a57vZeyw1x9yto1mqYA",
        scopes: "accounts:read accounts:write contacts:write payments:write import",
        limit: "100",
        remaining: "50",
        resetAt: String(Math.ceil(NOW / 900_000) * 900),
        windowSeconds: "900",
        throttled: "false",
        ipAllowed: "true",
      },
    },
  };
}

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<unknown>;
// biome-ignore lint/suspicious/noExplicitAny: response bodies are inspected field by field
type Result = APIGatewayProxyResult & { json: any };

async function invoke(handler: Handler, call: Call): Promise<Result> {
  const result = (await handler(apiEvent(call), {} as Context)) as APIGatewayProxyResult;
  return { ...result, json: result.body ? JSON.parse(result.body) : undefined };
}

const pay = (body: unknown = { amount: 250, currency: "EUR" }, headers: Record<string, string[]> = {}) =>
  invoke(registerPaymentHandler as Handler, {
    method: "POST",
    resource: "/api/v1/accounts/{accountId}/payments",
    pathParameters: { accountId: ACCOUNT_ID },
    body,
    headers,
  });

function canceled(reasons: CancellationReason[]) {
  return new TransactionCanceledException({
    message: "Transaction cancelled",
    $metadata: {},
    CancellationReasons: reasons,
  });
}

const none: CancellationReason = { Code: "None" };
const conflict: CancellationReason = {
  Code: "TransactionConflict",
  Message: "Transaction is ongoing for the item",
};
const conditionFailed = (item?: Record<string, AttributeValue>): CancellationReason => ({
  Code: "ConditionalCheckFailed",
  ...(item ? { Item: item } : {}),
});

/** An account image as DynamoDB returns it in a cancellation reason: not unmarshalled. */
const rawAccount = (fields: { status: string; currency: string; balance?: number }) => ({
  pk: { S: `ORG#${ORG}` },
  sk: { S: `ACCOUNT#${ACCOUNT_ID}` },
  status: { S: fields.status },
  currency: { S: fields.currency },
  balance: { N: String(fields.balance ?? 0) },
});

function expectEnvelope(result: Result, status: number, code: string) {
  expect(result.statusCode).toBe(status);
  expect(result.json).toEqual({
    error: { code, message: expect.any(String), requestId: REQUEST_ID, details: expect.any(Array) },
  });
  return result.json.error as { message: string; details: { path: string; message: string }[] };
}

describe("payments: one transaction, reasons read by action index", () => {
  it("sends the payment, the guarded balance update, the idempotency record and the interaction together", async () => {
    db.on(TransactWriteCommand).resolves({});

    const result = await pay(
      { amount: 250, currency: "EUR", reference: "INV-1" },
      { "Idempotency-Key": ["k-1"] },
    );

    expect(result.statusCode).toBe(201);
    expect(db).toReceiveCommandTimes(TransactWriteCommand, 1);
    const items = db.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(items).toHaveLength(5);
    expect(items[0]?.Put).toMatchObject({
      Item: { pk: `ORG#${ORG}`, sk: `PAYMENT#${ACCOUNT_ID}#${result.json.id}`, ...result.json },
      ConditionExpression: "attribute_not_exists(pk)",
    });
    expect(items[1]?.Update).toMatchObject({
      Key: { pk: `ORG#${ORG}`, sk: `ACCOUNT#${ACCOUNT_ID}` },
      UpdateExpression: "SET #balance = #balance - :amount, #updatedAt = :now",
      ConditionExpression: expect.stringContaining("#status = :open AND #currency = :currency"),
      ExpressionAttributeValues: expect.objectContaining({
        ":amount": 250,
        ":currency": "EUR",
        ":open": "open",
      }),
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    });
    expect(items[2]?.Put).toMatchObject({
      Item: {
        pk: `ORG#${ORG}`,
        sk: expect.stringMatching(/^IDEMPOTENCY#[0-9a-f]{64}$/),
        statusCode: 201,
        ttl: Math.floor(NOW / 1000) + 86_400,
      },
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    });
    expect(items[3]?.Put?.Item).toMatchObject({
      sk: expect.stringMatching(/^INTERACTION#int_/),
      type: "payment.registered",
      accountId: ACCOUNT_ID,
      at: AT,
      data: result.json,
    });
    expect(items[4]?.Put?.Item).toMatchObject({
      sk: expect.stringMatching(/^OUTBOX#evt_/),
      type: "payment.registered",
      orgId: ORG,
      createdAt: AT,
      data: result.json,
    });
  });

  it("answers 404 when the account's condition failed and there was no account", async () => {
    db.on(TransactWriteCommand).rejects(canceled([none, conditionFailed(), none]));

    expectEnvelope(await pay(), 404, "not_found");
  });

  it("answers 400 at currency when the account holds another currency", async () => {
    db.on(TransactWriteCommand).rejects(
      canceled([none, conditionFailed(rawAccount({ status: "open", currency: "USD" })), none]),
    );

    const error = expectEnvelope(await pay(), 400, "validation_error");

    expect(error.details).toEqual([{ path: "currency", message: expect.stringContaining("USD") }]);
  });

  it("answers 409 when the account is closed", async () => {
    db.on(TransactWriteCommand).rejects(
      canceled([none, conditionFailed(rawAccount({ status: "closed", currency: "EUR" })), none]),
    );

    expectEnvelope(await pay(), 409, "conflict");
  });

  it("replays a live idempotency record of a JSON-equal body, and answers 409 to another body", async () => {
    const body = { amount: 250, currency: "EUR" };
    const stored = {
      statusCode: { N: "201" },
      fingerprint: {
        S: (await import("node:crypto")).createHash("sha256").update(canonicalJson(body)).digest("hex"),
      },
      answer: { S: JSON.stringify({ body: { id: "pay_stored" }, headers: { Location: "/stored" } }) },
    };
    // A replay arriving after the account closed: both conditions fail, the record wins.
    db.on(TransactWriteCommand).rejects(
      canceled([
        none,
        conditionFailed(rawAccount({ status: "closed", currency: "EUR" })),
        conditionFailed(stored),
        none,
      ]),
    );

    const replay = await pay({ currency: "EUR", amount: 250 }, { "Idempotency-Key": ["k"] });
    const other = await pay({ amount: 251, currency: "EUR" }, { "Idempotency-Key": ["k"] });

    expect(replay.statusCode).toBe(201);
    expect(replay.json).toEqual({ id: "pay_stored" });
    expect(replay.headers).toMatchObject({ Location: "/stored", "Idempotent-Replayed": "true" });
    expectEnvelope(other, 409, "conflict");
  });

  it("retries TransactionConflict with growing jittered waits, then succeeds", async () => {
    db.on(TransactWriteCommand)
      .rejectsOnce(canceled([none, conflict, none]))
      .rejectsOnce(canceled([none, conflict, none]))
      .resolves({});

    const result = await pay();

    expect(result.statusCode).toBe(201);
    expect(db).toReceiveCommandTimes(TransactWriteCommand, 3);
    // Full jitter: half of 20 ms, then half of 40 ms.
    expect(sleeps).toEqual([10, 20]);
  });

  it("answers 503 unavailable with Retry-After once the attempts are spent, having written nothing", async () => {
    db.on(TransactWriteCommand).rejects(canceled([none, conflict, none]));

    const result = await pay();

    expectEnvelope(result, 503, "unavailable");
    expect(result.headers?.["Retry-After"]).toBe("1");
    expect(db).toReceiveCommandTimes(TransactWriteCommand, RETRY.attempts);
    expect(sleeps).toEqual([10, 20, 40]);
  });

  it("does not retry a failed condition that came with a conflict", async () => {
    db.on(TransactWriteCommand).rejects(
      canceled([conflict, conditionFailed(rawAccount({ status: "closed", currency: "EUR" })), none]),
    );

    expectEnvelope(await pay(), 409, "conflict");
    expect(db).toReceiveCommandTimes(TransactWriteCommand, 1);
  });

  it("answers an SDK error with a 500 that says nothing internal", async () => {
    db.on(TransactWriteCommand).rejects(
      new InternalServerError({
        message: "partition 7f3a exploded (request 9XYZ)",
        $metadata: { httpStatusCode: 500 },
      }),
    );

    const result = await pay();

    expect(expectEnvelope(result, 500, "internal_error").details).toEqual([]);
    for (const leak of ["partition", "7f3a", "9XYZ", "InternalServerError", "    at "]) {
      expect(result.body).not.toContain(leak);
    }
  });

  it("answers an unexpected cancellation (a validation error of an action) with a 500", async () => {
    db.on(TransactWriteCommand).rejects(
      canceled([{ Code: "ValidationError", Message: "Item size exceeded" }]),
    );

    expectEnvelope(await pay(), 500, "internal_error");
  });
});

describe("accounts: create and update", () => {
  const create = (body: unknown) =>
    invoke(createAccountHandler as Handler, { method: "POST", resource: "/api/v1/accounts", body });
  const patch = (body: unknown) =>
    invoke(updateAccountHandler as Handler, {
      method: "PATCH",
      resource: "/api/v1/accounts/{accountId}",
      pathParameters: { accountId: ACCOUNT_ID },
      body,
    });
  const accountItem = (fields: Record<string, unknown> = {}) => ({
    pk: `ORG#${ORG}`,
    sk: `ACCOUNT#${ACCOUNT_ID}`,
    id: ACCOUNT_ID,
    name: "Acme",
    externalRef: "crm-1",
    currency: "EUR",
    balance: 0,
    status: "open",
    createdAt: AT,
    updatedAt: AT,
    ...fields,
  });

  it("answers 409 when the externalRef guard (action 1) already exists", async () => {
    db.on(TransactWriteCommand).rejects(canceled([none, conditionFailed(), none]));

    expectEnvelope(await create({ name: "Acme", currency: "EUR", externalRef: "crm-1" }), 409, "conflict");
  });

  it("retries a create that conflicted", async () => {
    db.on(TransactWriteCommand)
      .rejectsOnce(canceled([none, conflict, none]))
      .resolves({});

    expect((await create({ name: "Acme", currency: "EUR", externalRef: "crm-1" })).statusCode).toBe(201);
    expect(sleeps).toEqual([10]);
  });

  it("moves the guard in the update's transaction: old released if still this account's, new taken if free", async () => {
    db.on(GetCommand).resolves({ Item: accountItem() });
    db.on(TransactWriteCommand).resolves({});

    const result = await patch({ externalRef: "crm-2" });

    expect(result.statusCode).toBe(200);
    const items = db.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(items.map((item) => Object.keys(item)[0])).toEqual(["Update", "Update", "Put", "Put", "Put"]);
    expect(items[0]?.Update?.ConditionExpression).toContain("attribute_exists(pk)");
    // Released, not deleted: business functions hold no DeleteItem permission; the TTL removes it.
    expect(items[1]?.Update).toMatchObject({
      Key: { pk: `ORG#${ORG}`, sk: "EXTREF#crm-1" },
      UpdateExpression: "REMOVE accountId SET #ttl = :ttl",
      ConditionExpression: "accountId = :accountId",
      ExpressionAttributeValues: { ":accountId": ACCOUNT_ID, ":ttl": Math.floor(NOW / 1000) + 86_400 },
    });
    expect(items[2]?.Put).toMatchObject({
      Item: { pk: `ORG#${ORG}`, sk: "EXTREF#crm-2", accountId: ACCOUNT_ID },
      ConditionExpression: "attribute_not_exists(accountId)",
    });
    expect(items[3]?.Put?.Item).toMatchObject({ type: "account.updated", data: result.json });
  });

  it("answers 409 when the new ref's guard (action 2) is taken", async () => {
    db.on(GetCommand).resolves({ Item: accountItem() });
    db.on(TransactWriteCommand).rejects(
      canceled([none, none, conditionFailed({ accountId: { S: "acc_other" } }), none]),
    );

    expectEnvelope(await patch({ externalRef: "crm-2" }), 409, "conflict");
  });

  it("reads again and recomputes when the account changed since it was read (a payment got in)", async () => {
    db.on(GetCommand)
      .resolvesOnce({ Item: accountItem() })
      .resolves({ Item: accountItem({ balance: -50, updatedAt: "2025-01-15T10:07:31.000Z" }) });
    db.on(TransactWriteCommand)
      .rejectsOnce(canceled([conditionFailed(), none]))
      .resolves({});

    const result = await patch({ name: "Acme 2" });

    expect(result.statusCode).toBe(200);
    expect(result.json).toMatchObject({ name: "Acme 2", balance: -50 });
    expect(db).toReceiveCommandTimes(GetCommand, 2);
    const second = db.commandCalls(TransactWriteCommand)[1]?.args[0].input.TransactItems ?? [];
    expect(second[0]?.Update?.ExpressionAttributeValues).toMatchObject({ ":seen3": -50 });
    expect(sleeps).toEqual([10]);
  });

  it("answers 404 for an account that is not there, and writes nothing for an empty patch", async () => {
    db.on(GetCommand).resolvesOnce({}).resolves({ Item: accountItem() });

    expectEnvelope(await patch({ name: "X" }), 404, "not_found");
    expect((await patch(undefined)).statusCode).toBe(200);
    expect(db).toReceiveCommandTimes(TransactWriteCommand, 0);
  });
});

describe("contacts: the account check is action 0", () => {
  it("answers 404 naming accountId when the account's condition check failed", async () => {
    db.on(TransactWriteCommand).rejects(canceled([conditionFailed(), none, none]));

    const result = await invoke(createContactHandler as Handler, {
      method: "POST",
      resource: "/api/v1/contacts",
      body: { accountId: CONTACT_ACCOUNT_ID, name: "Ana" },
    });

    expect(expectEnvelope(result, 404, "not_found").details).toEqual([
      { path: "accountId", message: expect.any(String) },
    ]);
  });
});

describe("import: a row's storage trouble fails that row only", () => {
  it("keeps the other rows, names the failed one without internals, and still records import.completed", async () => {
    const deps = {
      db: DynamoDBDocumentClient.from(new DynamoDBClient({ region: "eu-west-1" })),
      table: "data",
      retry: RETRY,
    };
    db.on(TransactWriteCommand)
      .rejectsOnce(canceled([conflict, none]))
      .rejectsOnce(canceled([conflict, none]))
      .rejectsOnce(canceled([conflict, none]))
      .rejectsOnce(canceled([conflict, none]))
      .rejectsOnce(new InternalServerError({ message: "disk 7 on fire", $metadata: {} }))
      .resolves({});

    const result = await importAccounts(
      deps,
      ORG,
      [
        { name: "Busy", currency: "EUR" },
        { name: "Broken", currency: "EUR" },
        { name: "Fine", currency: "EUR" },
      ],
      NOW,
      1,
    );

    expect(result.summary).toEqual({ received: 3, created: 1, updated: 0, failed: 2 });
    expect(result.results.map((row) => row.status)).toEqual(["failed", "failed", "created"]);
    expect(JSON.stringify(result)).not.toContain("disk 7");
    const last = db.commandCalls(TransactWriteCommand).at(-1)?.args[0].input.TransactItems ?? [];
    expect(last[0]?.Put?.Item).toMatchObject({
      type: "import.completed",
      accountId: null,
      data: result.summary,
    });
  });
});

describe("backoff", () => {
  it("waits uniformly below min(max, base · 2^n)", () => {
    const policy = { ...DEFAULT_RETRY, random: () => 0.999_999 };
    expect([0, 1, 2, 5, 6, 20].map((retry) => backoffDelay(policy, retry))).toEqual([
      19, 39, 79, 639, 999, 999,
    ]);
    expect(backoffDelay({ ...DEFAULT_RETRY, random: () => 0 }, 7)).toBe(0);
  });
});
