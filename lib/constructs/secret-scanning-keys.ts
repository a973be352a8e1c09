import { Annotations, Duration, Validations } from "aws-cdk-lib";
import { Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import { InvocationType, Trigger } from "aws-cdk-lib/triggers";
import { Construct } from "constructs";
import { GITHUB_SIGNING_KEYS_PK } from "../../contract/tables";
import { type FunctionSettings, FynexFunction } from "./fynex-function";
import type { FynexTable } from "./fynex-table";

export interface SecretScanningKeysProps {
  /** The project to bundle from and how logs are kept, as for every function of the stage. */
  functions: FunctionSettings;
  keysTable: FynexTable;
  /** How often GitHub's list is fetched. */
  every?: Duration;
}

/**
 * The trusted secret-scanning keys of a deployed stage (API.md §8): a function that fetches GitHub's
 * published list on a schedule and stores it as one item of the keys table. Its role may read and
 * write that one item (`dynamodb:LeadingKeys`), and nothing else of the table. It also runs once at
 * each deploy that changes it, so that a fresh stack accepts reports without waiting for the hour.
 */
export class SecretScanningKeys extends Construct {
  readonly refresher: FynexFunction;
  readonly schedule: Rule;
  readonly atDeploy: Trigger;

  constructor(scope: Construct, id: string, props: SecretScanningKeysProps) {
    super(scope, id);
    this.refresher = new FynexFunction(this, "Refresher", {
      ...props.functions,
      handler: "lambdas/secret-scanning/refresh-signing-keys.handler.ts",
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

    // Reports are refused until the list is first stored: fetch it as the stack is deployed, once the
    // table exists. Asynchronously (Event): GitHub being unreachable for a moment must not roll the
    // deploy back; Lambda retries the invocation twice, and the hourly schedule catches up after that.
    this.atDeploy = new Trigger(this, "RefreshAtDeploy", {
      handler: this.refresher,
      invocationType: InvocationType.EVENT,
      executeAfter: [props.keysTable],
      timeout: Duration.minutes(1),
    });
    acknowledgeTriggerProvider(this);
    // The schedule's permission is on the function, and the schedule invokes it unqualified; only the
    // trigger invokes the version, through its provider role's own IAM grant (CDK's), so no caller
    // meets the case this warning is about (aws-cdk#19273).
    Annotations.of(this.refresher).acknowledgeWarning(
      "@aws-cdk/aws-lambda:addPermissionsToVersionOrAlias",
      "The hourly rule invokes the unqualified function; the deploy-time trigger invokes the version with its own IAM grant.",
    );
  }
}

/**
 * cdk-nag findings on the provider function `aws-cdk-lib/triggers` adds to the stack (one per stack,
 * found by its construct id): its role and runtime are CDK's, not ours to change.
 */
function acknowledgeTriggerProvider(scope: Construct): void {
  const stack = scope.node.scopes[0];
  const provider = stack?.node.tryFindChild("AWSCDK.TriggerCustomResourceProviderCustomResourceProvider");
  if (!provider) return;
  Validations.of(provider).acknowledge(
    {
      id: "AwsSolutions-IAM4",
      reason:
        "CDK's trigger provider (aws-cdk-lib/triggers): its role carries AWSLambdaBasicExecutionRole, " +
        "set by CDK. It runs only during deployments and may invoke only the refresher.",
    },
    {
      id: "AwsSolutions-L1",
      reason: "CDK's trigger provider: its runtime is chosen by aws-cdk-lib, not by this project.",
    },
  );
}
