import path from "node:path";
import { Duration } from "aws-cdk-lib";
import { Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { GITHUB_SIGNING_KEYS_PK } from "../../contract/tables";
import { FynexFunction } from "./fynex-function";
import type { FynexTable } from "./fynex-table";

export interface SecretScanningKeysProps {
  projectRoot: string;
  keysTable: FynexTable;
  logRetention: RetentionDays;
  logRemovalPolicy: "destroy" | "retain";
  /** How often GitHub's list is fetched. */
  every?: Duration;
}

/**
 * The trusted secret-scanning keys of a deployed stage (API.md §8): a function that fetches GitHub's
 * published list on a schedule and stores it as one item of the keys table. Its role may read and
 * write that one item (`dynamodb:LeadingKeys`), and nothing else of the table.
 */
export class SecretScanningKeys extends Construct {
  readonly refresher: FynexFunction;
  readonly schedule: Rule;

  constructor(scope: Construct, id: string, props: SecretScanningKeysProps) {
    super(scope, id);
    this.refresher = new FynexFunction(this, "Refresher", {
      entry: path.join(props.projectRoot, "lambdas/secret-scanning/refresh-signing-keys.ts"),
      projectRoot: props.projectRoot,
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
      // GitHub gets 5 seconds; the rest is DynamoDB and a cold start.
      timeout: Duration.seconds(15),
    });
    this.refresher.addToRolePolicy(
      new PolicyStatement({
        actions: ["dynamodb:GetItem", "dynamodb:PutItem"],
        resources: [props.keysTable.tableArn],
        conditions: { "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": [GITHUB_SIGNING_KEYS_PK] } },
      }),
    );
    this.refresher.addEnvironment(props.keysTable.environmentVariable, props.keysTable.tableName);

    this.schedule = new Rule(this, "Schedule", {
      description: "Refreshes GitHub's secret-scanning public keys into the keys table",
      schedule: Schedule.rate(props.every ?? Duration.hours(1)),
      targets: [new LambdaFunction(this.refresher, { retryAttempts: 2 })],
    });
  }
}
