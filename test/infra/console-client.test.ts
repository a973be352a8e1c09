import type { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { ENVIRONMENT_NAMES } from "../../lib/config";
import { synthesize } from "./synth";

// biome-ignore lint/suspicious/noExplicitAny: template properties are read field by field
type Resource = { Type: string; Properties: Record<string, any> };
const templates = new Map<string, Template>();

beforeAll(() => {
  for (const envName of ENVIRONMENT_NAMES) templates.set(envName, synthesize(envName).template);
});

const only = (template: Template, type: string): [string, Resource] => {
  const found = Object.entries(template.findResources(type)) as [string, Resource][];
  expect(found, type).toHaveLength(1);
  return found[0] as [string, Resource];
};

/**
 * The page's app client leaves nothing permissive to Cognito's defaults (DESIGN.md, "Deploy
 * readiness"): an absent ExplicitAuthFlows allows SRP and custom auth, an empty WriteAttributes lets
 * the client write every standard attribute.
 */
describe.each(ENVIRONMENT_NAMES)("the console's app client in %s", (envName) => {
  const template = () => templates.get(envName) as Template;

  it("allows no sign-in flow but managed login's: ExplicitAuthFlows is exactly refresh", () => {
    const [, client] = only(template(), "AWS::Cognito::UserPoolClient");
    expect(client.Properties.ExplicitAuthFlows).toEqual(["ALLOW_REFRESH_TOKEN_AUTH"]);
  });

  it("writes an explicit, non-empty list of attributes, without the email or the org", () => {
    const [, client] = only(template(), "AWS::Cognito::UserPoolClient");
    const written = client.Properties.WriteAttributes as string[];
    expect(written.length).toBeGreaterThan(0);
    expect(written).not.toContain("email");
    expect(written).not.toContain("email_verified");
    expect(written).not.toContain("custom:orgId");
  });

  it("grants no self-service scope", () => {
    const [, client] = only(template(), "AWS::Cognito::UserPoolClient");
    expect(client.Properties.AllowedOAuthScopes).not.toContain("aws.cognito.signin.user.admin");
    expect(client.Properties.AllowedOAuthScopes).toContain("openid");
  });

  it("issues ID tokens for 15 minutes, renewed by a refresh token", () => {
    const [, client] = only(template(), "AWS::Cognito::UserPoolClient");
    expect(client.Properties.IdTokenValidity).toBe(15);
    expect(client.Properties.TokenValidityUnits.IdToken).toBe("minutes");
    expect(client.Properties.RefreshTokenValidity).toBeGreaterThan(0);
  });

  it("tells the console function the client id it must find in a token's aud", () => {
    const [clientId] = only(template(), "AWS::Cognito::UserPoolClient");
    const functions = Object.values(template().findResources("AWS::Lambda::Function")) as Resource[];
    const consoleFunctions = functions.filter(
      (fn) => fn.Properties.Environment?.Variables?.FYNEX_CONSOLE_CLIENT_ID,
    );
    expect(consoleFunctions).toHaveLength(1);
    expect(consoleFunctions[0]?.Properties.Environment.Variables.FYNEX_CONSOLE_CLIENT_ID).toEqual({
      Ref: clientId,
    });
  });
});
