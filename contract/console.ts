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
 * Local only: the sign-in form's stand-in for Cognito. It takes the admin token and an org id and
 * answers an opaque session token that the page keeps in memory (API.md §10).
 */
export const LOCAL_SESSION_PATH = "/local/v1/console-sessions";

/** The subject locally: audit events read `user:local-admin`, with `actorEmail` null. */
export const LOCAL_CONSOLE_SUB = "local-admin";

/**
 * Local only: the app client id of the page's sign-in, the `aud` of local ID tokens, which the console
 * function checks as deployed (there: the Cognito app client's id).
 */
export const LOCAL_CONSOLE_CLIENT_ID = "fynexlocalconsole";
