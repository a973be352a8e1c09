import { describe, expect, it } from "vitest";
import { handler } from "../../../../lambdas/not-found/not-found.handler";
import { noAuthProxyFixture } from "../../../fixtures/events";

describe("the catch-all function", () => {
  it.each([
    ["text/plain", "hello"],
    ["text/csv", "a,b\n1,2"],
    ["application/xml", "<a/>"],
    ["application/x-www-form-urlencoded", "a=1&b=2"],
    ["application/json", "{not json"],
  ])("answers 404 in the envelope to a %s body", async (contentType, body) => {
    const event = noAuthProxyFixture();
    event.headers = { "Content-Type": contentType };
    event.body = body;

    const result = await handler(event);

    expect(result.statusCode).toBe(404);
    expect(result.headers).toMatchObject({
      "Content-Type": "application/json",
      "X-Request-Id": event.requestContext.requestId,
    });
    expect(JSON.parse(result.body)).toEqual({
      error: {
        code: "not_found",
        message: "No such route.",
        requestId: event.requestContext.requestId,
        details: [],
      },
    });
  });
});
