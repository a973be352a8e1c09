import { randomBytes, timingSafeEqual } from "node:crypto";
import {
  KEY_ADMINS_GROUP,
  LOCAL_CONSOLE_CLIENT_ID,
  LOCAL_CONSOLE_SUB,
  ORG_ID_CLAIM,
} from "../../contract/console";

/**
 * The local runtime's stand-in for Cognito (API.md §10): the sign-in form trades the admin token and
 * an org id for an opaque session token, which the page keeps in memory and sends as
 * `Authorization: Bearer`. The gateway turns a live session into the claims API Gateway's Cognito
 * authorizer would hand over (strings), so the console handler cannot tell the two apart.
 */
export interface ConsoleSessions {
  /** A new session for `orgId`, or undefined when the admin token is wrong. */
  start(adminToken: string, orgId: string): { token: string; expiresAt: string } | undefined;
  /** The claims of a live session named by an `Authorization` header, or undefined. */
  claims(authorization: string | undefined): Record<string, string> | undefined;
  /** Ends the session named by an `Authorization` header (sign-out); nothing when there is none. */
  end(authorization: string | undefined): void;
}

/** As long as a Cognito ID token lives by default: the page signs in again after it. */
const SESSION_SECONDS = 3600;

/** Only the id of an org may name one; the console handler checks it again as it checks a token's. */
const ORG_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function consoleSessions(adminToken: string, now: () => number = Date.now): ConsoleSessions {
  const expected = Buffer.from(adminToken);
  const sessions = new Map<string, { orgId: string; startedMs: number; expiresMs: number }>();
  const tokenOf = (authorization: string | undefined) => /^Bearer (\S+)$/.exec(authorization ?? "")?.[1];
  return {
    start(presented, orgId) {
      const given = Buffer.from(presented);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
      // Ended sessions go when a new one starts: the map never grows past the live ones.
      const startedMs = now();
      for (const [token, session] of sessions) if (session.expiresMs <= startedMs) sessions.delete(token);
      const token = randomBytes(32).toString("base64url");
      const expiresMs = startedMs + SESSION_SECONDS * 1000;
      sessions.set(token, { orgId, startedMs, expiresMs });
      return { token, expiresAt: new Date(expiresMs).toISOString() };
    },
    claims(authorization) {
      const token = tokenOf(authorization);
      const session = token === undefined ? undefined : sessions.get(token);
      if (!session || session.expiresMs <= now()) return undefined;
      // What API Gateway's Cognito authorizer hands over for an ID token: every claim a string.
      return {
        sub: LOCAL_CONSOLE_SUB,
        "cognito:username": LOCAL_CONSOLE_SUB,
        "cognito:groups": KEY_ADMINS_GROUP,
        [ORG_ID_CLAIM]: session.orgId,
        token_use: "id",
        aud: LOCAL_CONSOLE_CLIENT_ID,
        auth_time: String(Math.floor(session.startedMs / 1000)),
        iat: new Date(session.startedMs).toUTCString(),
        exp: new Date(session.expiresMs).toUTCString(),
      };
    },
    end(authorization) {
      const token = tokenOf(authorization);
      if (token !== undefined) sessions.delete(token);
    },
  };
}

/** Whether an org id as the sign-in form sent it may name an org. */
export const isOrgId = (value: unknown): value is string => typeof value === "string" && ORG_ID.test(value);
