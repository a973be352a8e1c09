import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { errorEnvelope } from "../../contract/error-codes";

/**
 * The catch-all behind every undeclared path and method (API.md §3: an unknown route is 404 before
 * anything else). A function, not a mock integration: a mock passes a body of a media type it has no
 * template for straight through and answers 500 to `text/plain`, CSV, XML or a form; this answers the
 * 404 envelope whatever the request carries, and never reads the body.
 */
export async function handler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const requestId = event.requestContext?.requestId ?? "";
  return {
    statusCode: 404,
    headers: { "Content-Type": "application/json", "X-Request-Id": requestId },
    body: JSON.stringify(errorEnvelope("not_found", "No such route.", requestId)),
  };
}
