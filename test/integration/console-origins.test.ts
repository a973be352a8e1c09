import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_CONSOLE_CLIENT_ID } from "../../contract/console";
import type { LocalRuntime } from "../../lib/local/runtime";
import { consoleSignIn } from "./console-sign-in";
import { call, startLocal } from "./harness";

/**
 * The console in the deployed shape, locally (API.md §10): three origins (API, page, sign-in), a real
 * OpenID provider issuing Cognito-shaped RS256 ID tokens, the gateway verifying them as the Cognito
 * authorizer does, CORS for the page's origin on every console answer, gateway-made ones included,
 * and no answer at all to a request that names another host (DNS rebinding).
 */

const TOKEN_SECONDS = 120;
let local: LocalRuntime;
const events: unknown[] = [];

beforeAll(async () => {
  local = await startLocal({
    consoleTokenSeconds: TOKEN_SECONDS,
    observe: (_kind, event) => events.push(event),
  });
});
afterAll(() => local.close());

const bearer = (token: string): [string, string][] => [
  ["Authorization", `Bearer ${token}`],
  ["Origin", local.consoleOrigin],
];

describe("three origins", () => {
  it("serves the page on an origin of its own, and redirects its old address on the API's there", async () => {
    const origins = new Set([local.url, local.consoleOrigin, local.signInOrigin]);
    expect(origins.size).toBe(3);
    const moved = await call(local.url, "/settings/integrations");
    expect(moved.status).toBe(302);
    expect(moved.headers.location).toBe(local.consoleUrl);
    const page = await call(local.consoleOrigin, "/settings/integrations");
    expect(page.status).toBe(200);
    const config = await call(local.consoleOrigin, "/settings/integrations/config.json");
    expect(config.json).toEqual({
      apiUrl: `${local.url}/`,
      authority: local.signInOrigin,
      clientId: LOCAL_CONSOLE_CLIENT_ID,
      signInOrigin: local.signInOrigin,
    });
  });
});

describe("the local OpenID provider", () => {
  it("issues RS256 ID tokens with Cognito's claims, verifiable with its published keys", async () => {
    const signedIn = await consoleSignIn(local, "acme-oidc");
    const idToken = signedIn.tokens?.id_token ?? "";
    expect(decodeProtectedHeader(idToken).alg).toBe("RS256");
    const discovery = await call(local.signInOrigin, "/.well-known/openid-configuration");
    const keys = createRemoteJWKSet(new URL(discovery.json.jwks_uri));
    const { payload } = await jwtVerify(idToken, keys, {
      issuer: local.signInOrigin,
      audience: LOCAL_CONSOLE_CLIENT_ID,
    });
    expect(payload).toMatchObject({
      sub: "local-admin",
      email: "local-admin@localhost.invalid",
      email_verified: false,
      "custom:orgId": "acme-oidc",
      "cognito:groups": ["key-admins"],
      token_use: "id",
    });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(TOKEN_SECONDS);
    expect(discovery.json.code_challenge_methods_supported).toEqual(["S256"]);
  });
});

describe("the console API across origins", () => {
  it("hands the handler the token's claims and names the page's origin for CORS", async () => {
    const token = (await consoleSignIn(local, "acme-cors")).tokens?.id_token ?? "";
    events.length = 0;
    const listed = await call(local.url, "/console/v1/api-keys", { headers: bearer(token) });
    expect(listed.status).toBe(200);
    expect(listed.headers["access-control-allow-origin"]).toBe(local.consoleOrigin);
    const event = events.at(-1) as { requestContext: { authorizer: { claims: Record<string, unknown> } } };
    const claims = event.requestContext.authorizer.claims;
    expect(claims).toMatchObject({
      sub: "local-admin",
      "custom:orgId": "acme-cors",
      "cognito:groups": "key-admins",
    });
    expect(Object.values(claims).every((value) => typeof value === "string")).toBe(true);

    const preflight = await call(local.url, "/console/v1/api-keys", {
      method: "OPTIONS",
      headers: [
        ["Origin", local.consoleOrigin],
        ["Access-Control-Request-Method", "POST"],
        ["Access-Control-Request-Headers", "authorization,content-type"],
      ],
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers["access-control-allow-origin"]).toBe(local.consoleOrigin);
    expect(preflight.headers["access-control-allow-headers"]).toContain("Authorization");
  });

  it("answers a tampered, foreign or missing token with the gateway's 401 the page can read", async () => {
    const token = (await consoleSignIn(local, "acme-401")).tokens?.id_token ?? "";
    const [header, payload, signature] = token.split(".");
    const other = JSON.parse(Buffer.from(payload ?? "", "base64url").toString());
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...other, "custom:orgId": "someone-else" })).toString("base64url")}.${signature}`;
    for (const headers of [
      bearer(tampered),
      bearer("not-a-token"),
      [["Origin", local.consoleOrigin]] as [string, string][],
    ]) {
      const refused = await call(local.url, "/console/v1/api-keys", { headers });
      expect(refused.status).toBe(401);
      expect(refused.json.error.code).toBe("unauthorized");
      expect(refused.headers["access-control-allow-origin"]).toBe(local.consoleOrigin);
    }
  });
});

describe("DNS rebinding", () => {
  it("refuses a request naming another host on every origin, before any handler", async () => {
    events.length = 0;
    for (const origin of [local.url, local.consoleOrigin, local.signInOrigin]) {
      const port = new URL(origin).port;
      for (const host of [`rebind.example:${port}`, "127.0.0.1:1", `localhost.evil.example:${port}`]) {
        const forged = await call(origin, "/admin/v1/orgs/acme/api-keys", {
          method: "POST",
          headers: [
            ["Host", host],
            ["Authorization", `Bearer ${local.adminToken}`],
          ],
          body: { name: "rebound", scopes: ["accounts:read"] },
        });
        expect(forged.status, `${origin} as ${host}`).toBe(403);
        expect(forged.json.error.code).toBe("forbidden");
      }
    }
    expect(events).toEqual([]);
    const keys = await call(local.url, "/admin/v1/orgs/acme/api-keys", {
      headers: [["Authorization", `Bearer ${local.adminToken}`]],
    });
    expect(keys.json.items).toEqual([]);
    // Its own names are answered: localhost with the right port.
    const own = await call(local.url, "/admin/v1/orgs/acme/api-keys", {
      headers: [
        ["Host", `localhost:${new URL(local.url).port}`],
        ["Authorization", `Bearer ${local.adminToken}`],
      ],
    });
    expect(own.status).toBe(200);
  });
});
