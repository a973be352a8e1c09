import { type dynaliteDb, keyOf } from "./dynalite";
import { callDynalite, type Invoke, isRecord, jsonReply, type Reply } from "./wire";

const CONDITION_FAILED = "ConditionalCheckFailedException";
const RETURNING = new Set(["PutItem", "UpdateItem", "DeleteItem"]);

/**
 * `ReturnValuesOnConditionCheckFailure` on PutItem, UpdateItem and DeleteItem, which dynalite
 * ignores. DynamoDB, asked `ALL_OLD`, puts the item as it was in the `ConditionalCheckFailedException`
 * (`Item`), and nothing when there was none: that absence is how a caller knows, in one call, that
 * the item does not exist. Anything but `NONE` or `ALL_OLD` is a ValidationException, as DynamoDB
 * answers it.
 *
 * Returns an answer to send instead of calling dynalite (an invalid value), or undefined.
 */
export function refuseInvalidReturnValues(operation: string, body: unknown): Reply | undefined {
  if (!RETURNING.has(operation) || !isRecord(body)) return undefined;
  const value = body.ReturnValuesOnConditionCheckFailure;
  if (value == null || value === "ALL_OLD" || value === "NONE") return undefined;
  return jsonReply(400, {
    __type: "com.amazon.coral.validate#ValidationException",
    message: `1 validation error detected: Value '${String(value)}' at 'returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]`,
  });
}

/**
 * dynalite's answer with the old item added when the condition failed and `ALL_OLD` was asked. The
 * item is read (consistently) right after dynalite's answer, while this request still counts as an
 * in-flight single write, so no transaction can change it in between; another single write on the
 * same item could, which DynamoDB's atomic answer never shows (docs/DECISIONS.md #112).
 */
export async function withOldItem(
  invoke: Invoke,
  operation: string,
  body: unknown,
  reply: Reply,
): Promise<Reply> {
  if (
    !RETURNING.has(operation) ||
    !isRecord(body) ||
    body.ReturnValuesOnConditionCheckFailure !== "ALL_OLD"
  ) {
    return reply;
  }
  const answer: unknown = JSON.parse(reply.body || "null");
  if (reply.status !== 400 || !isRecord(answer) || !String(answer.__type).endsWith(`#${CONDITION_FAILED}`)) {
    return reply;
  }
  const tableName = String(body.TableName);
  const described = await callDynalite(invoke, "DescribeTable", { TableName: tableName });
  const table = described.Table as Parameters<typeof dynaliteDb.createKey>[1];
  const key = operation === "PutItem" && isRecord(body.Item) ? keyOf(body.Item, table) : body.Key;
  const current = await callDynalite(invoke, "GetItem", {
    TableName: tableName,
    Key: key,
    ConsistentRead: true,
  });
  if (!isRecord(current.Item)) return reply;
  return jsonReply(400, { ...answer, Item: current.Item });
}
