import type { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { ENVIRONMENT_NAMES, environmentConfig } from "../../lib/config";
import { synthesize } from "./synth";

type Resource = { Properties: Record<string, unknown>; DeletionPolicy?: string };

const templates = new Map<string, Template>();
beforeAll(() => {
  for (const envName of ENVIRONMENT_NAMES) {
    templates.set(envName, synthesize(envName).template);
  }
});

const template = (envName: string) => templates.get(envName) as Template;

describe.each(ENVIRONMENT_NAMES)("the %s environment, as its settings say", (envName) => {
  const config = environmentConfig(envName);

  it("keeps every log group for the environment's retention", () => {
    const groups = Object.values(template(envName).findResources("AWS::Logs::LogGroup")) as Resource[];
    expect(groups.length).toBeGreaterThan(0);
    for (const group of groups) expect(group.Properties.RetentionInDays).toBe(config.logRetentionDays);
  });

  it("throttles the stage as the outer guard, well above one key's limit", () => {
    const stage = Object.values(template(envName).findResources("AWS::ApiGateway::Stage"))[0] as Resource;
    expect(stage.Properties.MethodSettings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          ThrottlingRateLimit: config.stageThrottle.rateLimit,
          ThrottlingBurstLimit: config.stageThrottle.burstLimit,
        }),
      ]),
    );
    // A key may make `rateLimit` requests per window; the stage lets through far more per second.
    expect(config.stageThrottle.rateLimit * config.rateWindowSeconds).toBeGreaterThan(config.rateLimit * 100);
  });

  it("protects the tables as the environment says", () => {
    const tables = Object.values(template(envName).findResources("AWS::DynamoDB::Table")) as Resource[];
    for (const table of tables) {
      expect(table.Properties.PointInTimeRecoverySpecification).toEqual({
        PointInTimeRecoveryEnabled: config.pointInTimeRecovery,
      });
      expect(table.Properties.DeletionProtectionEnabled ?? false).toBe(config.deletionProtection);
      expect(table.DeletionPolicy).toBe(config.removalPolicy === "retain" ? "Retain" : "Delete");
    }
  });
});

it("gives production the strongest settings", () => {
  const prod = environmentConfig("prod");
  expect(prod).toMatchObject({
    removalPolicy: "retain",
    pointInTimeRecovery: true,
    deletionProtection: true,
  });
  expect(prod.logRetentionDays).toBeGreaterThan(environmentConfig("dev").logRetentionDays);
});

describe("environmentConfig", () => {
  it("refuses an unknown environment", () => {
    expect(() => environmentConfig("nope")).toThrow(/Unknown environment "nope"/);
  });

  it("refuses invalid values, naming the setting", () => {
    expect(() => environmentConfig("dev", { rateLimit: 0 })).toThrow(/rateLimit/);
  });

  it("applies overrides on top of the environment's defaults", () => {
    const config = environmentConfig("staging", { rateLimit: 250 });

    expect(config).toMatchObject({ envName: "staging", rateLimit: 250, rateWindowSeconds: 900 });
  });
});
