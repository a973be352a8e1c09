import { Duration, Validations } from "aws-cdk-lib";
import type { Alarm } from "aws-cdk-lib/aws-cloudwatch";
import { FilterRule } from "aws-cdk-lib/aws-lambda";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { ENV } from "../../contract/environment";
import { type FunctionSettings, FynexFunction } from "./fynex-function";
import type { FynexTable } from "./fynex-table";
import { consumeStream, deadLetterAlarm } from "./stream-consumer";

export interface UsageHistoryWriterProps {
  /** The project to bundle from and how logs are kept, as for every function of the stage. */
  functions: FunctionSettings;
  envName: string;
  /** The keys table, its stream on with old and new images. */
  keysTable: FynexTable;
  /** Where closed windows go: puts only. */
  usageTable: FynexTable;
  /** The environment's default limit: a closed window's 429s are its count beyond the key's limit. */
  rateLimit: number;
  /** Where the dead-letter alarm pages (the monitoring construct's topic). */
  alarmTopic: ITopic;
}

/**
 * The usage history's writer, deployed (API.md §11): the keys table's stream feeds a function that
 * puts each window a rollover closed, off the authorizer's path. Lambda reads the stream without
 * charge; a filter hands over only the records whose new image has `windowCount` 1 (a rollover, or a
 * key's first request), so the function runs about once per key per window, not per request. A
 * failing batch is bisected and retried (10 times, within a day, the stream's records kept 24 hours);
 * what still fails leaves its metadata in a dead-letter queue, and one message there pages.
 *
 * The writer's role: read this one stream, put and query items of the usage table, send to its dead-letter
 * queue. Nothing else.
 */
export class UsageHistoryWriter extends Construct {
  readonly writer: FynexFunction;
  readonly deadLetterQueue: Queue;
  readonly deadLetterAlarm: Alarm;

  constructor(scope: Construct, id: string, props: UsageHistoryWriterProps) {
    super(scope, id);
    const streamArn = props.keysTable.tableStreamArn;
    if (!streamArn) throw new Error("The keys table has no stream (contract/tables.ts: KEYS_TABLE.stream)");

    this.deadLetterQueue = new Queue(this, "DeadLetterQueue", {
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: "AwsSolutions-SQS3",
      reason:
        "This queue is itself the dead-letter destination of the keys stream's mapping (OnFailure): " +
        "nothing consumes it, so it has nothing to redrive; one message in it pages through its alarm.",
    });
    this.writer = new FynexFunction(this, "Writer", {
      ...props.functions,
      handler: "lambdas/usage-history/usage-history.handler.ts",
      timeout: Duration.seconds(30),
      environment: { [ENV.envName]: props.envName, [ENV.rateLimit]: String(props.rateLimit) },
    });
    // Puts windows; reads and puts each key's 7-day summary (a query of its one item).
    this.writer.bindTable({ table: props.usageTable, accessMode: "appendQuery" });
    consumeStream(this.writer, "KeysStream", {
      streamArn,
      deadLetterQueue: this.deadLetterQueue,
      batchSize: 100,
      // Stream images carry numbers as strings: the rollover's `windowCount = :one` is "1".
      filter: {
        eventName: FilterRule.isEqual("MODIFY"),
        dynamodb: { NewImage: { windowCount: { N: FilterRule.isEqual("1") } } },
      },
    });

    this.deadLetterAlarm = deadLetterAlarm(
      this,
      "DeadLetters",
      this.deadLetterQueue,
      props.alarmTopic,
      "Closed windows the usage history writer could not write reached the dead-letter queue: " +
        "usage answers miss them. Runbook: docs/RUNBOOKS.md#usagehistorydeadletters",
    );
  }
}
