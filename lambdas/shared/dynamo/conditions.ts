import type { AttributeValue } from "@aws-sdk/client-dynamodb";

/** A condition fragment with its own placeholders, to be joined into an expression. */
export interface Condition {
  expression: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
}

/**
 * Optimistic concurrency without a version attribute: the item still exists and every listed field
 * still holds the value read. A write guarded by it is computed from exactly the state it replaces,
 * so what the API answers (and records as the interaction's `data`) is what was stored. `null` is
 * matched by type, since DynamoDB compares no NULL values with `=`.
 */
export function unchangedSince(seen: Record<string, unknown>, fields: readonly string[]): Condition {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const parts = ["attribute_exists(pk)"];
  fields.forEach((field, index) => {
    const name = `#seen${index}`;
    names[name] = field;
    const value = seen[field];
    if (value === null || value === undefined) {
      values[":seenNull"] = "NULL";
      parts.push(`attribute_type(${name}, :seenNull)`);
    } else {
      values[`:seen${index}`] = value;
      parts.push(`${name} = :seen${index}`);
    }
  });
  return { expression: parts.join(" AND "), names, values };
}

/** A string attribute of an item as DynamoDB returned it in a cancellation reason (not unmarshalled). */
export function rawString(
  item: Record<string, AttributeValue> | undefined,
  name: string,
): string | undefined {
  const value = item?.[name];
  return value && "S" in value ? value.S : undefined;
}

/** A number attribute of a raw item. */
export function rawNumber(
  item: Record<string, AttributeValue> | undefined,
  name: string,
): number | undefined {
  const value = item?.[name];
  return value && "N" in value && value.N !== undefined ? Number(value.N) : undefined;
}
