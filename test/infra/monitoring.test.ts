import type { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { METRIC, METRICS_NAMESPACE, SERVICE } from "../../contract/metric-names";
import { handlerId, handlerModules } from "../../contract/routes";
import { environmentConfig } from "../../lib/config";
import { synthesize } from "./synth";

function synth(envName: string, emails: string[] = []): Template {
  // No e-mails: the settings as they are, so the stack is the one the other files read.
  if (emails.length === 0) return synthesize(envName).template;
  return synthesize(envName, { alarms: { ...environmentConfig(envName).alarms, emails } }).template;
}

type Alarm = { Properties: Record<string, unknown> };

let prod: Template;
let alarms: Record<string, Alarm>;
beforeAll(() => {
  prod = synth("prod", ["oncall@fynex.example"]);
  alarms = prod.findResources("AWS::CloudWatch::Alarm") as Record<string, Alarm>;
});

const alarmNamed = (fragment: string) => {
  const found = Object.entries(alarms).filter(([id]) => id.includes(fragment));
  expect(found, fragment).toHaveLength(1);
  return (found[0] as [string, Alarm])[1].Properties;
};

describe("alarms, their topic and the dashboard (per environment)", () => {
  it("sends every alarm, and its recovery, to one SNS topic with the environment's subscribers", () => {
    prod.resourceCountIs("AWS::SNS::Topic", 1);
    prod.hasResourceProperties("AWS::SNS::Subscription", {
      Protocol: "email",
      Endpoint: "oncall@fynex.example",
    });
    for (const alarm of Object.values(alarms)) {
      expect(alarm.Properties.AlarmActions).toHaveLength(1);
      expect(alarm.Properties.OKActions).toEqual(alarm.Properties.AlarmActions);
      expect(alarm.Properties.TreatMissingData).toBe("notBreaching");
      expect(alarm.Properties.AlarmDescription).toMatch(/Runbook: docs\/RUNBOOKS\.md#[a-z0-9]+$/);
    }
  });

  it("lets CloudWatch alarms of this account publish to the topic, beside the TLS-only deny", () => {
    const policies = Object.values(prod.findResources("AWS::SNS::TopicPolicy")) as Alarm[];
    expect(policies).toHaveLength(1);
    const [policy] = policies as [Alarm];
    const { Statement: statements } = policy.Properties.PolicyDocument as {
      Statement: Record<string, unknown>[];
    };
    const allow = statements.filter(
      (statement) =>
        statement.Effect === "Allow" &&
        JSON.stringify(statement.Principal) === JSON.stringify({ Service: "cloudwatch.amazonaws.com" }),
    );
    expect(allow).toHaveLength(1);
    expect(allow[0]).toMatchObject({
      Action: "sns:Publish",
      Condition: {
        StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } },
        ArnLike: {
          "aws:SourceArn": {
            "Fn::Join": [
              "",
              [
                "arn:",
                { Ref: "AWS::Partition" },
                ":cloudwatch:",
                { Ref: "AWS::Region" },
                ":",
                { Ref: "AWS::AccountId" },
                ":alarm:*",
              ],
            ],
          },
        },
      },
    });
    // The deny of plain-text publishing stays.
    expect(
      statements.some((s) => s.Effect === "Deny" && JSON.stringify(s).includes("aws:SecureTransport")),
    ).toBe(true);
  });

  it("has no subscriber when the environment names none", () => {
    synth("dev").resourceCountIs("AWS::SNS::Subscription", 0);
  });

  it("pages on authorizer storage errors, from the authorizer's own metric", () => {
    expect(alarmNamed("AuthorizerStorageErrors")).toMatchObject({
      Namespace: METRICS_NAMESPACE,
      MetricName: METRIC.authorizerDecisions,
      Dimensions: expect.arrayContaining([
        { Name: "outcome", Value: "storage_error" },
        { Name: "service", Value: SERVICE.authorizer },
        { Name: "environment", Value: "prod" },
      ]),
      Threshold: 1,
    });
  });

  it("pages on the API's 5xx rate, on spikes of 401s and of 429s", () => {
    const rate = alarmNamed("Api5xxRate");
    expect(rate.Threshold).toBe(1);
    expect(JSON.stringify(rate.Metrics)).toContain("5XXError");
    const unauthorized = alarmNamed("UnauthorizedSpike");
    expect(unauthorized.Threshold).toBe(500);
    for (const outcome of ["unknown", "malformed", "expired", "revoked"]) {
      expect(JSON.stringify(unauthorized.Metrics)).toContain(`"Value":"${outcome}"`);
    }
    expect(alarmNamed("RateLimitedSpike")).toMatchObject({ MetricName: METRIC.rateLimited, Threshold: 1000 });
  });

  it("pages on DynamoDB throttling and system errors of every table", () => {
    for (const table of ["KeysTable", "DataTable", "AuditTable"]) {
      expect(JSON.stringify(alarmNamed(`${table}Throttles`).Metrics)).toContain("ThrottledRequests");
      expect(JSON.stringify(alarmNamed(`${table}SystemErrors`).Metrics)).toContain("SystemErrors");
    }
  });

  it("pages on errors and throttles of every function, and on the authorizer's throttles only", () => {
    for (const module of handlerModules()) {
      expect(alarmNamed(`${handlerId(module)}Errors`)).toMatchObject({ MetricName: "Errors", Threshold: 1 });
      expect(alarmNamed(`${handlerId(module)}Throttles`)).toMatchObject({ MetricName: "Throttles" });
    }
    expect(alarmNamed("AuthorizerThrottles")).toMatchObject({ MetricName: "Throttles" });
    expect(Object.keys(alarms).filter((id) => /AuthorizerErrors/.test(id))).toEqual([]);
  });

  it("draws the same signals on a dashboard named after the environment", () => {
    prod.hasResourceProperties("AWS::CloudWatch::Dashboard", { DashboardName: "Fynex-prod" });
    const body = JSON.stringify(prod.findResources("AWS::CloudWatch::Dashboard"));
    for (const signal of [
      "5XXError",
      METRIC.authorizerDecisions,
      METRIC.rateLimited,
      "Throttles",
      "SystemErrors",
    ]) {
      expect(body).toContain(signal);
    }
  });

  it("tells every function that emits metrics its environment, the dimension the alarms read", () => {
    const functions = prod.findResources("AWS::Lambda::Function") as Record<string, Alarm>;
    const emitters = [...handlerModules(), "lambdas/authorizer/authorizer.handler"].map(
      (module) => `${handlerId(module)}Function`,
    );
    for (const emitter of emitters) {
      const [, fn] = Object.entries(functions).find(([id]) => id.startsWith(emitter)) ?? [];
      expect(fn?.Properties.Environment, emitter).toEqual({
        Variables: expect.objectContaining({ FYNEX_ENV: "prod" }),
      });
    }
  });
});
