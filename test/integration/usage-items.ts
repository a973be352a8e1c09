import { QueryCommand } from "@aws-sdk/client-dynamodb";
import { SUMMARY_SORT_KEY } from "../../lambdas/shared/api-keys/usage-summary";
import { runtime } from "../../lambdas/shared/runtime";

/** The usage table's window items of one key, read directly (its 7-day summary aside). */
export async function historyItems(keyId: string) {
  const { Items } = await runtime().dynamo.send(
    new QueryCommand({
      TableName: runtime().settings.usageTable,
      KeyConditionExpression: "keyId = :keyId",
      ExpressionAttributeValues: { ":keyId": { S: keyId } },
      ConsistentRead: true,
    }),
  );
  return (Items ?? []).filter((item) => item.windowStart?.S !== SUMMARY_SORT_KEY);
}
