/**
 * Names the console's sign-in and its API share across the stack (Cognito), the handlers, the local
 * runtime and the CLI (API.md §10). Pure data.
 */

/** The Cognito group whose members may manage their org's keys in the console. */
export const KEY_ADMINS_GROUP = "key-admins";

/** The custom user attribute naming a person's org (`custom:orgId` in the ID token). */
export const ORG_ID_ATTRIBUTE = "orgId";
export const ORG_ID_CLAIM = `custom:${ORG_ID_ATTRIBUTE}`;

/** Where the page is served, deployed (CloudFront) and locally (`npm start`). */
export const CONSOLE_PAGE_PATH = "/settings/integrations";

/** The console API's prefix; its routes mirror the admin API's for the signed-in user's org. */
export const CONSOLE_API_PREFIX = "/console/v1";

/**
 * What the page reads at start from `config.json` beside it, deployed (written by the stack) and
 * locally (served by `npm start`): the same one sign-in path (OpenID Connect) either way.
 */
export interface ConsolePageConfig {
  /** The API's base URL; the page calls `<apiUrl>console/v1/…`. */
  apiUrl: string;
  /** The OpenID issuer (discovery): the user pool deployed, the local provider locally. */
  authority: string;
  clientId: string;
  /** The origin of the sign-in pages; its `/logout` ends the session (not in Cognito's discovery). */
  signInOrigin: string;
}

/** The console API's CORS preflight, deployed (API Gateway's mock) and locally alike. */
export const CONSOLE_CORS = {
  allowMethods: ["GET", "POST", "PATCH", "PUT"],
  allowHeaders: ["Authorization", "Content-Type", "Idempotency-Key"],
  maxAgeSeconds: 3600,
} as const;

/**
 * The CORS headers of every answer of the console API that the page must be able to read: the
 * function's and, locally, the gateway's own (its 401 for a dead token). One origin, never `*`.
 */
export function consoleCorsHeaders(consoleOrigin: string): Record<string, string> {
  return { "Access-Control-Allow-Origin": consoleOrigin, Vary: "Origin" };
}

/** The subject locally: audit events read `user:local-admin`, with `actorEmail` null. */
export const LOCAL_CONSOLE_SUB = "local-admin";

/**
 * Local only: the app client id of the page's sign-in, the `aud` of local ID tokens, which the console
 * function checks as deployed (there: the Cognito app client's id).
 */
export const LOCAL_CONSOLE_CLIENT_ID = "fynexlocalconsole";
