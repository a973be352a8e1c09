import { ArnFormat, Duration, Stack } from "aws-cdk-lib";
import type { RestApi } from "aws-cdk-lib/aws-apigateway";
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
} from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import { Operation, type Table } from "aws-cdk-lib/aws-dynamodb";
import { PolicyStatement, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import { Construct } from "constructs";
import {
  AUTHORIZER_OUTCOMES,
  METRIC,
  METRICS_NAMESPACE,
  UNAUTHORIZED_OUTCOMES,
} from "../../contract/metric-names";
import { handlerId } from "../../contract/routes";

/** Alarm settings of one environment (lib/config.ts). */
export interface AlarmSettings {
  /** Subscribers of the alarm topic (email); none: the topic exists for other subscribers. */
  emails: string[];
  /** 401s answered for bad keys in 5 minutes before it looks like key guessing or a broken integration. */
  unauthorizedPer5Minutes: number;
  /** 429s answered in 5 minutes before it looks like a runaway integration. */
  rateLimitedPer5Minutes: number;
  /** Share of API answers that are 5xx, in percent, over 5 minutes. */
  serverErrorPercent: number;
}

export interface FynexMonitoringProps {
  envName: string;
  alarms: AlarmSettings;
  api: RestApi;
  authorizer: IFunction;
  /** Every other function (business, admin, …): their errors and throttles page. */
  functions: ReadonlyMap<string, IFunction>;
  tables: readonly Table[];
  /** Services whose custom metrics the alarms read (`service` dimension). */
  services: { authorizer: string; api: string };
}

const FIVE_MINUTES = Duration.minutes(5);
const TABLE_OPERATIONS = [
  Operation.GET_ITEM,
  Operation.PUT_ITEM,
  Operation.UPDATE_ITEM,
  Operation.QUERY,
  Operation.BATCH_GET_ITEM,
  Operation.TRANSACT_WRITE_ITEMS,
];

/**
 * The environment's alarms, their SNS topic and a dashboard of the same signals: authorizer storage
 * errors, the API's 5xx rate, spikes of 401s and 429s, DynamoDB throttling and system errors, Lambda
 * errors and throttles. What each alarm means and what to do: docs/RUNBOOKS.md.
 */
export class FynexMonitoring extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];
  private readonly action: SnsAction;

  constructor(scope: Construct, id: string, props: FynexMonitoringProps) {
    super(scope, id);
    // Publishers must use TLS (CloudWatch alarms do): the topic's policy denies anything else.
    this.topic = new Topic(this, "AlarmTopic", {
      displayName: `Fynex ${props.envName} alarms`,
      enforceSSL: true,
    });
    // `enforceSSL` makes CDK write a topic policy, and a topic policy replaces SNS's default one: without
    // this statement CloudWatch may not publish and every alarm notifies nobody. Only this account's
    // alarms, in this region, may publish.
    const stack = Stack.of(this);
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: "CloudWatchAlarmsPublish",
        principals: [new ServicePrincipal("cloudwatch.amazonaws.com")],
        actions: ["sns:Publish"],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { "aws:SourceAccount": stack.account },
          ArnLike: {
            "aws:SourceArn": stack.formatArn({
              service: "cloudwatch",
              resource: "alarm",
              resourceName: "*",
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    for (const email of props.alarms.emails) this.topic.addSubscription(new EmailSubscription(email));
    this.action = new SnsAction(this.topic);

    const custom = (name: string, service: string, dimensions: Record<string, string> = {}) =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName: name,
        dimensionsMap: { service, environment: props.envName, ...dimensions },
        statistic: "Sum",
        period: FIVE_MINUTES,
      });
    const decisions = (outcome: string) =>
      custom(METRIC.authorizerDecisions, props.services.authorizer, { outcome });

    const storageErrors = decisions("storage_error");
    this.alarm(
      "AuthorizerStorageErrors",
      storageErrors,
      1,
      "The authorizer could not reach the keys table: callers got 503.",
    );

    const apiDimensions = { ApiName: props.api.restApiName, Stage: props.api.deploymentStage.stageName };
    const api = (metricName: string, statistic: string) =>
      new Metric({
        namespace: "AWS/ApiGateway",
        metricName,
        dimensionsMap: apiDimensions,
        statistic,
        period: FIVE_MINUTES,
      });
    // No MAX([requests, 1]): CloudWatch metric math takes only time series inside an array, so a
    // scalar there fails the alarm's creation. IF answers 0 for a period without requests.
    const serverErrorRate = new MathExpression({
      expression: "IF(requests > 0, 100 * errors / requests, 0)",
      usingMetrics: { errors: api("5XXError", "Sum"), requests: api("Count", "Sum") },
      period: FIVE_MINUTES,
      label: "5xx %",
    });
    this.alarm(
      "Api5xxRate",
      serverErrorRate,
      props.alarms.serverErrorPercent,
      "A share of API answers above the threshold were 5xx.",
    );

    const unauthorized = new MathExpression({
      expression: UNAUTHORIZED_OUTCOMES.map((outcome) => outcome.replace("_", "")).join(" + "),
      usingMetrics: Object.fromEntries(UNAUTHORIZED_OUTCOMES.map((o) => [o.replace("_", ""), decisions(o)])),
      period: FIVE_MINUTES,
      label: "401 (bad keys)",
    });
    this.alarm(
      "UnauthorizedSpike",
      unauthorized,
      props.alarms.unauthorizedPer5Minutes,
      "Many requests with bad, expired or revoked keys: key guessing, or an integration with a dead key.",
    );

    const rateLimited = custom(METRIC.rateLimited, props.services.api);
    this.alarm(
      "RateLimitedSpike",
      rateLimited,
      props.alarms.rateLimitedPer5Minutes,
      "Many 429s: an integration is looping or needs a higher limit.",
    );

    for (const table of props.tables) {
      const name = table.node.id;
      this.alarm(
        `${name}Throttles`,
        table.metricThrottledRequestsForOperations({ operations: TABLE_OPERATIONS, period: FIVE_MINUTES }),
        1,
        `DynamoDB throttled requests on ${name}.`,
        "DynamoDBThrottles",
      );
      this.alarm(
        `${name}SystemErrors`,
        table.metricSystemErrorsForOperations({ operations: TABLE_OPERATIONS, period: FIVE_MINUTES }),
        1,
        `DynamoDB system errors on ${name}.`,
        "DynamoDBSystemErrors",
      );
    }

    // The authorizer "fails" by design for every bad key (throwing Unauthorized is how it answers 401),
    // so its Errors metric is not an alarm; its storage errors are, above. Its throttles are.
    this.alarm(
      "AuthorizerThrottles",
      props.authorizer.metricThrottles({ period: FIVE_MINUTES, statistic: "Sum" }),
      1,
      "Lambda throttled the authorizer: callers got 500s.",
      "LambdaThrottles",
    );
    for (const [module, fn] of props.functions) this.watchFunction(handlerId(module), module, fn);

    const dashboard = new Dashboard(this, "Dashboard", { dashboardName: `Fynex-${props.envName}` });
    const graph = (title: string, left: IMetric[], width = 12) =>
      new GraphWidget({ title, left, width, height: 6 });
    dashboard.addWidgets(
      new TextWidget({
        markdown: `# Fynex ${props.envName}\nAlarms and what to do: docs/RUNBOOKS.md`,
        width: 24,
        height: 2,
      }),
    );
    dashboard.addWidgets(
      graph("API requests, 4xx, 5xx", [api("Count", "Sum"), api("4XXError", "Sum"), api("5XXError", "Sum")]),
      graph("API latency (p50, p99)", [
        api("Latency", "p50"),
        api("Latency", "p99"),
        api("IntegrationLatency", "p99"),
      ]),
    );
    dashboard.addWidgets(
      graph(
        "Authorizer decisions",
        AUTHORIZER_OUTCOMES.map((outcome) => decisions(outcome)),
      ),
      graph("401s for bad keys, 429s, 5xx %", [unauthorized, rateLimited, serverErrorRate]),
    );
    dashboard.addWidgets(
      graph(
        "Lambda errors",
        [...props.functions].map(([module, fn]) => fn.metricErrors({ label: module, period: FIVE_MINUTES })),
      ),
      graph(
        "Lambda throttles",
        [props.authorizer, ...props.functions.values()].map((fn) =>
          fn.metricThrottles({ period: FIVE_MINUTES }),
        ),
      ),
    );
    dashboard.addWidgets(
      graph(
        "DynamoDB throttle events",
        props.tables.flatMap((table) => [
          table.metric("ReadThrottleEvents", {
            period: FIVE_MINUTES,
            statistic: "Sum",
            label: `${table.node.id} reads`,
          }),
          table.metric("WriteThrottleEvents", {
            period: FIVE_MINUTES,
            statistic: "Sum",
            label: `${table.node.id} writes`,
          }),
        ]),
      ),
      graph(
        "DynamoDB write units",
        props.tables.map((table) => table.metricConsumedWriteCapacityUnits({ period: FIVE_MINUTES })),
      ),
    );
    // One widget per table: the per-operation expressions of two tables would share metric ids.
    dashboard.addWidgets(
      ...props.tables.map((table) =>
        graph(
          `${table.node.id} system errors`,
          [table.metricSystemErrorsForOperations({ operations: TABLE_OPERATIONS, period: FIVE_MINUTES })],
          24 / props.tables.length,
        ),
      ),
    );
  }

  /**
   * Errors and throttles of `fn` page the topic, as every route's function does: for the functions
   * made after the monitoring (the webhook dispatcher, the direct admin door, the scheduled ones).
   */
  watchFunction(name: string, what: string, fn: IFunction): void {
    this.alarm(
      `${name}Errors`,
      fn.metricErrors({ period: FIVE_MINUTES, statistic: "Sum" }),
      1,
      `${what} failed (unhandled errors or timeouts).`,
      "LambdaErrors",
    );
    this.alarm(
      `${name}Throttles`,
      fn.metricThrottles({ period: FIVE_MINUTES, statistic: "Sum" }),
      1,
      `Lambda throttled ${what}.`,
      "LambdaThrottles",
    );
  }

  /** An alarm at `threshold` or more over one 5-minute period, paging the topic; no data is fine. */
  private alarm(id: string, metric: IMetric, threshold: number, description: string, runbook = id): void {
    const alarm = new Alarm(this, id, {
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: `${description} Runbook: docs/RUNBOOKS.md#${runbook.toLowerCase()}`,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    this.alarms.push(alarm);
  }
}
