/** Transaction actions: their shapes, validation and cancellation reasons. */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";

import { type DynaliteTable, type Item, type OperationValidation, validation } from "./dynalite";
import type { ClaimedItem } from "./types";
import { DynamoError, ERROR_PREFIX, validationError } from "./wire";

export const MAX_TRANSACTION_ITEMS = 100;

export interface Reason {
  Code: "None" | "ConditionalCheckFailed" | "TransactionConflict" | "ValidationError";
  Message?: string;
  Item?: Item;
}

export function transactionCanceled(reasons: Reason[]): DynamoError {
  return new DynamoError(400, {
    __type: `${ERROR_PREFIX}TransactionCanceledException`,
    Message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons
      .map((reason) => reason.Code)
      .join(", ")}]`,
    CancellationReasons: reasons,
  });
}

export const conflictReason: Reason = {
  Code: "TransactionConflict",
  Message: "Transaction is ongoing for the item",
};

export type WriteKind = "Put" | "Update" | "Delete" | "ConditionCheck";
export const writeKinds: WriteKind[] = ["Put", "Update", "Delete", "ConditionCheck"];

/** The single-item request each transaction action is validated as, and which fields it carries. */
export const actionShapes: Record<WriteKind, { validation: OperationValidation; fields: string[] }> = {
  Put: { validation: validation.PutItem, fields: ["TableName", "Item", "ConditionExpression"] },
  Update: {
    validation: validation.UpdateItem,
    fields: ["TableName", "Key", "UpdateExpression", "ConditionExpression"],
  },
  Delete: { validation: validation.DeleteItem, fields: ["TableName", "Key", "ConditionExpression"] },
  ConditionCheck: { validation: validation.DeleteItem, fields: ["TableName", "Key", "ConditionExpression"] },
};
export const expressionFields = ["ExpressionAttributeNames", "ExpressionAttributeValues"];

/** A transaction action once validated and located. */
export interface Located {
  tableName: string;
  key: Item;
  /** Identity of the item across all tables, for claims and the duplicate check. */
  id: string;
}

export interface WriteAction extends Located {
  kind: WriteKind;
  /** The action as dynalite's single-item request, parsed (with `_condition` and `_updates`). */
  request: Item;
  table: DynaliteTable;
  returnOldOnFailure: boolean;
}

export function pick(source: Record<string, unknown>, fields: string[]): Item {
  return Object.fromEntries(
    fields.filter((field) => source[field] != null).map((field) => [field, source[field]]),
  );
}

export function transactItemsOf(body: Item): unknown[] {
  const items = body.TransactItems;
  const constraint =
    items == null
      ? "must not be null"
      : !Array.isArray(items)
        ? "must be a list"
        : items.length < 1
          ? "must have length greater than or equal to 1"
          : items.length > MAX_TRANSACTION_ITEMS
            ? `must have length less than or equal to ${MAX_TRANSACTION_ITEMS}`
            : undefined;
  if (constraint || !Array.isArray(items)) {
    throw validationError(
      `1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member ${constraint}`,
    );
  }
  return items;
}

export function rejectDuplicates(actions: Located[]): void {
  if (new Set(actions.map((action) => action.id)).size !== actions.length) {
    throw validationError("Transaction request cannot include multiple operations on one item");
  }
}

export function claimedItems(actions: Located[]): ClaimedItem[] {
  return actions.map(({ tableName, key }) => ({ tableName, key: key as Record<string, AttributeValue> }));
}
