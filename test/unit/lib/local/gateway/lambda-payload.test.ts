import { describe, expect, it } from "vitest";
import { fitsLambdaPayload, LAMBDA_MAX_PAYLOAD_BYTES } from "../../../../../lib/local/gateway/server";

/** An event whose JSON is exactly `bytes` long: `{"body":"xxx…"}`. */
const eventOf = (bytes: number) => ({ body: "x".repeat(bytes - '{"body":""}'.length) });

describe("the local gateway's Lambda payload limit", () => {
  it("hands over an event one byte under 6 MB, as Lambda takes it", () => {
    expect(fitsLambdaPayload(eventOf(LAMBDA_MAX_PAYLOAD_BYTES - 1))).toBe(true);
  });

  it("refuses an event of exactly 6,291,456 bytes, as Lambda does ('must be smaller than')", () => {
    expect(JSON.stringify(eventOf(LAMBDA_MAX_PAYLOAD_BYTES)).length).toBe(6_291_456);
    expect(fitsLambdaPayload(eventOf(LAMBDA_MAX_PAYLOAD_BYTES))).toBe(false);
  });
});
