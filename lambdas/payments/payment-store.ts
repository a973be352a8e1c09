import { GetCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { orgPk, resourceOf, sk } from "../../contract/data-items";
import { getAccount } from "../accounts/account-store";
import { DomainError, missing } from "../shared/domain-errors";
import { rawNumber, rawString } from "../shared/dynamo/conditions";
import { type DataDeps, isoAt, type Page, queryPage, startAfter } from "../shared/dynamo/data-store";
import {
  conditionFailedAt,
  type TransactItem,
  transact,
  unexpectedCancellation,
} from "../shared/dynamo/transact";
import { type IdempotentRequest, idempotencyPut, replay } from "../shared/http/idempotency";
import type { HttpResult } from "../shared/http/response";
import { newId } from "../shared/ids";
import { eventItems } from "../shared/outbox-events";
import { ID_PREFIX } from "../shared/resource-ids";
import type { Payment, RegisterPayment } from "./payment-schemas";

/** Where a payment can be read back: a route table path, resolved for the URL called by the handler. */
export const paymentLocation = (payment: Payment) =>
  `/api/v1/accounts/${payment.accountId}/payments/${payment.id}`;

/** Positions of the actions in a payment's transaction, for reading its cancellation reasons. */
const ACCOUNT_ACTION = 1;
const IDEMPOTENCY_ACTION = 2;

/**
 * Registers a payment in ONE `TransactWriteItems`: the payment item, the account's balance lowered by
 * the amount (on condition that the account exists, is open and holds that currency, and that the
 * balance stays a safe integer), the idempotency record when the request has a key, and the
 * `payment.registered` interaction. A cancellation is read action by action: a live record of the
 * idempotency key replays (or is a 409), then the account's old image says 404, 400 or 409.
 * `TransactionConflict` (another payment on the account at the same moment) is retried.
 */
export async function registerPayment(
  deps: DataDeps,
  orgId: string,
  accountId: string,
  input: RegisterPayment,
  nowMs: number,
  idempotent?: IdempotentRequest,
): Promise<HttpResult> {
  const payment: Payment = {
    id: newId(ID_PREFIX.payment, nowMs),
    accountId,
    amount: input.amount,
    currency: input.currency,
    paidAt: input.paidAt === undefined ? isoAt(nowMs) : new Date(input.paidAt).toISOString(),
    method: input.method ?? null,
    reference: input.reference ?? null,
    createdAt: isoAt(nowMs),
  };
  const answer: HttpResult = {
    statusCode: 201,
    body: payment,
    headers: { Location: paymentLocation(payment) },
  };
  const items: TransactItem[] = [
    {
      Put: {
        TableName: deps.table,
        Item: { pk: orgPk(orgId), sk: sk.payment(accountId, payment.id), ...payment },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    },
    {
      Update: {
        TableName: deps.table,
        Key: { pk: orgPk(orgId), sk: sk.account(accountId) },
        UpdateExpression: "SET #balance = #balance - :amount, #updatedAt = :now",
        ConditionExpression:
          "attribute_exists(pk) AND #status = :open AND #currency = :currency AND #balance >= :floor",
        ExpressionAttributeNames: {
          "#balance": "balance",
          "#updatedAt": "updatedAt",
          "#status": "status",
          "#currency": "currency",
        },
        ExpressionAttributeValues: {
          ":amount": payment.amount,
          ":now": payment.createdAt,
          ":open": "open",
          ":currency": payment.currency,
          ":floor": Number.MIN_SAFE_INTEGER + payment.amount,
        },
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      },
    },
  ];
  if (idempotent) items.push(idempotencyPut(deps.table, orgId, idempotent, answer, nowMs));
  items.push(
    ...eventItems(deps.table, orgId, { type: "payment.registered", accountId, data: payment, at: nowMs }),
  );

  const result = await transact(deps.db, items, deps.retry);
  if (result.committed) return answer;
  if (idempotent && conditionFailedAt(result, IDEMPOTENCY_ACTION)) {
    return replay(idempotent, result.reasons[IDEMPOTENCY_ACTION]?.Item);
  }
  if (conditionFailedAt(result, ACCOUNT_ACTION)) {
    throw accountRefusal(result.reasons[ACCOUNT_ACTION]?.Item, payment);
  }
  throw unexpectedCancellation(result, "registering a payment");
}

/** Why the account refused the payment, from its image at the time (none: it does not exist). */
function accountRefusal(account: Parameters<typeof rawString>[0], payment: Payment): DomainError {
  if (!account) return missing("account");
  const currency = rawString(account, "currency");
  if (currency !== payment.currency) {
    return new DomainError("invalid_input", "The request is not valid.", {
      details: [{ path: "currency", message: `Must be the account's currency, ${currency}.` }],
    });
  }
  if (rawString(account, "status") !== "open") {
    return new DomainError("conflict", "The account is closed: it takes no payments.");
  }
  const balance = rawNumber(account, "balance");
  return new DomainError(
    "conflict",
    `The account's balance (${balance}) cannot go lower by this amount and stay exact.`,
  );
}

const _positionSchema = z.strictObject({ sk: z.string() });

/**
 * A page of the account's payments, oldest registered first (ids sort by registration time). The
 * account must be the org's (404 otherwise), and a cursor must come from this account's list.
 */
export async function listPayments(
  deps: DataDeps,
  orgId: string,
  accountId: string,
  page: { limit: number; cursor?: string },
): Promise<Page<Payment>> {
  const prefix = sk.payment(accountId, "");
  startAfter(orgId, prefix, page.cursor); // a cursor of another list is a 400 before the account's 404
  await getAccount(deps, orgId, accountId);
  return queryPage(deps, orgId, prefix, page, (item) => resourceOf<Payment>(item));
}

/** One payment of the org's account; 404 when the account or the payment is not the org's. */
export async function getPayment(
  deps: DataDeps,
  orgId: string,
  accountId: string,
  paymentId: string,
): Promise<Payment> {
  const { Item } = await deps.db.send(
    new GetCommand({
      TableName: deps.table,
      Key: { pk: orgPk(orgId), sk: sk.payment(accountId, paymentId) },
      ConsistentRead: true,
    }),
  );
  if (!Item) throw missing("payment");
  return resourceOf<Payment>(Item);
}
