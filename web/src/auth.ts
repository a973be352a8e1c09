import { InMemoryWebStorage, UserManager, WebStorageStateStore } from "oidc-client-ts";
import { CONSOLE_PAGE_PATH, LOCAL_SESSION_PATH } from "../../contract/console";
import { ApiError } from "./api";

/** `config.json` beside the page: written by `npm start` locally, by the stack at deploy time. */
export type PageConfig =
  | { mode: "local" }
  | { mode: "cognito"; apiUrl: string; authority: string; clientId: string; signInOrigin: string };

/** Who is signed in, and how the page proves it to the API. Tokens live in memory only (API.md §10). */
export interface Auth {
  /** "form": the local sign-in form; "redirect": Cognito's managed login. */
  kind: "form" | "redirect";
  /** Where the console API is ("" on the page's own origin). */
  apiBaseUrl: string;
  token(): string | undefined;
  /** The signed-in org, for the page's header. */
  orgId(): string | undefined;
  /** Local only: the sign-in form's admin token and organization. */
  signInWithForm?(adminToken: string, orgId: string): Promise<void>;
  /** Deployed: go to managed login (comes back to the page with a code). */
  signInWithRedirect?(): Promise<void>;
  /** Finishes a sign-in the URL carries (deployed); true when someone is signed in afterwards. */
  resume(): Promise<boolean>;
  signOut(): Promise<void>;
}

/** Local: the admin token and an org id start a session (the local runtime's stand-in for Cognito). */
export function localAuth(): Auth {
  let session: { token: string; orgId: string } | undefined;
  return {
    kind: "form",
    apiBaseUrl: "",
    token: () => session?.token,
    orgId: () => session?.orgId,
    async signInWithForm(adminToken, orgId) {
      const response = await fetch(LOCAL_SESSION_PATH, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ adminToken, orgId }),
        cache: "no-store",
        credentials: "omit",
      }).catch(() => undefined);
      if (!response)
        throw new ApiError("The local runtime cannot be reached. Is npm start running?", 0, "network");
      const body = (await response.json().catch(() => undefined)) as
        | { token?: string; orgId?: string; error?: { message?: string; code?: string } }
        | undefined;
      if (!response.ok || !body?.token || !body.orgId) {
        throw new ApiError(
          body?.error?.message ?? "Sign-in failed.",
          response.status,
          body?.error?.code ?? "unknown",
        );
      }
      session = { token: body.token, orgId: body.orgId };
    },
    resume: async () => session !== undefined,
    async signOut() {
      const ended = session;
      session = undefined;
      if (!ended) return;
      // The runtime forgets the session too, so its token stops working; signed out here either way.
      await fetch(LOCAL_SESSION_PATH, {
        method: "DELETE",
        headers: { Authorization: `Bearer ${ended.token}` },
        cache: "no-store",
        credentials: "omit",
      }).catch(() => undefined);
    },
  };
}

/**
 * Deployed: Cognito's managed login, authorization code with PKCE, through oidc-client-ts. Tokens stay
 * in memory (a reload signs in again, silently when Cognito's own session is still live); only the
 * short-lived PKCE verifier and state cross the redirect, in sessionStorage, and are removed on return.
 */
export function cognitoAuth(config: Extract<PageConfig, { mode: "cognito" }>): Auth {
  const pageUrl = `${location.origin}${CONSOLE_PAGE_PATH}`;
  const manager = new UserManager({
    authority: config.authority,
    client_id: config.clientId,
    redirect_uri: pageUrl,
    post_logout_redirect_uri: pageUrl,
    response_type: "code",
    scope: "openid email profile",
    userStore: new WebStorageStateStore({ store: new InMemoryWebStorage() }),
    stateStore: new WebStorageStateStore({ store: sessionStorage }),
    automaticSilentRenew: false,
    // Cognito's logout endpoint is not in its discovery document.
    metadataSeed: { end_session_endpoint: `${config.signInOrigin}/logout` },
    extraQueryParams: {},
  });
  let idToken: string | undefined;
  let orgId: string | undefined;
  const apiBaseUrl = config.apiUrl.replace(/\/$/, "");
  return {
    kind: "redirect",
    apiBaseUrl,
    token: () => idToken,
    orgId: () => orgId,
    signInWithRedirect: () => manager.signinRedirect(),
    async resume() {
      const params = new URLSearchParams(location.search);
      if (params.has("code") && params.has("state")) {
        const user = await manager.signinRedirectCallback();
        // The code is spent: take it out of the address bar and the history.
        history.replaceState(null, "", CONSOLE_PAGE_PATH);
        idToken = user.id_token;
        const claim = user.profile["custom:orgId"];
        orgId = typeof claim === "string" ? claim : undefined;
      }
      return idToken !== undefined;
    },
    async signOut() {
      idToken = undefined;
      await manager.removeUser();
      await manager.signoutRedirect({
        extraQueryParams: { client_id: config.clientId, logout_uri: pageUrl },
      });
    },
  };
}

/** The page's configuration, from `config.json` beside it. */
export async function loadConfig(): Promise<PageConfig> {
  const response = await fetch(`${CONSOLE_PAGE_PATH}/config.json`, { cache: "no-store" });
  if (!response.ok) throw new Error(`config.json answered ${response.status}`);
  return (await response.json()) as PageConfig;
}
