import { QueryCommand } from "@aws-sdk/client-dynamodb";
import { SUMMARY_SORT_KEY } from "../../lambdas/shared/api-keys/usage-summary";
import type { LocalRuntime } from "../../lib/local/runtime";

/** The usage table's window items of one key, read directly from a local runtime's (its 7-day summary aside). */
export async function historyItems(local: LocalRuntime, keyId: string) {
  const { dynamo, settings } = local.deps;
  const { Items } = await dynamo.send(
    new QueryCommand({
      TableName: settings.usageTable,
      KeyConditionExpression: "keyId = :keyId",
      ExpressionAttributeValues: { ":keyId": { S: keyId } },
      ConsistentRead: true,
    }),
  );
  return (Items ?? []).filter((item) => item.windowStart?.S !== SUMMARY_SORT_KEY);
}
