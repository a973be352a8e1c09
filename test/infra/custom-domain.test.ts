import type { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { type ConfigOverrides, environmentConfig, parseOverrides } from "../../lib/config";
import { synthesize } from "./synth";

const DOMAIN = {
  domainName: "api.fynex.solutions",
  certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
};

function synth(overrides: ConfigOverrides): Template {
  return synthesize(
    "prod",
    { account: "123456789012", region: "eu-west-1", ...overrides },
    { region: "eu-west-1" },
  ).template;
}

describe("an optional custom domain per environment", () => {
  let withDomain: Template;
  let without: Template;
  beforeAll(() => {
    withDomain = synth({ customDomain: DOMAIN });
    without = synth({});
  });

  it("serves the stage at the root of the domain, regional, TLS 1.2, with the given certificate", () => {
    withDomain.resourceCountIs("AWS::ApiGateway::DomainName", 1);
    withDomain.hasResourceProperties("AWS::ApiGateway::DomainName", {
      DomainName: DOMAIN.domainName,
      RegionalCertificateArn: DOMAIN.certificateArn,
      EndpointConfiguration: { Types: ["REGIONAL"] },
      SecurityPolicy: "TLS_1_2",
    });
    const mappings = Object.values(withDomain.findResources("AWS::ApiGateway::BasePathMapping")) as {
      Properties: Record<string, unknown>;
    }[];
    expect(mappings).toHaveLength(1);
    // No base path: `https://api.fynex.solutions/api/v1/...` reaches `/api/v1/...` of the stage.
    expect(mappings[0]?.Properties.BasePath ?? "").toBe("");
    expect(JSON.stringify(mappings[0]?.Properties.Stage)).toContain("Stage");
  });

  it("outputs the domain's URL and the host name its DNS record points at", () => {
    expect(withDomain.findOutputs("CustomDomainUrl").CustomDomainUrl?.Value).toBe(
      `https://${DOMAIN.domainName}/`,
    );
    expect(JSON.stringify(withDomain.findOutputs("CustomDomainTarget").CustomDomainTarget?.Value)).toContain(
      "RegionalDomainName",
    );
  });

  it("adds nothing without one", () => {
    without.resourceCountIs("AWS::ApiGateway::DomainName", 0);
    without.resourceCountIs("AWS::ApiGateway::BasePathMapping", 0);
    expect(Object.keys(without.findOutputs("CustomDomain*"))).toEqual([]);
  });

  it("is set from the context as JSON, and refuses what is not a host name and an ACM certificate", () => {
    expect(parseOverrides({ customDomain: JSON.stringify(DOMAIN) })).toEqual({ customDomain: DOMAIN });
    expect(() => environmentConfig("prod", { customDomain: { ...DOMAIN, domainName: "https://x" } })).toThrow(
      /host name/,
    );
    expect(() =>
      environmentConfig("prod", { customDomain: { ...DOMAIN, certificateArn: "arn:aws:iam::1:x" } }),
    ).toThrow(/ACM certificate/);
  });
});
