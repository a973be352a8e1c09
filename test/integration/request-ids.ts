import { expect } from "vitest";

const REQUEST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Where an answer carries its request id (API.md §3), by who answered. API Gateway adds
 * `x-amzn-RequestId` to every answer. A function's answer also carries `X-Request-Id`, the same id;
 * a gateway answer (missing key 401, authorizer 401/503, throttling, 502/504, ...) cannot set a header
 * from the request id, so it has none, and the envelope's `requestId` is the one to quote. Holds
 * against the local runtime and a deployed stage alike (docs/DECISIONS.md #107).
 */
export function expectRequestId(
  reply: { headers: Record<string, string>; json?: unknown; text?: string },
  answeredBy: "gateway" | "function",
): string {
  const id = reply.headers["x-amzn-requestid"] ?? "";
  expect(id, reply.text).toMatch(REQUEST_ID);
  const error = (reply.json as { error?: { requestId?: unknown } } | undefined)?.error;
  if (error) expect(error.requestId, reply.text).toBe(id);
  if (answeredBy === "function") expect(reply.headers["x-request-id"], reply.text).toBe(id);
  else expect(reply.headers["x-request-id"], reply.text).toBeUndefined();
  return id;
}
