import { App } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { ROUTES } from "../../contract/routes";
import { ENVIRONMENT_NAMES, environmentConfig } from "../../lib/config";
import { FynexStack } from "../../lib/fynex-stack";
import { buildPage } from "../../web/build";
import { appContext } from "./synth";

/**
 * The console of every environment (API.md §10): its people (a Cognito user pool), its API
 * (`/console/v1` behind the Cognito authorizer, CORS for the page's origin only) and its page (private
 * S3 behind CloudFront with the security headers, configuration written at deploy time).
 */

// biome-ignore lint/suspicious/noExplicitAny: template properties are read field by field
type Resource = { Type: string; Properties: Record<string, any> };
const templates = new Map<string, Template>();

beforeAll(async () => {
  await buildPage();
  for (const envName of ENVIRONMENT_NAMES) {
    const app = new App({ context: appContext() });
    const stack = new FynexStack(app, `Fynex-${envName}`, { config: environmentConfig(envName) });
    templates.set(envName, Template.fromStack(stack));
  }
});

const only = (template: Template, type: string): Resource => {
  const found = Object.values(template.findResources(type)) as Resource[];
  expect(found, type).toHaveLength(1);
  return found[0] as Resource;
};

/** The page's upload that writes `file` (only `index.html` and `config.json` have one of their own). */
const deploymentOf = (template: Template, file: string): Resource => {
  const found = (Object.values(template.findResources("Custom::CDKBucketDeployment")) as Resource[]).filter(
    (deployment) => JSON.stringify(deployment.Properties.Include ?? []) === JSON.stringify([file]),
  );
  expect(found, file).toHaveLength(1);
  return found[0] as Resource;
};

describe.each(ENVIRONMENT_NAMES)("the console of %s", (envName) => {
  const template = () => templates.get(envName) as Template;

  it("signs people in with a user pool: invited only, immutable custom:orgId, MFA, threat protection", () => {
    const pool = only(template(), "AWS::Cognito::UserPool");
    expect(pool.Properties.AdminCreateUserConfig).toMatchObject({ AllowAdminCreateUserOnly: true });
    expect(pool.Properties.Schema).toContainEqual(
      expect.objectContaining({ Name: "orgId", AttributeDataType: "String", Mutable: false }),
    );
    expect(pool.Properties.MfaConfiguration).toBe("ON");
    expect(pool.Properties.UserPoolTier).toBe("PLUS");
    expect(pool.Properties.UserPoolAddOns).toEqual({ AdvancedSecurityMode: "ENFORCED" });
    template().hasResourceProperties("AWS::Cognito::UserPoolGroup", { GroupName: "key-admins" });
    template().hasResourceProperties("AWS::Cognito::UserPoolDomain", { ManagedLoginVersion: 2 });
    template().hasResourceProperties("AWS::Cognito::ManagedLoginBranding", {
      UseCognitoProvidedValues: true,
    });
  });

  it("gives the page a public client: authorization code only, no secret, back to the page", () => {
    const client = only(template(), "AWS::Cognito::UserPoolClient");
    expect(client.Properties.GenerateSecret).toBe(false);
    expect(client.Properties.AllowedOAuthFlows).toEqual(["code"]);
    expect(client.Properties.AllowedOAuthScopes).toEqual(expect.arrayContaining(["openid", "email"]));
    expect(JSON.stringify(client.Properties.CallbackURLs)).toContain("/settings/integrations");
    // The person cannot write their own org (the list itself: test/infra/console-client.test.ts).
    expect(client.Properties.WriteAttributes).not.toContain("custom:orgId");
  });

  it("puts every console route behind the Cognito authorizer, reading the ID token from Authorization", () => {
    const authorizers = Object.values(template().findResources("AWS::ApiGateway::Authorizer")) as Resource[];
    const cognito = authorizers.filter((a) => a.Properties.Type === "COGNITO_USER_POOLS");
    expect(cognito).toHaveLength(1);
    expect(cognito[0]?.Properties.IdentitySource).toBe("method.request.header.Authorization");
    const consoleRoutes = ROUTES.filter((route) => route.auth === "cognito");
    expect(consoleRoutes.map((r) => `${r.method} ${r.path}`).sort()).toEqual(
      [
        "GET /console/v1/api-keys",
        "POST /console/v1/api-keys",
        "GET /console/v1/api-keys/{keyId}",
        "PATCH /console/v1/api-keys/{keyId}",
        "POST /console/v1/api-keys/{keyId}/revoke",
        "POST /console/v1/api-keys/{keyId}/rotate",
        "GET /console/v1/api-keys/{keyId}/usage",
        "GET /console/v1/audit-events",
        "GET /console/v1/key-policy",
        "PUT /console/v1/key-policy",
      ].sort(),
    );
    const methods = Object.values(template().findResources("AWS::ApiGateway::Method")) as Resource[];
    const cognitoMethods = methods.filter((m) => m.Properties.AuthorizationType === "COGNITO_USER_POOLS");
    expect(cognitoMethods).toHaveLength(consoleRoutes.length);
  });

  it("answers CORS preflights for the page's CloudFront origin only", () => {
    const methods = Object.values(template().findResources("AWS::ApiGateway::Method")) as Resource[];
    const preflights = methods.filter((m) => m.Properties.HttpMethod === "OPTIONS");
    // One per console resource: /console/v1, api-keys, {keyId}, revoke, rotate, usage, audit-events,
    // key-policy.
    expect(preflights.length).toBe(8);
    for (const preflight of preflights) {
      const origin = JSON.stringify(
        preflight.Properties.Integration.IntegrationResponses[0].ResponseParameters[
          "method.response.header.Access-Control-Allow-Origin"
        ],
      );
      expect(origin).toContain("DomainName");
      expect(origin).not.toContain("'*'");
    }
    const consoleFunction = (
      Object.values(template().findResources("AWS::Lambda::Function")) as Resource[]
    ).find((fn) => fn.Properties.Environment?.Variables?.FYNEX_CONSOLE_ORIGIN);
    expect(JSON.stringify(consoleFunction?.Properties.Environment.Variables.FYNEX_CONSOLE_ORIGIN)).toContain(
      "DomainName",
    );
  });

  it("keeps the page in a private, encrypted bucket that only the distribution reads", () => {
    const buckets = Object.values(template().findResources("AWS::S3::Bucket")) as Resource[];
    expect(buckets.length).toBeGreaterThanOrEqual(2);
    for (const bucket of buckets) {
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
    }
    template().resourceCountIs("AWS::CloudFront::OriginAccessControl", 1);
    template().hasResourceProperties("AWS::S3::BucketPolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: "cloudfront.amazonaws.com" }, Action: "s3:GetObject" }),
        ]),
      },
    });
  });

  it("serves over HTTPS only with the strict CSP, HSTS and no framing", () => {
    const distribution = only(template(), "AWS::CloudFront::Distribution");
    const behavior = distribution.Properties.DistributionConfig.DefaultCacheBehavior;
    expect(behavior.ViewerProtocolPolicy).toBe("https-only");
    const policy = only(template(), "AWS::CloudFront::ResponseHeadersPolicy");
    const security = policy.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
    const csp = JSON.stringify(security.ContentSecurityPolicy.ContentSecurityPolicy);
    for (const directive of [
      "default-src 'none'",
      "script-src 'self'",
      "frame-ancestors 'none'",
      "connect-src ",
    ]) {
      expect(csp).toContain(directive);
    }
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).toContain("execute-api");
    expect(csp).toContain("cognito-idp");
    expect(security.StrictTransportSecurity).toMatchObject({
      AccessControlMaxAgeSec: 63072000,
      Override: true,
    });
    expect(security.FrameOptions).toEqual({ FrameOption: "DENY", Override: true });
    // The page fetches its own config.json: without 'self' the deployed page never starts.
    expect(csp).toMatch(/connect-src 'self' /);
  });

  it("uploads hashed script and style cached for a year, the HTML revalidated and config.json never stored", () => {
    const uploads = Object.values(template().findResources("Custom::CDKBucketDeployment")) as Resource[];
    const cacheOf = (deployment: Resource) => deployment.Properties.SystemMetadata?.["cache-control"];
    const assets = uploads.filter((deployment) => deployment.Properties.Include === undefined);
    expect(assets).toHaveLength(1);
    expect(cacheOf(assets[0] as Resource)).toBe("public, max-age=31536000, immutable");
    expect(assets[0]?.Properties.Exclude).toEqual(["index.html", "config.json"]);
    expect(cacheOf(deploymentOf(template(), "index.html"))).toBe("no-cache");
    expect(cacheOf(deploymentOf(template(), "config.json"))).toBe("no-store");
    for (const deployment of uploads) {
      expect(deployment.Properties.DestinationBucketKeyPrefix).toBe("settings/integrations/");
    }
  });

  it("writes the page's configuration at deploy time: the API URL, the sign-in domain and the client id", () => {
    const deployment = deploymentOf(template(), "config.json");
    const config = JSON.stringify(deployment.Properties.SourceMarkers ?? deployment.Properties);
    // The values CloudFormation fills into config.json: the stage, the pool, its client and domain.
    for (const ref of [
      "ApiRestApi",
      "ConsoleUsersUserPool",
      "ConsoleUsersUserPoolConsoleClient",
      "ConsoleUsersUserPoolDomain",
    ]) {
      expect(config).toContain(`"Ref":"${ref}`);
    }
    expect(deployment.Properties.DestinationBucketKeyPrefix).toBe("settings/integrations/");
  });
});
