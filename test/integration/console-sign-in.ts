import { createHash, randomBytes } from "node:crypto";
import { LOCAL_CONSOLE_CLIENT_ID } from "../../contract/console";
import type { LocalRuntime } from "../../lib/local/runtime";

/**
 * A sign-in to the console without a browser, through the local OpenID provider exactly as the page
 * does it (authorization code with PKCE), for tests over HTTP: the provider's login form is posted
 * as a person would submit it. Answers the tokens of the token endpoint.
 */
export interface ConsoleTokens {
  id_token: string;
  access_token: string;
  refresh_token?: string;
  expires_in: number;
}

export async function consoleSignIn(
  local: Pick<LocalRuntime, "consoleUrl" | "signInOrigin" | "adminToken">,
  orgId: string,
  adminToken = local.adminToken,
): Promise<{ status: number; tokens?: ConsoleTokens; loginPage?: string }> {
  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  const cookies = new Map<string, string>();
  const hop = async (url: string, init: RequestInit = {}) => {
    const response = await fetch(url, {
      ...init,
      redirect: "manual",
      headers: {
        ...(init.headers as Record<string, string>),
        Cookie: [...cookies].map(([n, v]) => `${n}=${v}`).join("; "),
      },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const [name, value] = (pair ?? "").split("=");
      if (name) cookies.set(name.trim(), value ?? "");
    }
    return response;
  };
  const query = new URLSearchParams({
    client_id: LOCAL_CONSOLE_CLIENT_ID,
    redirect_uri: local.consoleUrl,
    response_type: "code",
    scope: "openid email profile",
    state: randomBytes(8).toString("hex"),
    code_challenge: challenge,
    code_challenge_method: "S256",
  });
  let response = await hop(`${local.signInOrigin}/auth?${query}`);
  const loginUrl = new URL(response.headers.get("location") ?? "", local.signInOrigin).href;
  await (await hop(loginUrl)).text();
  response = await hop(`${loginUrl}/login`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ adminToken, orgId }).toString(),
  });
  if (response.status !== 303 && response.status !== 302) {
    return { status: response.status, loginPage: await response.text() };
  }
  // Back through the authorization endpoint to the page's address, with the code.
  let location = new URL(response.headers.get("location") ?? "", local.signInOrigin).href;
  while (!location.startsWith(local.consoleUrl)) {
    response = await hop(location);
    location = new URL(response.headers.get("location") ?? "", local.signInOrigin).href;
  }
  const code = new URL(location).searchParams.get("code") ?? "";
  const token = await fetch(`${local.signInOrigin}/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code,
      redirect_uri: local.consoleUrl,
      client_id: LOCAL_CONSOLE_CLIENT_ID,
      code_verifier: verifier,
    }).toString(),
  });
  return { status: token.status, tokens: (await token.json()) as ConsoleTokens };
}
