import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { encodeContext } from "../shared/authorizer-context";
import { headerValues } from "../shared/http/headers";
import { requireTable, runtime } from "../shared/runtime";
import { authorize } from "./authorize";

/**
 * The REQUEST authorizer (identity source `X-API-Key`, result cache off). Throwing "Unauthorized" is
 * how a REST API authorizer answers 401; any other error becomes API Gateway's AUTHORIZER_FAILURE,
 * which the stack turns into 503 + Retry-After: a storage failure never allows. It never logs its
 * event (the event holds the key).
 */
export async function handler(event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> {
  const presented = new Set(headerValues(event, "x-api-key").filter((value) => value !== ""));
  const [key] = presented;
  if (presented.size !== 1 || key === undefined) throw new Error("Unauthorized");

  const { dynamo, clock, settings } = runtime();
  const decision = await authorize(
    {
      dynamo,
      clock,
      table: requireTable(settings.keysTable, "KEYS_TABLE_NAME"),
      rateLimit: settings.rateLimit,
      rateWindowSeconds: settings.rateWindowSeconds,
    },
    key,
    event.requestContext?.identity?.sourceIp,
  );
  if (!decision.allow) throw new Error("Unauthorized");
  return {
    principalId: decision.context.keyId,
    policyDocument: {
      Version: "2012-10-17",
      Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: event.methodArn }],
    },
    context: encodeContext(decision.context),
  };
}
