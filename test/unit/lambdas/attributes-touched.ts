/** Words of DynamoDB's expression grammar that are not attribute names. */
const GRAMMAR = new Set([
  "SET",
  "REMOVE",
  "ADD",
  "DELETE",
  "AND",
  "OR",
  "NOT",
  "BETWEEN",
  "IN",
  "attribute_exists",
  "attribute_not_exists",
  "attribute_type",
  "begins_with",
  "contains",
  "size",
  "if_not_exists",
  "list_append",
]);

interface WriteInput {
  Key?: Record<string, unknown>;
  Item?: Record<string, unknown>;
  UpdateExpression?: string;
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
}

/**
 * The top-level attribute names a put or update touches as IAM's `dynamodb:Attributes` sees them:
 * its key, its item's attributes, and every name its update and condition expressions read or write
 * (placeholders resolved). What the stack's narrowed policies are checked against.
 */
export function attributesTouched(input: WriteInput): string[] {
  const names = new Set([...Object.keys(input.Key ?? {}), ...Object.keys(input.Item ?? {})]);
  for (const expression of [input.UpdateExpression, input.ConditionExpression]) {
    for (const token of expression?.match(/[#:]?[A-Za-z_][A-Za-z0-9_]*/g) ?? []) {
      if (token.startsWith(":") || GRAMMAR.has(token)) continue;
      const name = token.startsWith("#") ? input.ExpressionAttributeNames?.[token] : token;
      if (name === undefined) throw new Error(`unresolved placeholder ${token}`);
      names.add(name);
    }
  }
  return [...names].sort();
}
