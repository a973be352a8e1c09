import type { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { prodResources, type Resource } from "./prod-resources";

let template: Template;
let resources: Record<string, Resource>;
let only: ReturnType<typeof prodResources>["only"];

beforeAll(() => {
  ({ template, resources, only } = prodResources());
}, 120_000);

const getAtt = (id: string, attribute: string) => ({ "Fn::GetAtt": [id, attribute] });

describe("webhook delivery, deployed (API.md §9)", () => {
  let dispatcherId: string;
  let retryQueueId: string;
  let deadLetterId: string;

  beforeAll(() => {
    [dispatcherId] = only("AWS::Lambda::Function", "WebhookDeliveryDispatcher");
    [retryQueueId] = only("AWS::SQS::Queue", "WebhookDeliveryRetryQueue");
    [deadLetterId] = only("AWS::SQS::Queue", "WebhookDeliveryDeadLetterQueue");
  });

  it("streams the data table's new images", () => {
    expect(resources.DataTable?.Properties.StreamSpecification).toEqual({ StreamViewType: "NEW_IMAGE" });
    // The audit table has no stream: nothing reads it that way (the keys table's feeds the usage history).
    expect(resources.AuditTable?.Properties.StreamSpecification).toBeUndefined();
  });

  it("feeds the dispatcher new outbox items only, reporting failures per record to the dead-letter queue", () => {
    const mappings = Object.values(resources).filter(
      (r) =>
        r.Type === "AWS::Lambda::EventSourceMapping" &&
        JSON.stringify(r.Properties.EventSourceArn) === JSON.stringify(getAtt("DataTable", "StreamArn")),
    );
    expect(mappings).toHaveLength(1);
    const mapping = mappings[0]?.Properties ?? {};
    expect(mapping).toMatchObject({
      FunctionName: { Ref: dispatcherId },
      StartingPosition: "TRIM_HORIZON",
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      BisectBatchOnFunctionError: true,
      DestinationConfig: { OnFailure: { Destination: getAtt(deadLetterId, "Arn") } },
    });
    const filters = (mapping.FilterCriteria as { Filters: { Pattern: string }[] }).Filters;
    expect(filters.map((filter) => JSON.parse(filter.Pattern))).toEqual([
      { eventName: ["INSERT"], dynamodb: { Keys: { sk: { S: [{ prefix: "OUTBOX#" }] } } } },
    ]);
  });

  it("retries through an SQS queue that feeds the dispatcher and dead-letters after 5 receives", () => {
    const [, retryQueue] = only("AWS::SQS::Queue", "WebhookDeliveryRetryQueue");
    expect(retryQueue.Properties).toMatchObject({
      RedrivePolicy: { deadLetterTargetArn: getAtt(deadLetterId, "Arn"), maxReceiveCount: 5 },
      // Six times the dispatcher's 60 s timeout.
      VisibilityTimeout: 360,
      SqsManagedSseEnabled: true,
    });
    const [, deadLetters] = only("AWS::SQS::Queue", "WebhookDeliveryDeadLetterQueue");
    expect(deadLetters.Properties).toMatchObject({
      MessageRetentionPeriod: 14 * 86_400,
      SqsManagedSseEnabled: true,
    });
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      EventSourceArn: getAtt(retryQueueId, "Arn"),
      FunctionName: { Ref: dispatcherId },
      FunctionResponseTypes: ["ReportBatchItemFailures"],
    });
    // Both queues refuse anything but TLS.
    for (const queue of [retryQueueId, deadLetterId]) {
      template.hasResourceProperties("AWS::SQS::QueuePolicy", {
        Queues: [{ Ref: queue }],
        PolicyDocument: {
          Statement: [
            {
              Effect: "Deny",
              Action: "sqs:*",
              Condition: { Bool: { "aws:SecureTransport": "false" } },
              Principal: { AWS: "*" },
              Resource: getAtt(queue, "Arn"),
            },
          ],
        },
      });
    }
  });

  it("pages the alarm topic as soon as one message reaches the dead-letter queue", () => {
    const [, alarm] = only("AWS::CloudWatch::Alarm", "WebhookDeliveryDeadLetters");
    const [topicId] = only("AWS::SNS::Topic", "MonitoringAlarmTopic");
    expect(alarm.Properties).toMatchObject({
      Namespace: "AWS/SQS",
      MetricName: "ApproximateNumberOfMessagesVisible",
      Dimensions: [{ Name: "QueueName", Value: getAtt(deadLetterId, "QueueName") }],
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      TreatMissingData: "notBreaching",
      AlarmActions: [{ Ref: topicId }],
      OKActions: [{ Ref: topicId }],
    });
    expect(alarm.Properties.AlarmDescription).toMatch(/Runbook: docs\/RUNBOOKS\.md#webhookdeadletters$/);
  });

  it("gives the dispatcher exactly what it uses: its stream, four item actions, its queues", () => {
    const [, fn] = only("AWS::Lambda::Function", "WebhookDeliveryDispatcher");
    const roleId = (fn.Properties.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
    const statements = Object.values(resources)
      .filter(
        (r) => r.Type === "AWS::IAM::Policy" && JSON.stringify(r.Properties.Roles).includes(`"${roleId}"`),
      )
      .flatMap((r) => (r.Properties.PolicyDocument as { Statement: unknown[] }).Statement);

    expect(statements).toEqual(
      expect.arrayContaining([
        {
          Effect: "Allow",
          Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"],
          Resource: getAtt("DataTable", "Arn"),
        },
        {
          Effect: "Allow",
          Action: [
            "dynamodb:DescribeStream",
            "dynamodb:GetRecords",
            "dynamodb:GetShardIterator",
            "dynamodb:ListStreams",
          ],
          Resource: getAtt("DataTable", "StreamArn"),
        },
        // One statement for both queues: CDK's minimizePolicies flag (cdk.json) merges them.
        {
          Effect: "Allow",
          Action: "sqs:SendMessage",
          Resource: expect.arrayContaining([getAtt(retryQueueId, "Arn"), getAtt(deadLetterId, "Arn")]),
        },
        {
          Effect: "Allow",
          Action: expect.arrayContaining([
            "sqs:ReceiveMessage",
            "sqs:ChangeMessageVisibility",
            "sqs:GetQueueUrl",
            "sqs:DeleteMessage",
            "sqs:GetQueueAttributes",
          ]),
          Resource: getAtt(retryQueueId, "Arn"),
        },
      ]),
    );
    expect(statements).toHaveLength(4);
    const text = JSON.stringify(statements);
    expect(text).not.toMatch(/DeleteItem|Scan|BatchWrite|KeysTable|AuditTable|secretsmanager|"\*"/);
  });

  it("tells the dispatcher its table, queue and schedule base, and never to allow loopback", () => {
    const [, fn] = only("AWS::Lambda::Function", "WebhookDeliveryDispatcher");
    const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables).toMatchObject({
      FYNEX_ENV: "prod",
      FYNEX_WEBHOOK_RETRY_BASE_SECONDS: "30",
      WEBHOOK_RETRY_QUEUE_URL: { Ref: retryQueueId },
      DATA_TABLE_NAME: { Ref: "DataTable" },
    });
    expect(Object.keys(variables)).not.toContain("FYNEX_WEBHOOKS_ALLOW_LOOPBACK");
    expect(fn.Properties.Timeout).toBe(60);
  });
});
