import { Duration } from "aws-cdk-lib";
import { Alarm, ComparisonOperator, TreatMissingData } from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import type { Queue } from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import type { FynexFunction } from "./fynex-function";

/**
 * Lets `fn` read one table stream, and send what keeps failing to its dead-letter queue (the stream
 * mapping's on-failure destination: the records' metadata). Granted here rather than by
 * `DynamoEventSource`, whose grant lists every stream of the account (`dynamodb:ListStreams` on `*`).
 */
export function grantStreamConsumer(fn: FynexFunction, streamArn: string, deadLetterQueue: Queue): void {
  fn.addToRolePolicy(
    new PolicyStatement({
      actions: [
        "dynamodb:DescribeStream",
        "dynamodb:GetRecords",
        "dynamodb:GetShardIterator",
        "dynamodb:ListStreams",
      ],
      resources: [streamArn],
    }),
  );
  fn.addToRolePolicy(
    new PolicyStatement({ actions: ["sqs:SendMessage"], resources: [deadLetterQueue.queueArn] }),
  );
}

/** Pages the alarm topic (and tells it when it clears) as soon as one message is in `queue`. */
export function deadLetterAlarm(
  scope: Construct,
  id: string,
  queue: Queue,
  topic: ITopic,
  description: string,
): Alarm {
  const alarm = new Alarm(scope, id, {
    metric: queue.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(5),
      statistic: "Maximum",
    }),
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: TreatMissingData.NOT_BREACHING,
    alarmDescription: description,
  });
  const action = new SnsAction(topic);
  alarm.addAlarmAction(action);
  alarm.addOkAction(action);
  return alarm;
}
