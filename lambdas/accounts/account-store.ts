import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { orgPk, resourceOf, SK_PREFIX, sk } from "../../contract/data-items";
import type { Account, CreateAccount, UpdateAccount } from "../../contract/schemas/accounts";
import { unchangedSince } from "../shared/dynamo/conditions";
import { type DataDeps, isoAt, type Page, queryPage } from "../shared/dynamo/data-store";
import {
  conditionFailedAt,
  DEFAULT_RETRY,
  pause,
  type TransactItem,
  transact,
  unexpectedCancellation,
} from "../shared/dynamo/transact";
import { newId } from "../shared/ids";
import { eventItems } from "../shared/outbox-events";
import { conflict, missing, type Outcome, ok, storeBusy } from "../shared/outcome";
import { ID_PREFIX } from "../shared/resource-ids";

/** The fields of an account a write may change; an update is guarded on all of them (see `unchangedSince`). */
const MUTABLE_FIELDS = ["name", "externalRef", "status", "balance", "updatedAt"] as const;

/** How long a released `externalRef` guard stays before DynamoDB's TTL removes it. */
const RELEASED_GUARD_SECONDS = 24 * 60 * 60;

export const refTaken = () => conflict("An account with this externalRef already exists.");

/** The account item: the resource as answered, plus its keys. */
function accountPut(deps: DataDeps, orgId: string, account: Account): TransactItem {
  return {
    Put: {
      TableName: deps.table,
      Item: { pk: orgPk(orgId), sk: sk.account(account.id), ...account },
      ConditionExpression: "attribute_not_exists(pk)",
    },
  };
}

/**
 * The guard item that holds `externalRef` for one account of the org. A ref is free when no guard
 * holds an `accountId`: a guard released by a PATCH keeps its item (business functions may not delete,
 * see `fynex-function.ts`) until its TTL removes it, and may be taken again meanwhile.
 */
function guardPut(deps: DataDeps, orgId: string, ref: string, accountId: string): TransactItem {
  return {
    Put: {
      TableName: deps.table,
      Item: { pk: orgPk(orgId), sk: sk.externalRef(ref), accountId },
      ConditionExpression: "attribute_not_exists(accountId)",
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    },
  };
}

/** A new account, as `POST /accounts` and an import's created rows make it. */
export function newAccount(
  input: CreateAccount,
  nowMs: number,
  id = newId(ID_PREFIX.account, nowMs),
): Account {
  const at = isoAt(nowMs);
  return {
    id,
    name: input.name,
    externalRef: input.externalRef ?? null,
    currency: input.currency,
    balance: input.balance ?? 0,
    status: "open",
    createdAt: at,
    updatedAt: at,
  };
}

/**
 * Creates an account: the account, its `externalRef` guard (when it has one) and the
 * `account.created` interaction in one transaction, so two accounts of one org never share a ref,
 * whatever the concurrency, and no account exists without its interaction. `id` is made here unless
 * the caller made it beforehand (an import, so its accounts list in row order).
 */
export async function createAccount(
  deps: DataDeps,
  orgId: string,
  input: CreateAccount,
  nowMs: number,
  id?: string,
): Promise<Outcome<Account>> {
  const account = newAccount(input, nowMs, id);
  const items = [accountPut(deps, orgId, account)];
  if (account.externalRef !== null) items.push(guardPut(deps, orgId, account.externalRef, account.id));
  items.push(
    ...eventItems(deps.table, orgId, {
      type: "account.created",
      accountId: account.id,
      data: account,
      at: nowMs,
    }),
  );
  const result = await transact(deps.db, items, deps.retry);
  if (account.externalRef !== null && conditionFailedAt(result, 1)) return refTaken();
  if (!result.committed) throw unexpectedCancellation(result, "creating an account");
  return ok(account);
}

/** The org's account with this id, read strongly consistent; undefined when there is none. */
export async function findAccount(
  deps: DataDeps,
  orgId: string,
  accountId: string,
): Promise<Account | undefined> {
  const { Item } = await deps.db.send(
    new GetCommand({
      TableName: deps.table,
      Key: { pk: orgPk(orgId), sk: sk.account(accountId) },
      ConsistentRead: true,
    }),
  );
  return Item ? resourceOf<Account>(Item) : undefined;
}

/** The org's account; not found when there is none (another org's id included). */
export async function getAccount(
  deps: DataDeps,
  orgId: string,
  accountId: string,
): Promise<Outcome<Account>> {
  const account = await findAccount(deps, orgId, accountId);
  return account ? ok(account) : missing("account");
}

/** The id of the org's account holding `externalRef`, if any. */
export async function accountIdByRef(
  deps: DataDeps,
  orgId: string,
  ref: string,
): Promise<string | undefined> {
  const { Item } = await deps.db.send(
    new GetCommand({
      TableName: deps.table,
      Key: { pk: orgPk(orgId), sk: sk.externalRef(ref) },
      ConsistentRead: true,
    }),
  );
  return typeof Item?.accountId === "string" ? Item.accountId : undefined;
}

/** The account once `patch` is applied; the same object when nothing would change. */
export function patched(account: Account, patch: UpdateAccount, nowMs: number): Account {
  const next: Account = {
    ...account,
    ...(patch.name !== undefined ? { name: patch.name } : {}),
    ...(patch.externalRef !== undefined ? { externalRef: patch.externalRef } : {}),
    ...(patch.status !== undefined ? { status: patch.status } : {}),
  };
  const changed = MUTABLE_FIELDS.some((field) => next[field] !== account[field]);
  return changed ? { ...next, updatedAt: isoAt(nowMs) } : account;
}

/** What writing an account update came to. */
export type UpdateWrite = "written" | "stale" | "refTaken";

/**
 * Writes `next` over `seen` in one transaction: the account (guarded on every field it had when
 * read), the `externalRef` guard moved when the ref changes (old one deleted if still this
 * account's, new one taken if free), and the `account.updated` interaction. "stale" when the
 * account changed since it was read: the caller reads again and recomputes.
 */
export async function writeAccountUpdate(
  deps: DataDeps,
  orgId: string,
  seen: Account,
  next: Account,
  nowMs: number,
): Promise<UpdateWrite> {
  const guard = unchangedSince(seen, MUTABLE_FIELDS);
  const items: TransactItem[] = [
    {
      Update: {
        TableName: deps.table,
        Key: { pk: orgPk(orgId), sk: sk.account(seen.id) },
        UpdateExpression:
          "SET #name = :name, #externalRef = :externalRef, #status = :status, #updatedAt = :updatedAt",
        ConditionExpression: guard.expression,
        ExpressionAttributeNames: {
          ...guard.names,
          "#name": "name",
          "#externalRef": "externalRef",
          "#status": "status",
          "#updatedAt": "updatedAt",
        },
        ExpressionAttributeValues: {
          ...guard.values,
          ":name": next.name,
          ":externalRef": next.externalRef,
          ":status": next.status,
          ":updatedAt": next.updatedAt,
        },
      },
    },
  ];
  let newGuardIndex: number | undefined;
  if (next.externalRef !== seen.externalRef) {
    if (seen.externalRef !== null) {
      items.push({
        Update: {
          TableName: deps.table,
          Key: { pk: orgPk(orgId), sk: sk.externalRef(seen.externalRef) },
          UpdateExpression: "REMOVE accountId SET #ttl = :ttl",
          ConditionExpression: "accountId = :accountId",
          ExpressionAttributeNames: { "#ttl": "ttl" },
          ExpressionAttributeValues: {
            ":accountId": seen.id,
            ":ttl": Math.floor(nowMs / 1000) + RELEASED_GUARD_SECONDS,
          },
        },
      });
    }
    if (next.externalRef !== null) {
      newGuardIndex = items.length;
      items.push(guardPut(deps, orgId, next.externalRef, seen.id));
    }
  }
  items.push(
    ...eventItems(deps.table, orgId, { type: "account.updated", accountId: seen.id, data: next, at: nowMs }),
  );
  const result = await transact(deps.db, items, deps.retry);
  if (result.committed) return "written";
  if (newGuardIndex !== undefined && conditionFailedAt(result, newGuardIndex)) return "refTaken";
  return "stale";
}

/**
 * `PATCH /accounts/{id}`: applies the patch to the account as it is now, re-reading when another
 * write (a payment, another update) got in between. A patch that changes nothing writes nothing.
 */
export async function updateAccount(
  deps: DataDeps,
  orgId: string,
  accountId: string,
  patch: UpdateAccount,
  nowMs: number,
): Promise<Outcome<Account>> {
  const policy = deps.retry ?? DEFAULT_RETRY;
  for (let attempt = 0; attempt < policy.attempts; attempt++) {
    if (attempt > 0) await pause(policy, attempt - 1);
    const found = await getAccount(deps, orgId, accountId);
    if (!found.ok) return found;
    const seen = found.value;
    const next = patched(seen, patch, nowMs);
    if (next === seen) return ok(seen);
    const written = await writeAccountUpdate(deps, orgId, seen, next, nowMs);
    if (written === "written") return ok(next);
    if (written === "refTaken") return refTaken();
  }
  throw storeBusy();
}

/** A page of the org's accounts, oldest first (ids sort by creation time). */
export function listAccounts(
  deps: DataDeps,
  orgId: string,
  page: { limit: number; cursor?: string },
): Promise<Outcome<Page<Account>>> {
  return queryPage(deps, orgId, SK_PREFIX.account, page, (item) => resourceOf<Account>(item));
}
