import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import {
  AUDIT_TABLE,
  DATA_TABLE,
  KEYS_BY_EXPIRY_DAY_INDEX,
  KEYS_BY_ORG_INDEX,
  KEYS_BY_ROTATION_DUE_DAY_INDEX,
  KEYS_COUNTED_BY_EXPIRY_INDEX,
  KEYS_TABLE,
  REMINDER_DAYS_BACKFILL_PK,
} from "../../contract/tables";
import { AUDIT_EVENT_ATTRIBUTES, OUTBOX_ITEM_ATTRIBUTES } from "../../contract/write-attributes";
import { environmentConfig } from "../../lib/config";
import { FynexStack } from "../../lib/fynex-stack";
import { appContext } from "./synth";

/** CDK assertions for the expiry reminders (API.md §11): the schedule, the index, least privilege. */
type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

let template: Template;
let reminder: string;
const ofType = (type: string) => template.findResources(type) as Resources;
const arnOf = (logicalId: string) => ({ "Fn::GetAtt": [logicalId, "Arn"] });

beforeAll(() => {
  // Bundling skipped: the template is the same.
  const app = new App({ context: appContext() });
  const stack = new FynexStack(app, "Fynex-dev", { config: environmentConfig("dev") });
  template = Template.fromStack(stack);
  const [rule] = Object.values(ofType("AWS::Events::Rule")).filter(
    ({ Properties }) => Properties.ScheduleExpression === "rate(1 day)",
  );
  const targets = (rule?.Properties.Targets ?? []) as { Arn: { "Fn::GetAtt": [string, string] } }[];
  reminder = targets[0]?.Arn["Fn::GetAtt"][0] ?? "";
});

describe("expiry reminders in the stack", () => {
  it("runs the reminder function daily on an EventBridge schedule, retrying a failed invocation", () => {
    expect(reminder).toMatch(/^ExpiryRemindersReminder/);
    template.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: "rate(1 day)",
      State: "ENABLED",
      Targets: [{ Arn: { "Fn::GetAtt": [reminder, "Arn"] }, RetryPolicy: { MaximumRetryAttempts: 2 } }],
    });
    template.hasResourceProperties("AWS::Lambda::Permission", {
      Action: "lambda:InvokeFunction",
      FunctionName: { "Fn::GetAtt": [reminder, "Arn"] },
      Principal: "events.amazonaws.com",
    });
  });

  it("indexes keys by expiry day, projecting nothing a request changes", () => {
    const table = ofType("AWS::DynamoDB::Table")[KEYS_TABLE.logicalId];
    const gsis = table?.Properties.GlobalSecondaryIndexes as {
      IndexName: string;
      KeySchema: { AttributeName: string; KeyType: string }[];
      Projection: { ProjectionType: string; NonKeyAttributes: string[] };
    }[];
    const index = gsis.find((gsi) => gsi.IndexName === KEYS_BY_EXPIRY_DAY_INDEX);

    expect(index?.KeySchema).toEqual([
      { AttributeName: "expiryDay", KeyType: "HASH" },
      { AttributeName: "pk", KeyType: "RANGE" },
    ]);
    expect(index?.Projection.ProjectionType).toBe("INCLUDE");
    for (const perRequest of ["windowCount", "windowStart", "lastUsedAt"]) {
      expect(index?.Projection.NonKeyAttributes).not.toContain(perRequest);
    }
  });

  it("indexes the counted keys by expiry with numeric keys, projecting only their org", () => {
    const table = ofType("AWS::DynamoDB::Table")[KEYS_TABLE.logicalId];
    const gsis = table?.Properties.GlobalSecondaryIndexes as {
      IndexName: string;
      KeySchema: { AttributeName: string; KeyType: string }[];
      Projection: { ProjectionType: string; NonKeyAttributes: string[] };
    }[];
    const index = gsis.find((gsi) => gsi.IndexName === KEYS_COUNTED_BY_EXPIRY_INDEX);
    const definitions = table?.Properties.AttributeDefinitions as { AttributeName: string }[];

    expect(index?.KeySchema).toEqual([
      { AttributeName: "counted", KeyType: "HASH" },
      { AttributeName: "expiresAt", KeyType: "RANGE" },
    ]);
    expect(index?.Projection).toEqual({ ProjectionType: "INCLUDE", NonKeyAttributes: ["orgId"] });
    expect(definitions).toEqual(
      expect.arrayContaining([
        { AttributeName: "counted", AttributeType: "N" },
        { AttributeName: "expiresAt", AttributeType: "N" },
      ]),
    );
  });

  it("may query its indexes, read, update and scan the key items, and put audit and outbox items", () => {
    const fn = ofType("AWS::Lambda::Function")[reminder];
    if (!fn) throw new Error(`no function ${reminder}`);
    const roleId = (fn.Properties.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
    const statements = Object.values(ofType("AWS::IAM::Policy"))
      .filter(({ Properties }) => JSON.stringify(Properties.Roles).includes(`"${roleId}"`))
      .flatMap(({ Properties }) => (Properties.PolicyDocument as { Statement: unknown[] }).Statement);

    expect(statements).toEqual([
      {
        Effect: "Allow",
        Action: "dynamodb:Query",
        // The reminders' index, the counted keys by expiry the same run discounts (API.md §5 cap), the
        // rotation-due index and the org index a change of rotateAfterDays is walked through (§12).
        // (CDK lists a statement's resources sorted.)
        Resource: [
          KEYS_BY_EXPIRY_DAY_INDEX,
          KEYS_BY_ORG_INDEX,
          KEYS_BY_ROTATION_DUE_DAY_INDEX,
          KEYS_COUNTED_BY_EXPIRY_INDEX,
        ].map((index) => ({
          "Fn::Join": ["", [arnOf(KEYS_TABLE.logicalId), `/index/${index}`]],
        })),
      },
      { Effect: "Allow", Action: "dynamodb:BatchGetItem", Resource: arnOf(KEYS_TABLE.logicalId) },
      // Each write only what the reminder writes (issue 19 point 4): the key's reminder mark under its
      // condition, never its org, scopes or hash; an audit event; an outbox item.
      {
        Effect: "Allow",
        Action: "dynamodb:UpdateItem",
        Resource: arnOf(KEYS_TABLE.logicalId),
        Condition: {
          "ForAllValues:StringEquals": {
            "dynamodb:Attributes": ["pk", "revokedAt", "expiresAt", "expiryReminder", "expiryDay"],
          },
          StringEqualsIfExists: { "dynamodb:ReturnValues": ["NONE", "UPDATED_OLD", "UPDATED_NEW"] },
        },
      },
      // An expired key leaving the counter: `REMOVE counted` under its `expiresAt`, nothing else.
      {
        Effect: "Allow",
        Action: "dynamodb:UpdateItem",
        Resource: arnOf(KEYS_TABLE.logicalId),
        Condition: {
          "ForAllValues:StringEquals": { "dynamodb:Attributes": ["pk", "counted", "expiresAt"] },
          StringEqualsIfExists: { "dynamodb:ReturnValues": ["NONE", "UPDATED_OLD", "UPDATED_NEW"] },
        },
      },
      // Rotation due (API.md §12): a key's reminder mark and due day, a policy's recompute mark.
      {
        Effect: "Allow",
        Action: "dynamodb:UpdateItem",
        Resource: arnOf(KEYS_TABLE.logicalId),
        Condition: {
          "ForAllValues:StringEquals": {
            "dynamodb:Attributes": [
              "pk",
              "orgId",
              "revokedAt",
              "expiresAt",
              "replacedBy",
              "rotationReminded",
              "rotationDueDay",
              "version",
            ],
          },
          StringEqualsIfExists: { "dynamodb:ReturnValues": ["NONE", "UPDATED_OLD", "UPDATED_NEW"] },
        },
      },
      ...[
        [AUDIT_TABLE, AUDIT_EVENT_ATTRIBUTES],
        [DATA_TABLE, OUTBOX_ITEM_ATTRIBUTES],
      ].map(([table, attributes]) => ({
        Effect: "Allow",
        Action: "dynamodb:PutItem",
        Resource: arnOf((table as typeof AUDIT_TABLE).logicalId),
        Condition: {
          "ForAllValues:StringEquals": { "dynamodb:Attributes": [...(attributes as readonly string[])] },
          StringEqualsIfExists: { "dynamodb:ReturnValues": ["NONE"] },
        },
      })),
      // The counter's move down: counter items only, their count only.
      {
        Effect: "Allow",
        Action: "dynamodb:UpdateItem",
        Resource: arnOf(KEYS_TABLE.logicalId),
        Condition: {
          "ForAllValues:StringEquals": { "dynamodb:Attributes": ["pk", "activeKeys"] },
          StringEqualsIfExists: { "dynamodb:ReturnValues": ["NONE", "UPDATED_OLD", "UPDATED_NEW"] },
          "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["ACTIVE_KEYS#*"] },
        },
      },
      // The reminder days' backfill (#333): a Scan that reads the reminder attributes only (never a
      // hash, scopes or allowlist), and only with a projection.
      {
        Effect: "Allow",
        Action: "dynamodb:Scan",
        Resource: arnOf(KEYS_TABLE.logicalId),
        Condition: {
          "ForAllValues:StringEquals": {
            "dynamodb:Attributes": [
              "pk",
              "orgId",
              "createdAt",
              "expiresAt",
              "revokedAt",
              "replacedBy",
              "rotationDueDay",
              "rotationReminded",
              "expiryDay",
              "expiryReminder",
            ],
          },
          StringEquals: { "dynamodb:Select": "SPECIFIC_ATTRIBUTES" },
        },
      },
      // Its marker: that one item, read, and moved through its scan position to its completion.
      {
        Effect: "Allow",
        Action: "dynamodb:GetItem",
        Resource: arnOf(KEYS_TABLE.logicalId),
        Condition: { "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": [REMINDER_DAYS_BACKFILL_PK] } },
      },
      {
        Effect: "Allow",
        Action: "dynamodb:UpdateItem",
        Resource: arnOf(KEYS_TABLE.logicalId),
        Condition: {
          "ForAllValues:StringEquals": {
            "dynamodb:Attributes": ["pk", "scanAfter", "completedAt"],
            "dynamodb:LeadingKeys": ["MIGRATION#reminder-days"],
          },
          StringEqualsIfExists: { "dynamodb:ReturnValues": ["NONE", "UPDATED_OLD", "UPDATED_NEW"] },
        },
      },
      // A key's expiryDay, on key items only, under its live, not-rotated, not-reminded condition.
      {
        Effect: "Allow",
        Action: "dynamodb:UpdateItem",
        Resource: arnOf(KEYS_TABLE.logicalId),
        Condition: {
          "ForAllValues:StringEquals": {
            "dynamodb:Attributes": [
              "pk",
              "revokedAt",
              "replacedBy",
              "expiresAt",
              "expiryReminder",
              "expiryDay",
            ],
          },
          StringEqualsIfExists: { "dynamodb:ReturnValues": ["NONE", "UPDATED_OLD", "UPDATED_NEW"] },
          "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["key_*"] },
        },
      },
    ]);
    expect((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
      KEYS_TABLE_NAME: { Ref: KEYS_TABLE.logicalId },
      AUDIT_TABLE_NAME: { Ref: AUDIT_TABLE.logicalId },
      DATA_TABLE_NAME: { Ref: DATA_TABLE.logicalId },
      FYNEX_RATE_LIMIT: "100",
    });
  });
});
