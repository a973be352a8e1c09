import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { KeyUsage } from "../../contract/api-types";
import type { KeyUsageInput } from "../../contract/schemas/key-usage";
import * as z from "../../contract/zod";
import {
  throttledOf,
  usageKeyBounds,
  usagePeriods,
  usageRange,
  type WindowUsage,
  windowOfItem,
} from "../shared/api-keys/usage-history";
import { invalidInput, type Outcome, ok, problemAt } from "../shared/outcome";
import { type KeyServiceDeps, keyMissing, readKey } from "./key-store";

/** A usage item as stored; anything else in the table is skipped rather than trusted. */
const usageItemSchema = z.lazySchema(() =>
  z.object({
    windowStart: z.iso.datetime(),
    count: z.number().check(z.int(), z.nonnegative()),
    throttled: z.number().check(z.int(), z.nonnegative()),
  }),
);

/**
 * One key's usage per window, hour or day, oldest first (API.md §11). The key item is read first,
 * strongly consistently: its window is the live one (every request answered so far is in it), and it
 * keeps the window its last rollover closed, which the keys table's stream writes to the history a
 * moment later; so no window is missing while the stream catches up. A window found in both is counted
 * once, with the history's final count. The history is a strongly consistent query by key and time
 * range; no scan.
 */
export async function getKeyUsage(
  deps: KeyServiceDeps,
  orgId: string,
  keyId: string,
  input: KeyUsageInput,
): Promise<Outcome<KeyUsage>> {
  const now = deps.clock();
  const { rateWindowSeconds } = deps.settings;
  const range = usageRange(input, now, rateWindowSeconds);
  if (range === "empty_range") return invalidInput(problemAt("from", "Must be before `to`."));
  const item = await readKey(deps, orgId, keyId);
  if (!item) return keyMissing();
  const limit = item.rateLimit ?? deps.settings.rateLimit;
  const live: WindowUsage = {
    start: item.windowStart,
    count: item.windowCount,
    throttled: throttledOf(item.windowCount, limit),
  };
  // First, so that the history's copy of the same window (written from the stream) wins below.
  const closed: WindowUsage[] =
    item.prevWindowStart !== undefined && item.prevWindowCount !== undefined
      ? [
          {
            start: item.prevWindowStart,
            count: item.prevWindowCount,
            throttled: throttledOf(item.prevWindowCount, limit),
          },
        ]
      : [];
  const bounds = usageKeyBounds(range);
  // The doors that answer usage refuse to start without USAGE_TABLE_NAME (`keyServiceDepsOf`).
  const usageTable = deps.usageTable;
  if (bounds && !usageTable) throw new Error("key usage read by a function built without the usage table");
  let startKey: Record<string, unknown> | undefined;
  while (bounds) {
    const page = await deps.db.send(
      new QueryCommand({
        TableName: usageTable,
        KeyConditionExpression: "keyId = :keyId AND windowStart BETWEEN :first AND :last",
        ExpressionAttributeValues: { ":keyId": keyId, ":first": bounds.first, ":last": bounds.last },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const stored of page.Items ?? []) {
      const parsed = usageItemSchema.safeParse(stored);
      if (parsed.success) closed.push(windowOfItem(parsed.data));
    }
    startKey = page.LastEvaluatedKey;
    if (!startKey) break;
  }
  return ok({
    keyId,
    windowSeconds: rateWindowSeconds,
    limit,
    granularity: range.granularity,
    items: usagePeriods(closed, live, range, rateWindowSeconds),
  });
}
