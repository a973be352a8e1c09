import type middy from "@middy/core";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import type { HttpResult } from "./http-result";
import { errorResult, toProxyResult } from "./response";

type Request = middy.Request<APIGatewayProxyEvent, APIGatewayProxyResult | HttpResult>;

export interface EnvelopeOptions {
  /** Headers every response carries, errors included (the RateLimit fields for a live key). */
  headers?: (request: Request) => Record<string, string>;
}

/**
 * Registered first, so it runs last on the way out: turns the route's `HttpResult` or any error into
 * an API Gateway proxy result in the envelope of API.md §4, with `X-Request-Id` on every response.
 */
export function httpEnvelope(
  options: EnvelopeOptions = {},
): middy.MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult | HttpResult> {
  const finish = (request: Request, result: HttpResult) => {
    const requestId = request.event.requestContext?.requestId ?? "";
    request.response = toProxyResult(result, { ...options.headers?.(request), "X-Request-Id": requestId });
  };
  return {
    after: (request) => finish(request, request.response as HttpResult),
    onError: (request) =>
      finish(request, errorResult(request.error, request.event.requestContext?.requestId ?? "")),
  };
}
