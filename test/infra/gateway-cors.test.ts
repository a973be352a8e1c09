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

const resources = (template: Template, type: string) =>
  Object.values(template.findResources(type)) as Resource[];

/**
 * API Gateway's own answers reach the console's page only with CORS (API.md §10): without it the
 * Cognito authorizer's 401 for an expired token reads as "the API cannot be reached", and the page
 * never signs the person in again.
 */
describe.each(ENVIRONMENT_NAMES)("API Gateway's own answers in %s", (envName) => {
  const template = () => templates.get(envName) as Template;

  it("name the console's CloudFront origin, single-quoted as a static value, with Vary: Origin", () => {
    const distribution = Object.keys(template().findResources("AWS::CloudFront::Distribution"));
    expect(distribution).toHaveLength(1);
    const responses = resources(template(), "AWS::ApiGateway::GatewayResponse");
    expect(responses.length).toBeGreaterThan(10);
    for (const { Properties } of responses) {
      const params = Properties.ResponseParameters as Record<string, unknown>;
      const origin = params["gatewayresponse.header.Access-Control-Allow-Origin"];
      // `'https://<distribution domain>'`: a join of the quote, the scheme, the domain and the quote.
      expect(origin, Properties.ResponseType).toEqual({
        "Fn::Join": ["", ["'https://", { "Fn::GetAtt": [distribution[0], "DomainName"] }, "'"]],
      });
      expect(params["gatewayresponse.header.Vary"], Properties.ResponseType).toBe("'Origin'");
    }
  });

  it("include the Cognito authorizer's 401 and the stage's 429 and 5xx", () => {
    const types = resources(template(), "AWS::ApiGateway::GatewayResponse")
      .filter((r) => r.Properties.ResponseParameters["gatewayresponse.header.Access-Control-Allow-Origin"])
      .map((r) => r.Properties.ResponseType);
    expect(types).toEqual(
      expect.arrayContaining(["UNAUTHORIZED", "ACCESS_DENIED", "THROTTLED", "DEFAULT_4XX", "DEFAULT_5XX"]),
    );
  });
});
