/**
 * CDK's BucketDeployment provider: the stack-wide function (Python, from aws-cdk-lib) that uploads the
 * console page and its `config.json` at deploy time. Tests of the project's own functions (Node.js 22 on
 * arm64, one per handler module, alarms) leave it out; its role and log group are the project's own
 * and stay checked (test/infra/nag.test.ts, test/infra/console.test.ts).
 */
export function isBucketDeploymentProvider(fn: { Properties: Record<string, unknown> }): boolean {
  return (
    typeof fn.Properties.Runtime === "string" &&
    fn.Properties.Runtime.startsWith("python") &&
    JSON.stringify(fn.Properties.Layers ?? "").includes("AwsCliLayer")
  );
}
