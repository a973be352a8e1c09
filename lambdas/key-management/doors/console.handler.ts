import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { consoleCorsHeaders, KEY_ADMINS_GROUP, ORG_ID_CLAIM } from "../../../contract/console";
import { SERVICE } from "../../../contract/metric-names";
import { CONSOLE_PREFIX } from "../../../contract/routes/key-operations";
import type { Runtime } from "../../../contract/runtime";
import { orgIdSchema } from "../../../contract/schemas/keys";
import { HttpError } from "../../shared/http/errors";
import { runtimeFromEnvironment } from "../../shared/runtime";
import type { Actor } from "../key-store";
import { type HttpDoorSpec, httpDoor } from "./door";

/**
 * The console's door to key management (API.md §10): `/console/v1/…` answers exactly what
 * `/admin/v1/orgs/{orgId}/…` answers, for the org named by the signed-in person's token and nobody
 * else's. API Gateway's Cognito user-pool authorizer has checked the ID token and hands its claims
 * over as strings under `requestContext.authorizer.claims` (the local runtime's gateway does the same
 * from its OpenID provider's ID token), so the org, the person and their groups come from there only.
 */

/** The person behind a request, from the token's claims. */
export interface ConsoleUser {
  sub: string;
  orgId: string;
  email: string | null;
}

/**
 * API Gateway renders a token's `cognito:groups` array as one string: a single group as its name,
 * several as `[a, b]` (or space-separated): every spelling is read as the set of names.
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
 * The Cognito authorizer checks a token's signature, issuer and expiry, not which client it was
 * issued to nor whether it is an ID token: another client of the pool, or an access token, would
 * pass it. So the token must be an ID token (`token_use`) of the page's own client (`aud`,
 * `clientId`), and the email only counts once Cognito has verified it: a person could otherwise
 * write any address into the audit trail.
 */
export function consoleUser(event: APIGatewayProxyEvent, clientId: string | undefined): ConsoleUser {
  const claims: Record<string, unknown> = event.requestContext.authorizer?.claims ?? {};
  if (claims.token_use !== "id" || clientId === undefined || claims.aud !== clientId) {
    throw new HttpError("forbidden", "The console takes only ID tokens issued to its own page.");
  }
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
  // An address nobody verified may not name a person on the audit trail (API.md §10).
  const verified = claims.email_verified === "true";
  const email = verified && typeof claims.email === "string" && claims.email !== "" ? claims.email : null;
  return { sub, orgId: orgId.data, email };
}

/** The console door for the page's client id: the person is the actor, their token's org the only org. */
export const consoleDoor = (clientId: string | undefined): HttpDoorSpec => ({
  service: SERVICE.admin,
  prefix: CONSOLE_PREFIX,
  identify: (event): Actor => {
    const user = consoleUser(event, clientId);
    return { actor: `user:${user.sub}`, actorEmail: user.email };
  },
  // Checked again here rather than carried: `identify` already refused a token without a valid org.
  orgOf: (event) => consoleUser(event, clientId).orgId,
  keyLocation: (_orgId, keyId) => `${CONSOLE_PREFIX}/api-keys/${keyId}`,
});

/**
 * The handler of the `/console/v1` routes (`cognito` auth in the route table). Deployed, the page is
 * served from its own origin (CloudFront; locally a port of its own), the only one the answers name
 * for CORS.
 */
export function createHandler(
  runtime: Runtime,
): (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult> {
  const serve = httpDoor(consoleDoor(runtime.settings.consoleClientId), runtime);
  const origin = runtime.settings.consoleOrigin;
  return async (event, context) => {
    const result = await serve(event, context);
    if (!origin) return result;
    return { ...result, headers: { ...result.headers, ...consoleCorsHeaders(origin) } };
  };
}

/** The Lambda entry point: built once, when the function starts, from its environment. */
export const handler = createHandler(runtimeFromEnvironment(process.env));
