import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { exportJWK, generateKeyPair, type JSONWebKeySet } from "jose";
import Provider, { type Configuration } from "oidc-provider";
import {
  CONSOLE_PAGE_PATH,
  KEY_ADMINS_GROUP,
  LOCAL_CONSOLE_CLIENT_ID,
  LOCAL_CONSOLE_SUB,
  ORG_ID_CLAIM,
} from "../../../contract/console";
import {
  type LoginFailure,
  readLoginForm,
  renderLoginPage,
  renderSignOutPage,
  SIGN_IN_CSS,
  SIGN_IN_CSS_PATH,
  SIGN_OUT_SCRIPT,
  SIGN_OUT_SCRIPT_PATH,
} from "./login-page";

/**
 * The local runtime's stand-in for Cognito's managed login (API.md §10): a real OpenID provider
 * (`oidc-provider`, an OpenID-certified library), never a hand-rolled one. One public client, the page,
 * authorization code with PKCE only; RS256 ID tokens carrying the claims Cognito's carry; refresh
 * tokens as Cognito issues them with every code exchange. Its login page takes the admin token (in
 * place of a password and MFA) and the organization the person will manage.
 */

/** Cognito's logout endpoint path, which the page calls deployed and locally alike. */
export const LOGOUT_PATH = "/logout";

/** Where the login page is (the provider's interaction URL). */
const INTERACTION_PREFIX = "/interaction/";

/** A refresh token lives as Cognito's default (30 days), far past any local session. */
const REFRESH_TOKEN_SECONDS = 30 * 24 * 3600;

export interface LocalSignInOptions {
  /** The provider's own origin (its issuer): an origin apart from the page's and the API's. */
  issuer: string;
  /** The page's origin: the client's redirect and post-logout addresses are its page. */
  consoleOrigin: string;
  adminToken: string;
  /** ID and access token lifetime (`FYNEX_CONSOLE_TOKEN_SECONDS`). */
  tokenSeconds: number;
}

export interface LocalSignIn {
  issuer: string;
  clientId: string;
  /** The public keys the provider publishes at its `jwks_uri` (the gateway verifies against them). */
  jwks: JSONWebKeySet;
  /** The provider's HTTP handler (mounted on its own server). */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

/** Starts the provider: a fresh RSA signing key per run, nothing kept on disk. */
export async function startLocalSignIn(options: LocalSignInOptions): Promise<LocalSignIn> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const kid = randomBytes(8).toString("hex");
  const signing = { ...(await exportJWK(privateKey)), kid, alg: "RS256", use: "sig" };
  const published = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
  // Which org each grant signed in to: the org is typed at login, the subject is always local-admin.
  // One entry per sign-in, kept for the run (a local run signs in a handful of times).
  const orgOfGrant = new Map<string, string>();
  const pageUrl = `${options.consoleOrigin}${CONSOLE_PAGE_PATH}`;

  const configuration: Configuration = {
    clients: [
      {
        client_id: LOCAL_CONSOLE_CLIENT_ID,
        client_name: "Fynex console (local)",
        token_endpoint_auth_method: "none",
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
        redirect_uris: [pageUrl],
        post_logout_redirect_uris: [pageUrl],
      },
    ],
    jwks: { keys: [signing] },
    cookies: { keys: [randomBytes(32).toString("base64url")] },
    pkce: { required: () => true },
    // The claims Cognito puts in its ID tokens (API.md §10), all on the `openid` and `email` scopes.
    claims: {
      openid: ["sub", "token_use", "cognito:groups", ORG_ID_CLAIM, "cognito:username"],
      email: ["email", "email_verified"],
    },
    // Cognito's ID token carries the scopes' claims even though an access token is issued too.
    conformIdTokenClaims: false,
    ttl: {
      IdToken: options.tokenSeconds,
      AccessToken: options.tokenSeconds,
      AuthorizationCode: 300,
      Interaction: 3600,
      Session: 8 * 3600,
      Grant: REFRESH_TOKEN_SECONDS,
      RefreshToken: REFRESH_TOKEN_SECONDS,
    },
    // Cognito returns a refresh token with every code exchange, without `offline_access`.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed("refresh_token"),
    // Only the page's origin may call the token endpoint from a browser.
    clientBasedCORS: (_ctx, origin) => origin === options.consoleOrigin,
    routes: { end_session: LOGOUT_PATH },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.type = "html";
          ctx.body = renderSignOutPage(form);
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.type = "html";
          ctx.body = renderSignOutPage(undefined);
        },
      },
    },
    interactions: { url: async (_ctx, interaction) => `${INTERACTION_PREFIX}${interaction.uid}` },
    findAccount: async (ctx, sub, token) => {
      if (sub !== LOCAL_CONSOLE_SUB) return undefined;
      const grantId = (token as { grantId?: string } | undefined)?.grantId ?? ctx.oidc.entities.Grant?.jti;
      const orgId = grantId === undefined ? undefined : orgOfGrant.get(grantId);
      return {
        accountId: sub,
        claims: async () => ({
          sub,
          "cognito:username": sub,
          "cognito:groups": [KEY_ADMINS_GROUP],
          ...(orgId === undefined ? {} : { [ORG_ID_CLAIM]: orgId }),
          token_use: "id",
          // Nobody proved this mailbox: the admin token stands for a password, not an address.
          email: `${LOCAL_CONSOLE_SUB}@localhost.invalid`,
          email_verified: false,
        }),
      };
    },
    renderError: async (ctx, out) => {
      ctx.type = "html";
      ctx.body = renderLoginPage({
        action: undefined,
        failure: { status: 400, message: String(out.error_description ?? out.error) },
      });
    },
  };
  const provider = new Provider(options.issuer, configuration);
  const callback = provider.callback();
  const expected = Buffer.from(options.adminToken);

  async function interaction(req: IncomingMessage, res: ServerResponse, uid: string, submit: boolean) {
    // Throws (answered by the provider's error page) when the interaction is gone or not this browser's.
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) throw new Error("interaction mismatch");
    const action = `${INTERACTION_PREFIX}${uid}/login`;
    if (!submit) return sendHtml(res, 200, renderLoginPage({ action }));
    const form = await readLoginForm(req, expected);
    if ("failure" in form) return sendHtml(res, form.failure.status, renderLoginPage({ action, ...form }));
    const grant = new provider.Grant({
      accountId: LOCAL_CONSOLE_SUB,
      clientId: String(details.params.client_id),
    });
    grant.addOIDCScope(String(details.params.scope));
    const grantId = await grant.save();
    orgOfGrant.set(grantId, form.orgId);
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: LOCAL_CONSOLE_SUB }, consent: { grantId } },
      { mergeWithLastSubmission: false },
    );
  }

  return {
    issuer: options.issuer,
    clientId: LOCAL_CONSOLE_CLIENT_ID,
    jwks: { keys: [published] },
    async handle(req, res) {
      const path = new URL(req.url ?? "/", options.issuer).pathname;
      // Every page of the provider: its own files only, forms posted to itself (then redirected to the page).
      res.setHeader("Content-Security-Policy", signInPolicy(options.consoleOrigin));
      res.setHeader("X-Frame-Options", "DENY");
      res.setHeader("X-Content-Type-Options", "nosniff");
      res.setHeader("Referrer-Policy", "no-referrer");
      if (path === SIGN_IN_CSS_PATH) return sendFile(res, "text/css; charset=utf-8", SIGN_IN_CSS);
      if (path === SIGN_OUT_SCRIPT_PATH)
        return sendFile(res, "text/javascript; charset=utf-8", SIGN_OUT_SCRIPT);
      const match = /^\/interaction\/([\w-]+)(\/login)?$/.exec(path);
      if (!match) return callback(req, res);
      const submit = match[2] !== undefined;
      if (req.method !== (submit ? "POST" : "GET"))
        return sendHtml(res, 405, renderLoginPage({ action: undefined }));
      try {
        await interaction(req, res, match[1] as string, submit);
      } catch {
        const failure: LoginFailure = {
          status: 400,
          message: "This sign-in has expired. Go back to the page and sign in again.",
        };
        if (!res.headersSent) sendHtml(res, 400, renderLoginPage({ action: undefined, failure }));
      }
    },
  };
}

/** The provider's pages: no inline script or style, forms to itself and on to the page's origin. */
function signInPolicy(consoleOrigin: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `form-action 'self' ${consoleOrigin}`,
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

function sendFile(res: ServerResponse, type: string, body: string) {
  res.writeHead(200, {
    "Content-Type": type,
    "Content-Length": Buffer.byteLength(body),
    "Cache-Control": "no-cache",
  });
  res.end(body);
}

function sendHtml(res: ServerResponse, status: number, html: string) {
  res.writeHead(status, {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Length": Buffer.byteLength(html),
    "Cache-Control": "no-store",
  });
  res.end(html);
}
