import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { GATEWAY_RESPONSES, type GatewayAnswer } from "../../gateway-responses";
import { failureFields, localLog } from "../log";

/** The authorizer Lambda's handler. */
export type AuthorizerHandler = (
  event: APIGatewayRequestAuthorizerEvent,
) => Promise<APIGatewayAuthorizerResult>;

/** The authorizer's outcome: a gateway answer, or the context the integration receives. */
export type AuthorizerStep =
  | { refused: GatewayAnswer & { statusCode: number } }
  | { context: Record<string, string | number> };

/**
 * Whether API Gateway would call the authorizer: every `X-API-Key` value the client sent (any casing;
 * the event's `multiValueHeaders` hold them all) is one and the same non-empty string (API.md §3).
 */
function identitySourceUsable(event: APIGatewayRequestAuthorizerEvent): boolean {
  const values = Object.entries(event.multiValueHeaders ?? {})
    .filter(([name]) => name.toLowerCase() === "x-api-key")
    .flatMap(([, list]) => list ?? []);
  return values.length > 0 && values[0] !== "" && values.every((value) => value === values[0]);
}

/**
 * API Gateway's REQUEST-authorizer step. 401 without calling the authorizer when the identity
 * source is unusable (API.md §3: unless every `X-API-Key` value is one and the same non-empty
 * string); "Unauthorized" thrown → 401; any other failure → 503; a Deny → 403; otherwise every
 * context value stringified, as API Gateway hands it to the integration.
 */
export async function runAuthorizer(
  handler: AuthorizerHandler,
  event: APIGatewayRequestAuthorizerEvent,
  requestId: string,
): Promise<AuthorizerStep> {
  if (!identitySourceUsable(event)) return { refused: GATEWAY_RESPONSES.UNAUTHORIZED };
  const started = Date.now();
  let result: APIGatewayAuthorizerResult;
  try {
    result = await handler(event);
  } catch (error) {
    if (error instanceof Error && error.message === "Unauthorized") {
      return { refused: GATEWAY_RESPONSES.UNAUTHORIZED };
    }
    localLog("error", "authorizer failed", { requestId, ...failureFields(error) });
    return { refused: GATEWAY_RESPONSES.AUTHORIZER_FAILURE };
  }
  if (!allows(result)) return { refused: GATEWAY_RESPONSES.ACCESS_DENIED };
  return {
    context: {
      ...Object.fromEntries(
        Object.entries(result.context ?? {}).map(([name, value]) => [name, String(value)]),
      ),
      principalId: result.principalId,
      integrationLatency: Date.now() - started,
    },
  };
}

function allows(result: APIGatewayAuthorizerResult): boolean {
  const statements = result.policyDocument?.Statement ?? [];
  return statements.length > 0 && statements.every((statement) => statement.Effect === "Allow");
}
