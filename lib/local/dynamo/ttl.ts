import {
  type AttributeValue,
  DeleteItemCommand,
  type DynamoDBClient,
  ScanCommand,
} from "@aws-sdk/client-dynamodb";
import type { LocalTable } from "./types";

/**
 * Deletes the items of one table whose TTL is a number of epoch seconds at or before `now`. Each
 * delete repeats the expiry test as its condition, so an item given a later TTL since the scan stays;
 * an item inside an ongoing transaction is left for the next sweep.
 */
export async function sweepTable(
  client: DynamoDBClient,
  { definition, name }: LocalTable,
  now: number,
): Promise<number> {
  const keyNames = [definition.partitionKey, definition.sortKey].filter(
    (attribute) => attribute !== undefined,
  );
  const names: Record<string, string> = { "#ttl": definition.ttlAttribute };
  for (const [index, keyName] of keyNames.entries()) names[`#k${index}`] = keyName;
  const expired = "#ttl <= :now";
  const values = { ":now": { N: String(now) } };
  let deleted = 0;
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: name,
        ConsistentRead: true,
        FilterExpression: expired,
        ProjectionExpression: Object.keys(names).join(", "),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      try {
        await client.send(
          new DeleteItemCommand({
            TableName: name,
            Key: Object.fromEntries(keyNames.map((keyName) => [keyName, item[keyName] as AttributeValue])),
            ConditionExpression: expired,
            ExpressionAttributeNames: { "#ttl": definition.ttlAttribute },
            ExpressionAttributeValues: values,
          }),
        );
        deleted++;
      } catch (err) {
        const code = err instanceof Error ? err.name : "";
        if (code !== "ConditionalCheckFailedException" && code !== "TransactionConflictException") throw err;
      }
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return deleted;
}
