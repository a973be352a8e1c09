import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from "@aws-sdk/lib-dynamodb";
import { z } from "zod";
import { decodeCursor, encodeCursor } from "../shared/cursor";
import { orgPk, resourceOf, SK_PREFIX, sk } from "../shared/data-keys";
import { HttpError, validationError } from "../shared/errors";
import { newId } from "../shared/ids";
import type { Account, CreateAccount } from "./account-schemas";

export interface AccountStoreDeps {
  db: DynamoDBDocumentClient;
  table: string;
}

/**
 * Creates an account. With an `externalRef`, a guard item keyed by the ref is written in the same
 * transaction, so two accounts of one org can never share it, whatever the concurrency.
 */
export async function createAccount(
  deps: AccountStoreDeps,
  orgId: string,
  input: CreateAccount,
  nowMs: number,
): Promise<Account> {
  const at = new Date(nowMs).toISOString();
  const account: Account = {
    id: newId("acc", nowMs),
    name: input.name,
    externalRef: input.externalRef ?? null,
    currency: input.currency,
    balance: input.balance ?? 0,
    status: "open",
    createdAt: at,
    updatedAt: at,
  };
  const put = {
    TableName: deps.table,
    Item: { pk: orgPk(orgId), sk: sk.account(account.id), ...account },
    ConditionExpression: "attribute_not_exists(pk)",
  };
  if (account.externalRef === null) {
    await deps.db.send(new PutCommand(put));
    return account;
  }
  try {
    await deps.db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: put },
          {
            Put: {
              TableName: deps.table,
              Item: { pk: orgPk(orgId), sk: sk.externalRef(account.externalRef), accountId: account.id },
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
        ],
      }),
    );
  } catch (error) {
    if (
      error instanceof TransactionCanceledException &&
      error.CancellationReasons?.[1]?.Code === "ConditionalCheckFailed"
    ) {
      throw new HttpError("conflict", "An account with this externalRef already exists.");
    }
    throw error;
  }
  return account;
}

const positionSchema = z.strictObject({ sk: z.string().startsWith(SK_PREFIX.account) });

/** A page of the org's accounts, oldest first (ids sort by creation time). */
export async function listAccounts(
  deps: AccountStoreDeps,
  orgId: string,
  page: { limit: number; cursor?: string },
): Promise<{ items: Account[]; nextCursor: string | null }> {
  const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor, orgId, positionSchema);
  if (page.cursor !== undefined && !after) {
    throw validationError([{ path: "query.cursor", message: "The cursor is not valid for this list." }]);
  }
  const result = await deps.db.send(
    new QueryCommand({
      TableName: deps.table,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
      ExpressionAttributeValues: { ":pk": orgPk(orgId), ":prefix": SK_PREFIX.account },
      ExclusiveStartKey: after ? { pk: orgPk(orgId), sk: after.sk } : undefined,
      Limit: page.limit,
      ConsistentRead: true,
    }),
  );
  const items = (result.Items ?? []).map((item) => resourceOf<Account>(item));
  const last = result.LastEvaluatedKey?.sk;
  return { items, nextCursor: typeof last === "string" ? encodeCursor(orgId, { sk: last }) : null };
}
