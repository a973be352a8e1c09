import middy from "@middy/core";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { SERVICE } from "../../../contract/metric-names";
import { ADMIN_PREFIX } from "../../../contract/routes/key-operations";
import type { Runtime } from "../../../contract/runtime";
import { isKeyId, orgIdSchema } from "../../../contract/schemas/keys";
import { httpEnvelope } from "../../shared/http/envelope";
import { HttpError, notFound } from "../../shared/http/errors";
import { within } from "../../shared/http/failures";
import type { HttpResult } from "../../shared/http/http-result";
import { linkTo } from "../../shared/http/links";
import { requestState } from "../../shared/http/request-state";
import { pathParameter, validate } from "../../shared/http/validation";
import { requestTelemetry } from "../../shared/observability/telemetry";
import type { Actor } from "../key-store";
import { routesUnder } from "../operations";
import { keyServiceDepsOf } from "../service-deps";

/**
 * Doors into key management: how a request reaches the operations (`operations.ts`) and who the door
 * proves the caller is. Each door is its own Lambda function, so which door a request came through is
 * decided by the function AWS invoked (its resource policy), never by the payload (docs/DECISIONS.md
 * #120):
 * - the admin door (`http.handler.ts`): API Gateway, IAM-authorized; the actor is the caller's IAM ARN;
 * - the direct door (`direct.handler.ts`): `aws lambda invoke`; the actor is always `direct-invoke`;
 * - a third HTTP door plugs in with {@link httpDoor}: the console's `/console/v1` names the org from
 *   the user's claims and the actor as `user:<sub>` with `actorEmail`.
 */

/** A door behind API Gateway: the same operations, its own resources, caller and org. */
export interface HttpDoorSpec {
  /** The service name of its log lines and metrics. */
  service: string;
  /** Its resources start here (`/admin/v1/orgs/{orgId}`); the operations' paths follow. */
  prefix: string;
  /**
   * Who is asking, from what API Gateway verified before invoking (IAM's `userArn`, Cognito's
   * claims). Throws `forbidden` when nothing proves it.
   */
  identify: (event: APIGatewayProxyEvent) => Actor;
  /** The org the request acts on (the path for admins; the user's own org for the console). */
  orgOf: (event: APIGatewayProxyEvent, actor: Actor) => string;
  /** Where a key can be read back, as this door's callers address it (`Location`). */
  keyLocation: (orgId: string, keyId: string) => string;
}

export const parseOrgId = (value: unknown) => validate(orgIdSchema, value, within("orgId"));

/**
 * The path's key id as the request log may show it: a path segment that is no key id may be anything
 * the caller typed there, a full key pasted in place of its id among them, and is never logged.
 */
const loggedKeyId = (value: string | undefined) =>
  value === undefined || isKeyId(value) ? value : "invalid";

/**
 * A Lambda handler serving one HTTP door, with the shared envelope and telemetry, over the key
 * service's dependencies built (and checked) once from the function's runtime.
 */
export function httpDoor(
  spec: HttpDoorSpec,
  runtime: Runtime,
): (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult> {
  const routes = routesUnder(spec.prefix);
  const deps = keyServiceDepsOf(runtime, { usageTable: true });
  const serve = middy<APIGatewayProxyEvent, APIGatewayProxyResult | HttpResult>()
    .use(
      requestTelemetry(spec.service, runtime.settings, (request) => ({
        orgId: request.event.pathParameters?.orgId,
        keyId: loggedKeyId(request.event.pathParameters?.keyId),
        actor: requestState(request.context).caller?.actor,
      })),
    )
    .use(httpEnvelope())
    .use({
      // Who is asking is known before anything is read, and carried on the request for the log line.
      before: (request) => {
        requestState(request.context).caller = spec.identify(request.event);
      },
    })
    .handler(async (event, context): Promise<HttpResult> => {
      const op = routes.get(`${event.httpMethod} ${event.resource}`);
      if (!op) throw notFound("route");
      const actor = requestState(context).caller as Actor;
      const orgId = spec.orgOf(event, actor);
      const answer = await op.serveEvent(event, {
        deps,
        via: "http",
        orgId,
        keyId: op.takesKeyId ? pathParameter(event, "keyId") : "",
        actor,
        // Resolved against the URL called: the stage stays in front on a bare stage URL (API.md §6).
        keyLocation: (keyId) => linkTo(event, spec.keyLocation(orgId, keyId)),
      });
      return { statusCode: answer.statusCode, body: answer.body, headers: answer.headers };
    });
  // The envelope (registered first, so last out) turns every answer and error into a proxy result.
  return (event, context) => serve(event, context) as Promise<APIGatewayProxyResult>;
}

/** The admin door: API Gateway with IAM authorization (locally, a bearer token as `local-admin`). */
export const ADMIN_DOOR: HttpDoorSpec = {
  service: SERVICE.admin,
  prefix: ADMIN_PREFIX,
  identify: (event) => {
    // IAM authorization puts the caller's ARN here (the local runtime: `local-admin`); without it, refuse.
    const actor = event.requestContext.identity?.userArn;
    if (!actor) throw new HttpError("forbidden", "This route needs an authenticated administrator.");
    return { actor };
  },
  orgOf: (event) => parseOrgId(pathParameter(event, "orgId")),
  keyLocation: (orgId, keyId) => `/admin/v1/orgs/${orgId}/api-keys/${keyId}`,
};
