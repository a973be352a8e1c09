import { Duration } from "aws-cdk-lib";
import { Alarm, ComparisonOperator, TreatMissingData } from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import { FilterCriteria, StartingPosition } from "aws-cdk-lib/aws-lambda";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import type { Queue } from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import type { FynexFunction } from "./fynex-function";

/** What differs between two consumers of a table stream: which records, and how many at once. */
export interface StreamConsumption {
  streamArn: string;
  deadLetterQueue: Queue;
  batchSize: number;
  /** The records that invoke `fn` at all (filtered-out records are never billed as invocations). */
  filter: Record<string, unknown>;
}

/**
 * Feeds `fn` one table stream, with the one failure policy every consumer here shares: from the
 * oldest record the stream holds (a record written while the mapping is created is still handled),
 * a failing batch bisected and retried 10 times, records older than the stream's 24 hours dropped,
 * `fn` reporting the first record it could not handle, and what still fails sent to the dead-letter
 * queue (the records' metadata). Granted here rather than by `DynamoEventSource`, whose grant lists
 * every stream of the account (`dynamodb:ListStreams` on `*`).
 */
export function consumeStream(fn: FynexFunction, id: string, consumption: StreamConsumption): void {
  const { streamArn, deadLetterQueue } = consumption;
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
  fn.addEventSourceMapping(id, {
    eventSourceArn: streamArn,
    startingPosition: StartingPosition.TRIM_HORIZON,
    batchSize: consumption.batchSize,
    maxBatchingWindow: Duration.seconds(0),
    bisectBatchOnError: true,
    retryAttempts: 10,
    maxRecordAge: Duration.hours(24),
    reportBatchItemFailures: true,
    onFailure: { bind: () => ({ destination: deadLetterQueue.queueArn }) },
    filters: [FilterCriteria.filter(consumption.filter)],
  });
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
