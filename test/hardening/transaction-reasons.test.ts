import {
  type CancellationReason,
  DynamoDBClient,
  TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { RetryPolicy } from "../../contract/runtime";
import { updateContact } from "../../lambdas/contacts/contact-store";
import { DEFAULT_RETRY } from "../../lambdas/shared/dynamo/transact";
import type { HttpError } from "../../lambdas/shared/http/errors";
import { failureError } from "../../lambdas/shared/http/failures";
import { OutageError, type Outcome } from "../../lambdas/shared/outcome";

/**
 * The one business transaction test/unit/lambdas/shared/dynamo/transact-routes.test.ts leaves out: a contact's
 * PATCH, whose cancellation reasons decide between reading again, 404 and 503. (Payments, account
 * creates and updates, contact creates and import rows are covered there.)
 */
const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);
const ORG = "org_acme";
const CONTACT_ID = "con_01JHKZ5V2R0000000000000002";
const db = mockClient(DynamoDBDocumentClient);
const sleeps: number[] = [];
const retry: RetryPolicy = {
  ...DEFAULT_RETRY,
  attempts: 4,
  random: () => 0.5,
  sleep: async (ms) => void sleeps.push(ms),
};
const deps = {
  db: DynamoDBDocumentClient.from(new DynamoDBClient({ region: "eu-west-1" })),
  table: "data",
  retry,
};

afterEach(() => {
  db.reset();
  sleeps.length = 0;
});
afterAll(() => db.restore());

const contactItem = (fields: Record<string, unknown> = {}) => ({
  pk: `ORG#${ORG}`,
  sk: `CONTACT#${CONTACT_ID}`,
  id: CONTACT_ID,
  accountId: "acc_01JHKZ5V2R0000000000000001",
  name: "Ana",
  email: null,
  phone: null,
  role: null,
  createdAt: "2026-11-26T11:00:00.000Z",
  updatedAt: "2026-11-26T11:00:00.000Z",
  ...fields,
});
const canceled = (reasons: CancellationReason[]) =>
  new TransactionCanceledException({
    message: "Transaction cancelled",
    $metadata: {},
    CancellationReasons: reasons,
  });
const none: CancellationReason = { Code: "None" };
const conflict: CancellationReason = {
  Code: "TransactionConflict",
  Message: "Transaction is ongoing for the item",
};
const conditionFailed: CancellationReason = { Code: "ConditionalCheckFailed" };

/** The store's failed outcome (returned) or outage (thrown), as the HTTP edge answers it. */
async function failure(promise: Promise<Outcome<unknown>>): Promise<HttpError> {
  const settled = await promise.then(
    (outcome) => outcome,
    (caught: unknown) => caught,
  );
  if (settled instanceof OutageError) return failureError(settled.outage);
  expect(settled).toMatchObject({ ok: false });
  return failureError((settled as Extract<Outcome<unknown>, { ok: false }>).failure);
}

/** The contact a successful PATCH answers. */
async function updated(promise: ReturnType<typeof updateContact>) {
  const outcome = await promise;
  if (!outcome.ok) throw new Error(`expected the contact, got ${outcome.failure.kind}`);
  return outcome.value;
}

describe("a contact's PATCH, by its transaction's cancellation reasons", () => {
  it("reads again when the contact's guard failed (it changed), and writes the patch over what it read then", async () => {
    db.on(GetCommand)
      .resolvesOnce({ Item: contactItem() })
      .resolves({ Item: contactItem({ role: "CFO", updatedAt: "2026-11-26T11:30:00.000Z" }) });
    db.on(TransactWriteCommand)
      .rejectsOnce(canceled([conditionFailed, none, none]))
      .resolves({});

    const contact = await updated(updateContact(deps, ORG, CONTACT_ID, { name: "Ana B" }, NOW));

    expect(contact).toMatchObject({ name: "Ana B", role: "CFO" });
    expect(db).toReceiveCommandTimes(GetCommand, 2);
    expect(db).toReceiveCommandTimes(TransactWriteCommand, 2);
  });

  it("answers 404 when the guard failed because the contact is gone", async () => {
    db.on(GetCommand).resolvesOnce({ Item: contactItem() }).resolves({});
    db.on(TransactWriteCommand).rejects(canceled([conditionFailed, none, none]));

    const error = await failure(updateContact(deps, ORG, CONTACT_ID, { name: "Ana B" }, NOW));

    expect({ status: error.statusCode, code: error.code }).toEqual({ status: 404, code: "not_found" });
    expect(db).toReceiveCommandTimes(TransactWriteCommand, 1);
  });

  it("retries a transaction cancelled only by conflicts with backoff, then lands", async () => {
    db.on(GetCommand).resolves({ Item: contactItem() });
    db.on(TransactWriteCommand)
      .rejectsOnce(canceled([conflict, none, none]))
      .rejectsOnce(canceled([none, conflict, none]))
      .resolves({});

    const contact = await updated(updateContact(deps, ORG, CONTACT_ID, { role: "CEO" }, NOW));

    expect(contact.role).toBe("CEO");
    expect(sleeps).toEqual([10, 20]);
  });

  it.each(["ThrottlingError", "ProvisionedThroughputExceeded"])(
    "retries a transaction cancelled for capacity (%s) like a conflict, then lands",
    async (code) => {
      db.on(GetCommand).resolves({ Item: contactItem() });
      db.on(TransactWriteCommand)
        .rejectsOnce(canceled([{ Code: code }, none, none]))
        .resolves({});

      const contact = await updated(updateContact(deps, ORG, CONTACT_ID, { role: "CEO" }, NOW));

      expect(contact.role).toBe("CEO");
      expect(sleeps).toEqual([10]);
    },
  );

  it("answers 503 with Retry-After when capacity cancellations outlast the retries", async () => {
    db.on(GetCommand).resolves({ Item: contactItem() });
    db.on(TransactWriteCommand).rejects(canceled([none, { Code: "ThrottlingError" }, none]));

    const error = await failure(updateContact(deps, ORG, CONTACT_ID, { role: "CEO" }, NOW));

    expect({ status: error.statusCode, code: error.code }).toEqual({ status: 503, code: "unavailable" });
    expect(error.headers["Retry-After"]).toBe("1");
    expect(db).toReceiveCommandTimes(TransactWriteCommand, retry.attempts);
  });

  it("answers 503 with Retry-After when conflicts outlast the retries, having written nothing", async () => {
    db.on(GetCommand).resolves({ Item: contactItem() });
    db.on(TransactWriteCommand).rejects(canceled([conflict, none, none]));

    const error = await failure(updateContact(deps, ORG, CONTACT_ID, { role: "CEO" }, NOW));

    expect({ status: error.statusCode, code: error.code }).toEqual({ status: 503, code: "unavailable" });
    expect(Number(error.headers["Retry-After"])).toBeGreaterThanOrEqual(1);
    expect(db).toReceiveCommandTimes(TransactWriteCommand, retry.attempts);
  });

  it("passes a storage error through as it is, for the envelope to make a 500 of", async () => {
    db.on(GetCommand).resolves({ Item: contactItem() });
    db.on(TransactWriteCommand).rejects(new Error("socket hang up"));

    const error = await updateContact(deps, ORG, CONTACT_ID, { role: "CEO" }, NOW).catch(
      (caught: unknown) => caught,
    );

    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(OutageError);
    expect(db).toReceiveCommandTimes(TransactWriteCommand, 1);
  });
});
