import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { USAGE_RETENTION_SECONDS } from "../../../../lambdas/shared/api-keys/usage-history";
import { closedWindowOf } from "../../../../lambdas/usage-history/closed-window";

const W1 = 1_795_000_500;
const W2 = W1 + 900;

/** A key item image with its window. */
const image = (windowStart: number, windowCount: number, extra: Record<string, AttributeValue> = {}) => ({
  pk: { S: "key_abc" },
  orgId: { S: "org-1" },
  windowStart: { N: String(windowStart) },
  windowCount: { N: String(windowCount) },
  ...extra,
});

describe("closedWindowOf", () => {
  it("gives the old image's window, its final count and the 429s beyond the limit when the window rolls over", () => {
    const item = closedWindowOf({ eventName: "MODIFY", oldImage: image(W1, 7), newImage: image(W2, 1) }, 5);

    expect(item).toEqual({
      keyId: "key_abc",
      windowStart: new Date(W1 * 1000).toISOString(),
      count: 7,
      throttled: 2,
      ttl: W1 + USAGE_RETENTION_SECONDS,
    });
  });

  it("reads the key's own limit from the old image before the environment's", () => {
    const oldImage = image(W1, 7, { rateLimit: { N: "10" } });
    const item = closedWindowOf({ eventName: "MODIFY", oldImage, newImage: image(W2, 1) }, 5);

    expect(item?.throttled).toBe(0);
  });

  it("closes nothing on a count within the window, an admin change, an insert, a removal or an empty window", () => {
    const changes = [
      { eventName: "MODIFY", oldImage: image(W1, 7), newImage: image(W1, 8) },
      { eventName: "INSERT", newImage: image(W2, 0) },
      { eventName: "REMOVE", oldImage: image(W1, 7) },
      { eventName: "MODIFY", oldImage: image(W1, 0), newImage: image(W2, 1) },
      // A late clock never moves a window back.
      { eventName: "MODIFY", oldImage: image(W2, 3), newImage: image(W1, 1) },
    ];

    expect(changes.map((change) => closedWindowOf(change, 5))).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});
