import { Aws, Stack } from "aws-cdk-lib";
import { Integration, IntegrationType, type RestApi } from "aws-cdk-lib/aws-apigateway";
import { CfnResourcePolicy, type IFunction } from "aws-cdk-lib/aws-lambda";
import type { Construct } from "constructs";

/**
 * Who may invoke the functions behind API Gateway (issue 19 point 3; docs/DECISIONS.md #207).
 *
 * Those functions trust what API Gateway verified and put in the event (the IAM caller's ARN, the
 * Cognito claims, the authorizer's org), so an event forged by a direct invocation could act as any
 * administrator, person or org. A resource policy that only *grants* API Gateway the invoke (what
 * `LambdaIntegration` writes) leaves every principal of the account whose own identity policy allows
 * `lambda:InvokeFunction` free to invoke: in one account, either policy's Allow suffices. An explicit
 * Deny in the function's resource policy binds every principal whatever its identity policy says (an
 * explicit deny beats any allow), so each such function gets one policy: Allow API Gateway for this
 * API, Deny everyone on every invoke whose `aws:SourceArn` is not this API. A direct invocation has no
 * `aws:SourceArn`, and a negated condition operator matches a missing key, so it is denied.
 *
 * `AWS::Lambda::ResourcePolicy` replaces the function's whole policy, so no `AWS::Lambda::Permission`
 * may exist beside it for these functions: integrations are made without one (`proxyIntegration`)
 * and the authorizer's own permission is removed.
 */
export function proxyIntegration(fn: IFunction): Integration {
  return new Integration({
    type: IntegrationType.AWS_PROXY,
    integrationHttpMethod: "POST",
    uri: `arn:${Aws.PARTITION}:apigateway:${Aws.REGION}:lambda:path/2015-03-31/functions/${fn.functionArn}/invocations`,
  });
}

/**
 * The ARN patterns of the invocations this API makes for real requests: its stage's methods and its
 * authorizers. Not `<apiId>/*`: that also matches `<apiId>/test-invoke-stage/…`, the source of the
 * API Gateway console's "Test" call, which skips the method's authorizer and the caller's
 * `execute-api:Invoke` scope (someone allowed `apigateway:POST` could drive any org's admin function).
 */
export const apiInvokeSourceArns = (api: RestApi): string[] => {
  const apiArn = `arn:${Aws.PARTITION}:execute-api:${Aws.REGION}:${Aws.ACCOUNT_ID}:${api.restApiId}`;
  return [`${apiArn}/${api.deploymentStage.stageName}/*`, `${apiArn}/authorizers/*`];
};

/** The resource policy of a function only `api` may invoke. */
export function apiOnlyInvokePolicy(api: RestApi, fn: IFunction): Record<string, unknown> {
  // Several values: ArnLike matches any of them, and ArnNotLike only when none matches.
  const sourceArn = apiInvokeSourceArns(api);
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ApiGatewayOfThisApi",
        Effect: "Allow",
        Principal: { Service: "apigateway.amazonaws.com" },
        Action: "lambda:InvokeFunction",
        Resource: fn.functionArn,
        Condition: { ArnLike: { "AWS:SourceArn": sourceArn } },
      },
      {
        Sid: "NobodyElseWhateverTheirOwnPolicySays",
        Effect: "Deny",
        Principal: "*",
        Action: ["lambda:InvokeFunction", "lambda:InvokeAsync"],
        Resource: fn.functionArn,
        Condition: { ArnNotLike: { "AWS:SourceArn": sourceArn } },
      },
    ],
  };
}

/**
 * Gives each of `functions` the policy above, removing any `AWS::Lambda::Permission` CDK made for it
 * (the authorizer's): with both, whichever CloudFormation applied last would win.
 */
export function restrictInvokeToApi(scope: Construct, api: RestApi, functions: Iterable<IFunction>): void {
  const stack = Stack.of(scope);
  for (const fn of new Set(functions)) {
    const arn = JSON.stringify(stack.resolve(fn.functionArn));
    for (const child of stack.node.findAll()) {
      const props = (child as { cfnResourceType?: string; functionName?: string }).cfnResourceType;
      if (props !== "AWS::Lambda::Permission") continue;
      const target = JSON.stringify(
        stack.resolve((child as unknown as { functionName: string }).functionName),
      );
      if (target === arn) child.node.scope?.node.tryRemoveChild(child.node.id);
    }
    new CfnResourcePolicy(fn, "ApiOnlyInvoke", {
      resourceArn: fn.functionArn,
      policyDocument: apiOnlyInvokePolicy(api, fn),
    });
  }
}
