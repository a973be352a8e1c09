import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { LOCAL_CONSOLE_CLIENT_ID } from "../../../../../contract/console";
import { type CognitoStep, cognitoStep, gatewayClaims } from "../../../../../lib/local/gateway/cognito-step";

/**
 * The local gateway's Cognito authorizer step (API.md §10): an ID token passes only when signed by the
 * issuer's published key (RS256), naming the issuer, unexpired at the gateway's clock; its claims are
 * handed over as API Gateway renders them, every one a string.
 */

const ISSUER = "http://127.0.0.1:4002";
const NOW_MS = Date.UTC(2026, 11, 7, 10, 0, 0);
let step: CognitoStep;
let sign: (
  claims: Record<string, unknown>,
  options?: { issuer?: string; expiresAt?: number; alg?: string },
) => Promise<string>;
let foreignKey: Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];

beforeAll(async () => {
  const { privateKey, publicKey } = await generateKeyPair("RS256");
  foreignKey = (await generateKeyPair("RS256")).privateKey;
  const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256", use: "sig" };
  step = cognitoStep({ issuer: ISSUER, jwks: { keys: [jwk] }, now: () => NOW_MS });
  sign = (claims, options = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .setIssuer(options.issuer ?? ISSUER)
      .setAudience(LOCAL_CONSOLE_CLIENT_ID)
      .setSubject("local-admin")
      .setIssuedAt(NOW_MS / 1000 - 60)
      .setExpirationTime(options.expiresAt ?? NOW_MS / 1000 + 840)
      .sign(privateKey);
});

const COGNITO_CLAIMS = {
  token_use: "id",
  email: "local-admin@localhost.invalid",
  email_verified: false,
  "custom:orgId": "acme",
  "cognito:groups": ["key-admins"],
};

describe("the local Cognito authorizer step", () => {
  it("hands a valid ID token's claims over as API Gateway does: every claim a string", async () => {
    const claims = await step(`Bearer ${await sign(COGNITO_CLAIMS)}`);
    expect(claims).toMatchObject({
      sub: "local-admin",
      token_use: "id",
      email_verified: "false",
      "custom:orgId": "acme",
      "cognito:groups": "key-admins",
      aud: LOCAL_CONSOLE_CLIENT_ID,
      iss: ISSUER,
      exp: "Mon Dec 07 10:14:00 UTC 2026",
      iat: "Mon Dec 07 09:59:00 UTC 2026",
    });
    for (const value of Object.values(claims ?? {})) expect(typeof value).toBe("string");
  });

  it("refuses an expired token, one of another issuer, one signed by another key, and no token", async () => {
    expect(
      await step(`Bearer ${await sign(COGNITO_CLAIMS, { expiresAt: NOW_MS / 1000 - 1 })}`),
    ).toBeUndefined();
    expect(
      await step(`Bearer ${await sign(COGNITO_CLAIMS, { issuer: "http://127.0.0.1:9" })}`),
    ).toBeUndefined();
    const forged = await new SignJWT(COGNITO_CLAIMS)
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .setIssuer(ISSUER)
      .setSubject("local-admin")
      .setExpirationTime(NOW_MS / 1000 + 840)
      .sign(foreignKey);
    expect(await step(`Bearer ${forged}`)).toBeUndefined();
    const unsigned = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from(
      JSON.stringify({ ...COGNITO_CLAIMS, iss: ISSUER, sub: "local-admin", exp: NOW_MS / 1000 + 840 }),
    ).toString("base64url")}.`;
    expect(await step(`Bearer ${unsigned}`)).toBeUndefined();
    expect(await step(undefined)).toBeUndefined();
    expect(await step(await sign(COGNITO_CLAIMS))).toBeUndefined();
  });

  it("renders several groups as API Gateway does, in brackets", () => {
    expect(gatewayClaims({ "cognito:groups": ["readers", "key-admins"] })["cognito:groups"]).toBe(
      "[readers, key-admins]",
    );
  });
});
