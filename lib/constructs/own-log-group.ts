import { RemovalPolicy } from "aws-cdk-lib";
import { PolicyDocument, PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { LogGroup, type RetentionDays } from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";

/** How a Lambda function's logs are kept: days of retention, and whether the group outlives the stack. */
export interface LogSettings {
  logRetention: RetentionDays;
  logRemovalPolicy: "destroy" | "retain";
}

/**
 * A log group for one Lambda function and the role it runs as, which may write that group's streams
 * and nothing else (not AWSLambdaBasicExecutionRole, which may create groups and write streams in
 * every log group of the account). The function is handed the group (`logGroup`), rather than one
 * named after it and created afterwards, so that no invocation can race CloudFormation to create the
 * group with unlimited retention. Their ids are `${id}Logs` and `${id}ServiceRole`.
 */
export function ownLogGroup(
  scope: Construct,
  id: string,
  settings: LogSettings,
): { logGroup: LogGroup; role: Role } {
  const logGroup = new LogGroup(scope, `${id}Logs`, {
    retention: settings.logRetention,
    removalPolicy: settings.logRemovalPolicy === "retain" ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
  });
  const role = new Role(scope, `${id}ServiceRole`, {
    assumedBy: new ServicePrincipal("lambda.amazonaws.com"),
    inlinePolicies: {
      OwnLogGroup: new PolicyDocument({
        statements: [
          new PolicyStatement({
            actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
            resources: [logGroup.logGroupArn],
          }),
        ],
      }),
    },
  });
  return { logGroup, role };
}
