import { InMemoryWebStorage, UserManager, WebStorageStateStore } from "oidc-client-ts";
import { CONSOLE_PAGE_PATH, type ConsolePageConfig, ORG_ID_CLAIM } from "../../contract/console";

/**
 * Who is signed in, and how the page proves it to the API (API.md §10). One sign-in path, locally and
 * deployed: OpenID Connect, authorization code with PKCE, through oidc-client-ts, against the issuer
 * `config.json` names (Cognito deployed, the local runtime's provider locally). Tokens live in memory
 * only; just the short-lived PKCE verifier and state cross the redirect, in sessionStorage, and are
 * removed on return.
 */
export interface Auth {
  /** Where the console API is (the stage's URL, without the trailing slash). */
  apiBaseUrl: string;
  /** The current ID token (the API's bearer token). */
  token(): string | undefined;
  /** The signed-in org, for the page's header. */
  orgId(): string | undefined;
  /** Goes to the sign-in page (comes back to this page with a code). */
  signInWithRedirect(): Promise<void>;
  /** Finishes a sign-in the URL carries; true when someone is signed in afterwards. */
  resume(): Promise<boolean>;
  /**
   * A new ID token for the same person without leaving the page (the refresh token, as Cognito
   * allows): true when renewed. Concurrent calls share one renewal.
   */
  renew(): Promise<boolean>;
  /**
   * Signs in again in a popup window, leaving this page, its open dialog and what was typed in it as
   * they are: true when signed in again.
   */
  signInAgain(): Promise<boolean>;
  /** In the popup of `signInAgain`: hands the answer to the page that opened it (true), and closes. */
  finishPopup(): Promise<boolean>;
  signOut(): Promise<void>;
}

export function oidcAuth(config: ConsolePageConfig): Auth {
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
    // Renewed when the API says the token is dead (a 401), not on a timer of the page's own.
    automaticSilentRenew: false,
    // Cognito's logout endpoint is not in its discovery document (the local provider serves it too).
    metadataSeed: { end_session_endpoint: `${config.signInOrigin}/logout` },
  });
  let idToken: string | undefined;
  let orgId: string | undefined;
  let renewing: Promise<boolean> | undefined;
  const take = (user: { id_token?: string; profile: Record<string, unknown> }) => {
    idToken = user.id_token;
    const claim = user.profile[ORG_ID_CLAIM];
    orgId = typeof claim === "string" ? claim : undefined;
  };
  return {
    apiBaseUrl: config.apiUrl.replace(/\/$/, ""),
    token: () => idToken,
    orgId: () => orgId,
    signInWithRedirect: () => manager.signinRedirect(),
    async resume() {
      const params = new URLSearchParams(location.search);
      if (params.has("state") && (params.has("code") || params.has("error"))) {
        try {
          take(await manager.signinRedirectCallback());
        } finally {
          // The code is spent (or refused): take it out of the address bar and the history.
          history.replaceState(null, "", CONSOLE_PAGE_PATH);
        }
      }
      return idToken !== undefined;
    },
    renew() {
      renewing ??= manager
        .signinSilent()
        .then((user) => {
          if (user) take(user);
          return user?.id_token !== undefined;
        })
        .catch(() => false)
        .finally(() => {
          renewing = undefined;
        });
      return renewing;
    },
    async signInAgain() {
      try {
        take(await manager.signinPopup());
        return true;
      } catch {
        return false;
      }
    },
    async finishPopup() {
      const params = new URLSearchParams(location.search);
      if (!window.opener || window.opener === window || !params.has("state")) return false;
      await manager.signinPopupCallback();
      return true;
    },
    async signOut() {
      idToken = undefined;
      orgId = undefined;
      await manager.removeUser();
      // oidc-client-ts sends client_id and post_logout_redirect_uri; Cognito's /logout reads logout_uri.
      await manager.signoutRedirect({ extraQueryParams: { logout_uri: pageUrl } });
    },
  };
}

/** The page's configuration, from `config.json` beside it (its own origin: CSP `connect-src 'self'`). */
export async function loadConfig(): Promise<ConsolePageConfig> {
  const response = await fetch(`${CONSOLE_PAGE_PATH}/config.json`, { cache: "no-store" });
  if (!response.ok) throw new Error(`config.json answered ${response.status}`);
  return (await response.json()) as ConsolePageConfig;
}
