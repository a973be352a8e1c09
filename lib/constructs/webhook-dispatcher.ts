import { Duration } from "aws-cdk-lib";
import type { Alarm } from "aws-cdk-lib/aws-cloudwatch";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import { FilterRule } from "aws-cdk-lib/aws-lambda";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { SK_PREFIX } from "../../contract/data-items";
import { ENV } from "../../contract/environment";
import { type FunctionSettings, FynexFunction } from "./fynex-function";
import type { FynexTable } from "./fynex-table";
import { consumeStream, deadLetterAlarm } from "./stream-consumer";

export interface WebhookDispatcherProps {
  /** The project to bundle from and how logs are kept, as for every function of the stage. */
  functions: FunctionSettings;
  envName: string;
  /** The data table, with its stream on: outbox items in, subscriptions and delivery log read and written. */
  dataTable: FynexTable;
  /** Where the dead-letter alarm pages (the monitoring construct's topic). */
  alarmTopic: ITopic;
  /** `FYNEX_WEBHOOK_RETRY_BASE_SECONDS`: the retry schedule's base (API.md §9); 30 unless set. */
  retryBaseSeconds?: number;
}

/** A delivery may take 10 s; a batch delivers its records at once, with room for DynamoDB and a cold start. */
const DISPATCHER_TIMEOUT = Duration.seconds(60);

/**
 * Webhook deliveries, deployed (API.md §9): the data table's stream, filtered to new outbox items,
 * feeds the dispatcher Lambda (first attempts); retries wait in an SQS queue as delayed messages and
 * feed the same Lambda when due. Records that keep failing (the dispatcher itself failing, not a
 * receiver: a receiver's failures are retried by the schedule) land in a dead-letter queue, and one
 * message there pages through the alarm topic.
 *
 * The dispatcher's role: read the data table's stream; get, query, put and update items of the data
 * table (no delete, no scan, no batch); receive, delete and send messages of the retry queue; send
 * to the dead-letter queue (the stream's failure destination). Nothing else.
 */
export class WebhookDispatcher extends Construct {
  readonly dispatcher: FynexFunction;
  readonly retryQueue: Queue;
  readonly deadLetterQueue: Queue;
  readonly deadLetterAlarm: Alarm;

  constructor(scope: Construct, id: string, props: WebhookDispatcherProps) {
    super(scope, id);

    this.deadLetterQueue = new Queue(this, "DeadLetterQueue", {
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.retryQueue = new Queue(this, "RetryQueue", {
      // Six times the function's timeout, as AWS advises for a queue feeding a function.
      visibilityTimeout: Duration.seconds(DISPATCHER_TIMEOUT.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
    });

    this.dispatcher = new FynexFunction(this, "Dispatcher", {
      ...props.functions,
      handler: "lambdas/webhooks/dispatch.handler.ts",
      timeout: DISPATCHER_TIMEOUT,
      environment: {
        [ENV.envName]: props.envName,
        [ENV.webhookRetryBaseSeconds]: String(props.retryBaseSeconds ?? 30),
        [ENV.webhookRetryQueueUrl]: this.retryQueue.queueUrl,
      },
    });
    this.dispatcher.addToRolePolicy(
      new PolicyStatement({
        actions: ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem"],
        resources: [props.dataTable.tableArn],
      }),
    );
    this.dispatcher.addEnvironment(props.dataTable.environmentVariable, props.dataTable.tableName);
    this.dispatcher.addToRolePolicy(
      new PolicyStatement({ actions: ["sqs:SendMessage"], resources: [this.retryQueue.queueArn] }),
    );

    // The stream's mapping, built here rather than with `DynamoEventSource` (see `consumeStream`).
    const streamArn = props.dataTable.tableStreamArn;
    if (!streamArn) throw new Error("The data table has no stream (contract/tables.ts: DATA_TABLE.stream)");
    consumeStream(this.dispatcher, "OutboxStream", {
      streamArn,
      deadLetterQueue: this.deadLetterQueue,
      batchSize: 10,
      filter: {
        eventName: FilterRule.isEqual("INSERT"),
        dynamodb: { Keys: { sk: { S: FilterRule.beginsWith(SK_PREFIX.outbox) } } },
      },
    });
    this.dispatcher.addEventSource(
      new SqsEventSource(this.retryQueue, { batchSize: 10, reportBatchItemFailures: true }),
    );

    this.deadLetterAlarm = deadLetterAlarm(
      this,
      "DeadLetters",
      this.deadLetterQueue,
      props.alarmTopic,
      "Webhook events or retries the dispatcher could not handle reached the dead-letter queue: " +
        "deliveries are missing. Runbook: docs/RUNBOOKS.md#webhookdeadletters",
    );
  }
}
