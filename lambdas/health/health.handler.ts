import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";

/** `GET /health`: no key, no storage; says the API answers. */
export async function handler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  return {
    statusCode: 200,
    headers: { "Content-Type": "application/json", "X-Request-Id": event.requestContext?.requestId ?? "" },
    body: JSON.stringify({ status: "ok" }),
  };
}
