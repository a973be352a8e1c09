import type { APIGatewayProxyResult } from "aws-lambda";
import { errorEnvelope } from "../../../contract/error-codes";
import { errorFields, log } from "../observability/log";
import { OutageError } from "../outcome";
import { HttpError } from "./errors";
import { failureError } from "./failures";
import type { HttpResult } from "./http-result";

const JSON_TYPE = { "Content-Type": "application/json" };

export function toProxyResult(result: HttpResult, headers: Record<string, string>): APIGatewayProxyResult {
  if (result.text !== undefined) {
    return {
      statusCode: result.statusCode,
      headers: { "Content-Type": result.text.contentType, ...result.headers, ...headers },
      body: result.text.content,
    };
  }
  const hasBody = result.body !== undefined;
  return {
    statusCode: result.statusCode,
    headers: { ...(hasBody ? JSON_TYPE : {}), ...result.headers, ...headers },
    body: hasBody ? JSON.stringify(result.body) : "",
  };
}

/**
 * The envelope for any error. `HttpError`s say what they are (the edge's refusals, and failures the
 * edge has mapped); an outage a store or service threw is mapped by the one mapping (`failureError`);
 * anything else is a 500 that says nothing internal, logged with its class and stack only.
 */
export function errorResult(thrown: unknown, requestId: string): HttpResult {
  const error = thrown instanceof OutageError ? failureError(thrown.outage) : thrown;
  if (error instanceof HttpError) {
    return {
      statusCode: error.statusCode,
      body: errorEnvelope(error.code, error.message, requestId, error.details),
      headers: error.headers,
    };
  }
  log("error", "unhandled error", { requestId, ...errorFields(error) });
  return {
    statusCode: 500,
    body: errorEnvelope("internal_error", "Something went wrong on our side.", requestId),
  };
}
