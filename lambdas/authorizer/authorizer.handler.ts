import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { ENV } from "../../contract/environment";
import type { AuthorizerOutcome } from "../../contract/metric-names";
import type { Runtime } from "../../contract/runtime";
import { encodeContext } from "../shared/api-keys/authorizer-context";
import { soleHeaderValue } from "../shared/http/headers";
import { requireSetting, runtimeFromEnvironment } from "../shared/runtime";
import { authorize, type Decision } from "./authorize";
import { decisionLine } from "./decision-log";

/** What the authorizer works with: of the tables, the keys table only. */
interface AuthorizerDeps extends Runtime {
  table: string;
}

/** The authorizer's handler, over the keys table its runtime names (a start without it fails, naming it). */
export function createHandler(
  runtime: Runtime,
): (event: APIGatewayRequestAuthorizerEvent) => Promise<APIGatewayAuthorizerResult> {
  const deps = { ...runtime, table: requireSetting(runtime.settings.keysTable, ENV.keysTable) };
  return (event) => authorizeRequest(deps, event);
}

/** The Lambda entry point: built once, when the function starts, from its environment. */
export const handler = createHandler(runtimeFromEnvironment(process.env));

/**
 * The REQUEST authorizer (identity source `X-API-Key`, result cache off). Throwing "Unauthorized" is
 * how a REST API authorizer answers 401; any other error becomes API Gateway's AUTHORIZER_FAILURE,
 * which the stack turns into 503 + Retry-After: a storage failure never allows. It never logs its
 * event (the event holds the key): one line per decision, with the outcome and the key's id.
 */
async function authorizeRequest(
  { dynamo, clock, settings, table }: AuthorizerDeps,
  event: APIGatewayRequestAuthorizerEvent,
): Promise<APIGatewayAuthorizerResult> {
  const record = (outcome: AuthorizerOutcome, keyId?: string) => {
    if (!settings.telemetry) return;
    const line = {
      environment: settings.envName ?? "local",
      requestId: event.requestContext?.requestId,
      keyId,
      nowMs: clock(),
    };
    process.stdout.write(`${decisionLine(outcome, line)}\n`);
  };

  const key = soleHeaderValue(event, "x-api-key");
  if (key === undefined) {
    record("malformed");
    throw new Error("Unauthorized");
  }
  let decision: Decision;
  try {
    decision = await authorize(
      {
        dynamo,
        clock,
        table,
        rateLimit: settings.rateLimit,
        rateWindowSeconds: settings.rateWindowSeconds,
      },
      key,
      event.requestContext?.identity?.sourceIp,
    );
  } catch (error) {
    record("storage_error");
    throw error;
  }
  if (!decision.allow) {
    record(decision.reason);
    throw new Error("Unauthorized");
  }
  const { context } = decision;
  record(!context.ipAllowed ? "ip_denied" : context.throttled ? "throttled" : "valid", context.keyId);
  return {
    principalId: context.keyId,
    policyDocument: {
      Version: "2012-10-17",
      Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: event.methodArn }],
    },
    context: encodeContext(context),
  };
}
