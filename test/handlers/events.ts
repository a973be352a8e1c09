import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent } from "aws-lambda";

/** Real API Gateway events, with their licence note: `test/fixtures/apigw-rest/`. */
const FIXTURES = fileURLToPath(new URL("../fixtures/apigw-rest/", import.meta.url));

function readFixture(name: string): Record<string, unknown> {
  const parsed: unknown = JSON.parse(readFileSync(`${FIXTURES}${name}`, "utf8"));
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new Error(`fixture ${name} is not a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

/** The real REQUEST authorizer event AWS sends (a fresh copy each call). */
export function authorizerRequestFixture(): APIGatewayRequestAuthorizerEvent {
  const event = readFixture("authorizer-request.json");
  if (event.type !== "REQUEST" || typeof event.methodArn !== "string") {
    throw new Error("authorizer-request.json is not a REQUEST authorizer event");
  }
  return event as unknown as APIGatewayRequestAuthorizerEvent;
}

/** The real proxy event behind a Lambda authorizer (a fresh copy each call). */
export function lambdaAuthorizerProxyFixture(): APIGatewayProxyEvent {
  const event = readFixture("lambda-authorizer-auth.json");
  if (typeof event.requestContext !== "object" || typeof event.httpMethod !== "string") {
    throw new Error("lambda-authorizer-auth.json is not a proxy event");
  }
  return event as unknown as APIGatewayProxyEvent;
}

/** The real proxy event of a route with no authorization (a fresh copy each call). */
export function noAuthProxyFixture(): APIGatewayProxyEvent {
  const event = readFixture("no-auth.json");
  if (typeof event.requestContext !== "object" || typeof event.httpMethod !== "string") {
    throw new Error("no-auth.json is not a proxy event");
  }
  return event as unknown as APIGatewayProxyEvent;
}

/**
 * Adds request headers as API Gateway REST passes them: names as the client sent them, every value in
 * `multiValueHeaders`, the last one in `headers`.
 */
export function withHeaders<E extends APIGatewayRequestAuthorizerEvent | APIGatewayProxyEvent>(
  event: E,
  headers: Record<string, string[]>,
): E {
  const single = { ...(event.headers ?? {}) };
  const multi = { ...(event.multiValueHeaders ?? {}) };
  for (const [name, values] of Object.entries(headers)) {
    single[name] = values.at(-1);
    multi[name] = values;
  }
  return { ...event, headers: single, multiValueHeaders: multi };
}
