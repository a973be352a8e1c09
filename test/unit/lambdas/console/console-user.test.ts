import type { APIGatewayProxyEvent } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { consoleUser } from "../../../../lambdas/key-management/doors/console.handler";
import { HttpError } from "../../../../lambdas/shared/http/errors";
import { settingsFromEnv } from "../../../../lambdas/shared/runtime";

/** The page's app client id, as the stack hands it to the console function. */
const CLIENT_ID = "4tq8example1clientid2abc";

/** The claims API Gateway's Cognito authorizer hands over for a key admin's ID token: all strings. */
const idToken = (overrides: Record<string, string | undefined> = {}) => ({
  sub: "0f1e2d3c-aaaa-bbbb-cccc-123456789abc",
  "cognito:groups": "key-admins",
  "custom:orgId": "acme",
  token_use: "id",
  aud: CLIENT_ID,
  email: "ada@acme.example",
  email_verified: "true",
  ...overrides,
});

const eventWith = (claims: Record<string, string | undefined>) =>
  ({ requestContext: { authorizer: { claims } } }) as unknown as APIGatewayProxyEvent;

const refusal = (claims: Record<string, string | undefined>, clientId?: string) => {
  try {
    consoleUser(eventWith(claims), clientId);
  } catch (error) {
    return error;
  }
  return undefined;
};

describe("consoleUser", () => {
  it("takes the person, their org and their verified email from an ID token of the page's client", () => {
    // Act
    const user = consoleUser(eventWith(idToken()), CLIENT_ID);

    // Assess
    expect(user).toEqual({ sub: idToken().sub, orgId: "acme", email: "ada@acme.example" });
  });

  it("refuses an access token (token_use access): 403 forbidden", () => {
    const error = refusal(idToken({ token_use: "access" }), CLIENT_ID);
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).code).toBe("forbidden");
  });

  it("refuses a token without token_use", () => {
    expect((refusal(idToken({ token_use: undefined }), CLIENT_ID) as HttpError).code).toBe("forbidden");
  });

  it("refuses an ID token issued to another client of the pool (aud): 403 forbidden", () => {
    expect((refusal(idToken({ aud: "someotherclient" }), CLIENT_ID) as HttpError).code).toBe("forbidden");
  });

  it("refuses every token when the function was given no client id to compare with", () => {
    expect((refusal(idToken()) as HttpError).code).toBe("forbidden");
  });

  it("records no email that the person could have set themselves (email_verified not true)", () => {
    expect(consoleUser(eventWith(idToken({ email_verified: "false" })), CLIENT_ID).email).toBeNull();
    expect(consoleUser(eventWith(idToken({ email_verified: undefined })), CLIENT_ID).email).toBeNull();
  });
});

describe("the console client id setting", () => {
  it("is read from FYNEX_CONSOLE_CLIENT_ID", () => {
    expect(settingsFromEnv({ FYNEX_CONSOLE_CLIENT_ID: CLIENT_ID }).consoleClientId).toBe(CLIENT_ID);
  });

  it("fails loudly when it is not a Cognito client id", () => {
    expect(() => settingsFromEnv({ FYNEX_CONSOLE_CLIENT_ID: "not a client id!" })).toThrow(
      /FYNEX_CONSOLE_CLIENT_ID/,
    );
  });
});
