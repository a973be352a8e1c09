import { readFileSync } from "node:fs";
import type { Template } from "aws-cdk-lib/assertions";
import { CURRENTLY_RECOMMENDED_FLAGS } from "aws-cdk-lib/cx-api";
import { beforeAll, describe, expect, it } from "vitest";
import { ENVIRONMENT_NAMES, environmentConfig } from "../../lib/config";
import { synthesize } from "./synth";

// biome-ignore lint/suspicious/noExplicitAny: template properties are read field by field
type Resource = { Type: string; Properties: Record<string, any>; DependsOn?: string[] };
const templates = new Map<string, Template>();

beforeAll(() => {
  for (const envName of ENVIRONMENT_NAMES) templates.set(envName, synthesize(envName).template);
});

const ofType = (template: Template, type: string) =>
  Object.entries(template.findResources(type)) as [string, Resource][];
const idOf = (template: Template, type: string, prefix: string) => {
  const ids = ofType(template, type)
    .map(([id]) => id)
    .filter((id) => id.startsWith(prefix));
  expect(ids, prefix).toHaveLength(1);
  return ids[0] as string;
};

/** What the deployed stage needs to be run: traces, its own logs kept as long as the rest, alarms. */
describe.each(ENVIRONMENT_NAMES)("operations of %s", (envName) => {
  const template = () => templates.get(envName) as Template;

  it("traces every function, CDK's own included, and the API stage with X-Ray", () => {
    const functions = ofType(template(), "AWS::Lambda::Function");
    expect(functions.length).toBeGreaterThan(20);
    for (const [id, fn] of functions) expect(fn.Properties.TracingConfig, id).toEqual({ Mode: "Active" });
    const [[, stage]] = ofType(template(), "AWS::ApiGateway::Stage") as [[string, Resource]];
    expect(stage.Properties.TracingEnabled).toBe(true);
  });

  it("lets every function send traces, before it is created, through policies holding only X-Ray's actions", () => {
    // Ours, and CDK's own (its trigger's role names our refresher: one policy would close a cycle).
    const policies = ofType(template(), "AWS::IAM::ManagedPolicy");
    expect(policies.map(([id]) => id.replace(/[0-9A-F]{8}$/, "")).sort()).toEqual([
      "CdkFunctionTracing",
      "FunctionTracing",
    ]);
    for (const [, policy] of policies) {
      expect(policy.Properties.PolicyDocument.Statement).toEqual([
        { Effect: "Allow", Action: ["xray:PutTelemetryRecords", "xray:PutTraceSegments"], Resource: "*" },
      ]);
    }
    for (const [id, fn] of ofType(template(), "AWS::Lambda::Function")) {
      const role = `"${fn.Properties.Role["Fn::GetAtt"][0]}"`;
      const [policyId] = policies.find(([, p]) => JSON.stringify(p.Properties.Roles).includes(role)) ?? [];
      expect(policyId, id).toBeDefined();
      // Lambda refuses a traced function whose role may not send traces yet.
      expect((fn as Resource).DependsOn ?? [], id).toContain(policyId);
    }
  });

  it("creates API Gateway's execution log group itself, with the environment's retention, before the stage", () => {
    const restApi = idOf(template(), "AWS::ApiGateway::RestApi", "ApiRestApi");
    const groups = ofType(template(), "AWS::Logs::LogGroup").filter(([, group]) =>
      JSON.stringify(group.Properties.LogGroupName ?? "").includes("API-Gateway-Execution-Logs_"),
    );
    expect(groups).toHaveLength(1);
    const [groupId, group] = groups[0] as [string, Resource];
    expect(group.Properties.LogGroupName).toEqual({
      "Fn::Join": ["", ["API-Gateway-Execution-Logs_", { Ref: restApi }, `/${envName}`]],
    });
    expect(group.Properties.RetentionInDays).toBe(environmentConfig(envName).logRetentionDays);
    const [[, stage]] = ofType(template(), "AWS::ApiGateway::Stage") as [[string, Resource]];
    expect(stage.DependsOn).toContain(groupId);
  });

  it.each([
    ["the webhook dispatcher", "WebhookDeliveryDispatcher"],
    ["the direct admin door", "KeyManagementDirectHandlerFunction"],
    ["the signing-key refresher", "SecretScanningKeysRefresher"],
    ["the expiry reminders", "ExpiryRemindersReminder"],
  ])("pages the alarm topic when %s fails or is throttled", (_what, prefix) => {
    const fn = idOf(template(), "AWS::Lambda::Function", prefix);
    const topic = idOf(template(), "AWS::SNS::Topic", "MonitoringAlarmTopic");
    const alarms = ofType(template(), "AWS::CloudWatch::Alarm").filter(([, alarm]) =>
      (alarm.Properties.Dimensions ?? []).some(
        (d: { Name: string; Value: unknown }) =>
          d.Name === "FunctionName" && JSON.stringify(d.Value) === JSON.stringify({ Ref: fn }),
      ),
    );
    expect(alarms.map(([, alarm]) => alarm.Properties.MetricName).sort()).toEqual(["Errors", "Throttles"]);
    for (const [, alarm] of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topic }]);
  });

  it("reserves (and so caps) the concurrency of the public catch-all", () => {
    const fn = idOf(template(), "AWS::Lambda::Function", "NotFoundFunction");
    const [, notFound] = ofType(template(), "AWS::Lambda::Function").find(([id]) => id === fn) as [
      string,
      Resource,
    ];
    expect(notFound.Properties.ReservedConcurrentExecutions).toBe(
      environmentConfig(envName).catchAllConcurrency,
    );
  });

  it("protects only production's stack from deletion", () => {
    expect(synthesize(envName).stack.terminationProtection).toBe(envName === "prod");
  });
});

describe("the CDK app", () => {
  it("sets every feature flag CDK recommends, as cdk init writes them", () => {
    const cdkJson = JSON.parse(readFileSync(new URL("../../cdk.json", import.meta.url), "utf8"));
    expect(cdkJson.context).toMatchObject(CURRENTLY_RECOMMENDED_FLAGS);
    // A later authorizer change must redeploy the stage.
    expect(cdkJson.context["@aws-cdk/aws-apigateway:authorizerChangeDeploymentLogicalId"]).toBe(true);
  });

  it("keeps the logical ids of everything that holds state, whatever the flags", () => {
    const prod = templates.get("prod") as Template;
    const ids = (type: string) =>
      ofType(prod, type)
        .map(([id]) => id)
        .sort();
    expect(ids("AWS::DynamoDB::Table")).toEqual(["AuditTable", "DataTable", "KeysTable", "UsageTable"]);
    expect(ids("AWS::Cognito::UserPool")).toEqual(["ConsoleUsersUserPool6FF20493"]);
    expect(ids("AWS::Cognito::UserPoolClient")).toEqual(["ConsoleUsersUserPoolConsoleClient8F2370D5"]);
    expect(ids("AWS::Cognito::UserPoolDomain")).toEqual(["ConsoleUsersUserPoolDomainF935DA34"]);
    expect(ids("AWS::S3::Bucket")).toEqual([
      "ConsoleSiteHostingAccessLogsB9380A0C",
      "ConsoleSiteHostingPageE3161A80",
    ]);
    expect(ids("AWS::SQS::Queue")).toEqual([
      "UsageHistoryDeadLetterQueueBC117C04",
      "WebhookDeliveryDeadLetterQueueFDE28149",
      "WebhookDeliveryRetryQueue4AB6F405",
    ]);
    expect(ids("AWS::Logs::LogGroup")).toEqual(
      expect.arrayContaining(["ApiAccessLogs50B185DB", "AuthorizerFunctionLogsBF52B654"]),
    );
  });
});
