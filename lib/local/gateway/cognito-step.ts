import { createLocalJWKSet, type JSONWebKeySet, type JWTPayload, jwtVerify } from "jose";

/**
 * API Gateway's Cognito user-pool authorizer, for the console routes (API.md §10): the ID token in
 * `Authorization: Bearer` must be signed by one of the issuer's published keys (RS256), name the
 * issuer, and not be expired; anything else is the gateway's 401. The REST authorizer checks no
 * audience (the console function checks `aud` and `token_use` itself). Verified with `jose`, never by
 * hand.
 */
export interface CognitoStepOptions {
  issuer: string;
  /** The issuer's published keys (its `jwks_uri`). */
  jwks: JSONWebKeySet;
  /**
   * The time tokens are judged at, ms. The real clock by default, as the provider issuing them has
   * no other (docs/DECISIONS.md #166).
   */
  now?: () => number;
}

/** The claims as API Gateway hands them to the function, or undefined for the gateway's 401. */
export type CognitoStep = (authorization: string | undefined) => Promise<Record<string, string> | undefined>;

export function cognitoStep(options: CognitoStepOptions): CognitoStep {
  const keys = createLocalJWKSet(options.jwks);
  return async (authorization) => {
    const token = /^Bearer (\S+)$/.exec(authorization ?? "")?.[1];
    if (token === undefined) return undefined;
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: options.issuer,
        algorithms: ["RS256"],
        requiredClaims: ["exp", "sub"],
        currentDate: options.now ? new Date(options.now()) : undefined,
      });
      return gatewayClaims(payload);
    } catch {
      return undefined;
    }
  };
}

/**
 * Every claim a string, as API Gateway's REST API renders them: `exp` and `iat` as
 * `Tue Apr 04 18:39:39 UTC 2023`, other numbers and booleans as their text, a one-element array as
 * its element and a longer one as `[a, b]`.
 */
export function gatewayClaims(payload: JWTPayload): Record<string, string> {
  const claims: Record<string, string> = {};
  for (const [name, value] of Object.entries(payload)) {
    if ((name === "exp" || name === "iat") && typeof value === "number") claims[name] = gatewayDate(value);
    else if (Array.isArray(value))
      claims[name] = value.length === 1 ? String(value[0]) : `[${value.join(", ")}]`;
    else if (typeof value === "object" && value !== null) claims[name] = JSON.stringify(value);
    else claims[name] = String(value);
  }
  return claims;
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function gatewayDate(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  const two = (n: number) => String(n).padStart(2, "0");
  const time = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${two(d.getUTCDate())} ${time} UTC ${d.getUTCFullYear()}`;
}
