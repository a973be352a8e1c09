import { type DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { closedWindowItem } from "../shared/api-keys/usage-history";
import type { ClosedWindow } from "./authorize";

/**
 * Writes the window a rollover just closed to the usage history (API.md §11): the one extra write a
 * key pays per window, and only for a window that counted something. The rollover's conditional
 * update returned the key item as it was (`ALL_OLD`), so its count is final and only this caller
 * holds it; the put is keyed by key and window, so an SDK retry of it writes the same item again
 * rather than counting twice. The request is served whatever happens here: a failed write loses
 * that window's history (logged by key id), never the request.
 */
export async function recordClosedWindow(
  deps: { dynamo: DynamoDBClient; usageTable?: string },
  keyId: string,
  closed: ClosedWindow,
  limit: number,
): Promise<void> {
  if (!deps.usageTable) return;
  const item = closedWindowItem(keyId, { start: closed.windowStart, count: closed.count, limit });
  if (!item) return;
  try {
    await deps.dynamo.send(
      new PutItemCommand({
        TableName: deps.usageTable,
        Item: {
          keyId: { S: item.keyId },
          windowStart: { S: item.windowStart },
          count: { N: String(item.count) },
          throttled: { N: String(item.throttled) },
          ttl: { N: String(item.ttl) },
        },
      }),
    );
  } catch (error) {
    const reason = error instanceof Error ? error.name : "unknown";
    process.stderr.write(
      `${JSON.stringify({ level: "WARN", message: "usage history not written", keyId, windowStart: item.windowStart, reason })}\n`,
    );
  }
}
