import { beforeAll, describe, expect, it } from "vitest";
import { prodResources, type Resource } from "./prod-resources";

let resources: Record<string, Resource>;
let only: ReturnType<typeof prodResources>["only"];

beforeAll(() => {
  ({ resources, only } = prodResources());
}, 120_000);

/** Every statement of the policies attached to a function's role. */
function statementsOf(functionId: string): { Action: string | string[]; Resource: unknown }[] {
  const role = (resources[functionId]?.Properties.Role as { "Fn::GetAtt": [string] } | undefined)?.[
    "Fn::GetAtt"
  ][0];
  return Object.values(resources)
    .filter((r) => r.Type === "AWS::IAM::Policy" && JSON.stringify(r.Properties.Roles).includes(`"${role}"`))
    .flatMap((r) => (r.Properties.PolicyDocument as { Statement: never[] }).Statement);
}

const getAtt = (id: string, attribute: string) => ({ "Fn::GetAtt": [id, attribute] });
const KEYS_STREAM = getAtt("KeysTable", "StreamArn");

describe("usage history from the keys table's stream, deployed (API.md §11)", () => {
  let writerId: string;
  let deadLetterId: string;

  beforeAll(() => {
    [writerId] = only("AWS::Lambda::Function", "UsageHistoryWriter");
    [deadLetterId] = only("AWS::SQS::Queue", "UsageHistoryDeadLetterQueue");
  });

  it("streams the keys table's old and new images, its logical id unchanged", () => {
    expect(resources.KeysTable?.Type).toBe("AWS::DynamoDB::Table");
    expect(resources.KeysTable?.Properties.StreamSpecification).toEqual({
      StreamViewType: "NEW_AND_OLD_IMAGES",
    });
  });

  it("feeds the writer the rollovers only, retried, bisected, then dead-lettered", () => {
    const mappings = Object.values(resources).filter(
      (r) =>
        r.Type === "AWS::Lambda::EventSourceMapping" &&
        JSON.stringify(r.Properties.EventSourceArn) === JSON.stringify(KEYS_STREAM),
    );
    expect(mappings).toHaveLength(1);
    const mapping = mappings[0]?.Properties ?? {};
    expect(mapping).toMatchObject({
      FunctionName: { Ref: writerId },
      StartingPosition: "TRIM_HORIZON",
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 86_400,
      DestinationConfig: { OnFailure: { Destination: getAtt(deadLetterId, "Arn") } },
    });
    // A rollover leaves `windowCount` at 1: counting updates (every request) never invoke the writer.
    const filters = (mapping.FilterCriteria as { Filters: { Pattern: string }[] }).Filters;
    expect(filters.map((filter) => JSON.parse(filter.Pattern))).toEqual([
      { eventName: ["MODIFY"], dynamodb: { NewImage: { windowCount: { N: ["1"] } } } },
    ]);
  });

  it("lets the writer read this one stream, put and query the usage table and dead-letter, nothing else", () => {
    const statements = statementsOf(writerId);
    const actions = statements.flatMap((statement) => [statement.Action].flat());

    expect(actions.sort()).toEqual(
      [
        "dynamodb:DescribeStream",
        "dynamodb:GetRecords",
        "dynamodb:GetShardIterator",
        "dynamodb:ListStreams",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "sqs:SendMessage",
      ].sort(),
    );
    for (const statement of statements) {
      const action = [statement.Action].flat()[0] ?? "";
      const expected = action.startsWith("sqs:")
        ? getAtt(deadLetterId, "Arn")
        : action === "dynamodb:PutItem" || action === "dynamodb:Query"
          ? getAtt("UsageTable", "Arn")
          : KEYS_STREAM;
      expect(statement.Resource, action).toEqual(expected);
    }
    expect(
      (resources[writerId]?.Properties.Environment as { Variables: Record<string, unknown> } | undefined)
        ?.Variables,
    ).toMatchObject({ USAGE_TABLE_NAME: { Ref: "UsageTable" }, FYNEX_RATE_LIMIT: expect.any(String) });
  });

  it("pages through the alarm topic when a record reaches the dead-letter queue", () => {
    const alarms = Object.values(resources).filter(
      (r) =>
        r.Type === "AWS::CloudWatch::Alarm" &&
        JSON.stringify(r.Properties.Dimensions ?? []).includes(deadLetterId),
    );
    expect(alarms).toHaveLength(1);
    const alarm = alarms[0]?.Properties ?? {};
    expect(alarm).toMatchObject({ Threshold: 1, ComparisonOperator: "GreaterThanOrEqualToThreshold" });
    expect(alarm.AlarmActions).toHaveLength(1);
    expect(alarm.OKActions).toEqual(alarm.AlarmActions);
    expect(String(alarm.AlarmDescription)).toMatch(/RUNBOOKS\.md#usagehistorydeadletters/);
  });
});
