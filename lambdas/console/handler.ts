import middy from "@middy/core";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { KEY_ADMINS_GROUP, ORG_ID_CLAIM } from "../../contract/console";
import { SERVICE } from "../../contract/metric-names";
import { serveThroughDoor } from "../key-management/handler";
import { isKeyId, orgIdSchema } from "../key-management/schemas";
import { httpEnvelope } from "../shared/http/envelope";
import { HttpError, notFound } from "../shared/http/errors";
import type { HttpResult } from "../shared/http/response";
import { requestTelemetry } from "../shared/observability/telemetry";
import { runtime } from "../shared/runtime";

/**
 * The console's door to key management (API.md §10): `/console/v1/…` answers exactly what
 * `/admin/v1/orgs/{orgId}/…` answers, for the org named by the signed-in person's token and nobody
 * else's. API Gateway's Cognito user-pool authorizer has checked the ID token and hands its claims
 * over as strings under `requestContext.authorizer.claims` (the local runtime does the same from its
 * sign-in form's session), so the org, the person and their groups come from there only.
 */

const CONSOLE_PREFIX = "/console/v1";
const ADMIN_PREFIX = "/admin/v1/orgs/{orgId}";

/** The person behind a request, from the token's claims. */
export interface ConsoleUser {
  sub: string;
  orgId: string;
  email: string | null;
}

/**
 * API Gateway renders a token's `cognito:groups` array as one string: a single group as its name, several
 * as `[a, b]` (or space-separated): every spelling is read as the set of names.
 */
export function groupsOf(claim: unknown): string[] {
  if (typeof claim !== "string") return [];
  return claim
    .replace(/^\[|\]$/g, "")
    .split(/[\s,]+/)
    .filter((group) => group !== "");
}

/**
 * Who is asking, or a 403: API Gateway only calls this function with a valid token, so a missing
 * subject, org or group is a person who may not manage keys here, not a client that failed to sign in.
 */
export function consoleUser(event: APIGatewayProxyEvent): ConsoleUser {
  const claims: Record<string, unknown> = event.requestContext.authorizer?.claims ?? {};
  const sub = claims.sub;
  if (typeof sub !== "string" || sub === "") {
    throw new HttpError("forbidden", "The console needs a signed-in person.");
  }
  if (!groupsOf(claims["cognito:groups"]).includes(KEY_ADMINS_GROUP)) {
    throw new HttpError("forbidden", `Only members of ${KEY_ADMINS_GROUP} may manage API keys.`);
  }
  const orgId = orgIdSchema.safeParse(claims[ORG_ID_CLAIM]);
  if (!orgId.success) {
    throw new HttpError(
      "forbidden",
      "Your account names no organization; ask an administrator to invite you again.",
    );
  }
  const email = typeof claims.email === "string" && claims.email !== "" ? claims.email : null;
  return { sub, orgId: orgId.data, email };
}

/** CORS: deployed, the page is served from its own origin (CloudFront); locally it shares the API's. */
function corsHeaders(): Record<string, string> {
  const origin = runtime().settings.consoleOrigin;
  return origin ? { "Access-Control-Allow-Origin": origin, Vary: "Origin" } : {};
}

/** Lambda entry point for the `/console/v1` routes (`cognito` auth in the route table). */
export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult | HttpResult>()
  .use(
    requestTelemetry(SERVICE.admin, (event) => {
      const keyId = event.pathParameters?.keyId;
      return {
        orgId: event.requestContext.authorizer?.claims?.[ORG_ID_CLAIM],
        keyId: keyId === undefined || isKeyId(keyId) ? keyId : "invalid",
        actor: event.requestContext.authorizer?.claims?.sub
          ? `user:${event.requestContext.authorizer.claims.sub}`
          : undefined,
      };
    }),
  )
  .use(httpEnvelope({ headers: corsHeaders }))
  .handler(async (event): Promise<HttpResult> => {
    if (!event.resource.startsWith(CONSOLE_PREFIX)) throw notFound("route");
    const user = consoleUser(event);
    return serveThroughDoor(event, {
      orgId: user.orgId,
      actor: { actor: `user:${user.sub}`, actorEmail: user.email },
      resource: `${ADMIN_PREFIX}${event.resource.slice(CONSOLE_PREFIX.length)}`,
      keysPath: `${CONSOLE_PREFIX}/api-keys`,
    });
  });
