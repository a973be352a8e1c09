import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { closedWindowItem, type UsageItem } from "../shared/api-keys/usage-history";

type Image = Record<string, AttributeValue>;

/** What a keys-table stream record carries that this function reads (NEW_AND_OLD_IMAGES). */
export interface KeyChange {
  eventName?: string;
  oldImage?: Image;
  newImage?: Image;
}

const num = (value: AttributeValue | undefined): number | undefined =>
  value?.N === undefined ? undefined : Number(value.N);

/**
 * The usage history item of the window a keys-table change closed (API.md §11), or undefined when the
 * change closed none: an insert, a removal, an admin change, a count within the window, or a closed
 * window that counted nothing. A window closes when the new image holds a later window than the old
 * one; the old image then holds that window's final count (the authorizer's rollover replaces it in one
 * conditional update, and late clocks never count into a window the item no longer holds). The
 * throttled share is the count beyond the limit the key had then: its own, or the environment's.
 */
export function closedWindowOf(change: KeyChange, defaultLimit: number): UsageItem | undefined {
  if (change.eventName !== "MODIFY" || !change.oldImage || !change.newImage) return undefined;
  const keyId = change.oldImage.pk?.S;
  const closedStart = num(change.oldImage.windowStart);
  const openStart = num(change.newImage.windowStart);
  if (!keyId || closedStart === undefined || openStart === undefined || openStart <= closedStart) {
    return undefined;
  }
  return closedWindowItem(keyId, {
    start: closedStart,
    count: num(change.oldImage.windowCount) ?? 0,
    limit: num(change.oldImage.rateLimit) ?? defaultLimit,
  });
}
