import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { orgPk, resourceOf, sk } from "../../contract/data-items";
import type { Payment, RegisterPayment } from "../../contract/schemas/payments";
import { getAccount } from "../accounts/account-store";
import { rawNumber, rawString } from "../shared/dynamo/conditions";
import { type DataDeps, isoAt, type Page, queryPage, startAfter } from "../shared/dynamo/data-store";
import { type IdempotencyRecord, idempotencyPut, type Written } from "../shared/dynamo/idempotency-record";
import {
  conditionFailedAt,
  type TransactItem,
  transact,
  unexpectedCancellation,
} from "../shared/dynamo/transact";
import { newId } from "../shared/ids";
import { eventItems } from "../shared/outbox-events";
import { conflict, type Failed, invalidInput, missing, type Outcome, ok, problemAt } from "../shared/outcome";
import { ID_PREFIX } from "../shared/resource-ids";

/** Positions of the actions in a payment's transaction, for reading its cancellation reasons. */
const ACCOUNT_ACTION = 1;
const IDEMPOTENCY_ACTION = 2;

/**
 * Registers a payment in ONE `TransactWriteItems`: the payment item, the account's balance lowered by
 * the amount (on condition that the account exists, is open and holds that currency, and that the
 * balance stays a safe integer), the idempotency record when the request has a key, and the
 * `payment.registered` interaction. A cancellation is read action by action: a live record of the
 * idempotency key is the earlier write (for the edge to replay, or refuse for another body), then the
 * account's old image says not found, invalid input or conflict. `TransactionConflict` (another
 * payment on the account at the same moment) is retried.
 */
export async function registerPayment(
  deps: DataDeps,
  orgId: string,
  accountId: string,
  input: RegisterPayment,
  nowMs: number,
  idempotent?: IdempotencyRecord<Payment>,
): Promise<Outcome<Written<Payment>>> {
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
  if (idempotent) items.push(idempotencyPut(deps.table, orgId, idempotent, payment, nowMs));
  items.push(
    ...eventItems(deps.table, orgId, { type: "payment.registered", accountId, data: payment, at: nowMs }),
  );

  const result = await transact(deps.db, items, deps.retry);
  if (result.committed) return ok({ created: payment });
  if (idempotent && conditionFailedAt(result, IDEMPOTENCY_ACTION)) {
    return ok({ earlier: result.reasons[IDEMPOTENCY_ACTION]?.Item });
  }
  if (conditionFailedAt(result, ACCOUNT_ACTION)) {
    return accountRefusal(result.reasons[ACCOUNT_ACTION]?.Item, payment);
  }
  throw unexpectedCancellation(result, "registering a payment");
}

/** Why the account refused the payment, from its image at the time (none: it does not exist). */
function accountRefusal(account: Parameters<typeof rawString>[0], payment: Payment): Failed {
  if (!account) return missing("account");
  const currency = rawString(account, "currency");
  if (currency !== payment.currency) {
    return invalidInput(problemAt("currency", `Must be the account's currency, ${currency}.`));
  }
  if (rawString(account, "status") !== "open") {
    return conflict("The account is closed: it takes no payments.");
  }
  const balance = rawNumber(account, "balance");
  return conflict(`The account's balance (${balance}) cannot go lower by this amount and stay exact.`);
}

/**
 * A page of the account's payments, oldest registered first (ids sort by registration time). The
 * account must be the org's (not found otherwise), and a cursor must come from this account's list.
 */
export async function listPayments(
  deps: DataDeps,
  orgId: string,
  accountId: string,
  page: { limit: number; cursor?: string },
): Promise<Outcome<Page<Payment>>> {
  const prefix = sk.payment(accountId, "");
  // A cursor of another list is refused before the account is looked for: the request comes first.
  const start = startAfter(orgId, prefix, page.cursor);
  if (!start.ok) return start;
  const account = await getAccount(deps, orgId, accountId);
  if (!account.ok) return account;
  return queryPage(deps, orgId, prefix, page, (item) => resourceOf<Payment>(item));
}

/** One payment of the org's account; not found when the account or the payment is not the org's. */
export async function getPayment(
  deps: DataDeps,
  orgId: string,
  accountId: string,
  paymentId: string,
): Promise<Outcome<Payment>> {
  const { Item } = await deps.db.send(
    new GetCommand({
      TableName: deps.table,
      Key: { pk: orgPk(orgId), sk: sk.payment(accountId, paymentId) },
      ConsistentRead: true,
    }),
  );
  return Item ? ok(resourceOf<Payment>(Item)) : missing("payment");
}
