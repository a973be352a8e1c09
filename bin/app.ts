import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { deploymentTarget, environmentConfig, OVERRIDABLE_SETTINGS, parseOverrides } from "../lib/config";
import { FynexStack } from "../lib/fynex-stack";

/**
 * The CDK app: `cdk synth|deploy -c env=<dev|staging|prod>` builds the stack `Fynex-<env>`. Settings
 * come from `lib/config.ts`; any of them can be overridden with `-c <setting>=<value>`. This is the
 * only place that reads CDK context or the process environment. `-c nag=true` also runs cdk-nag's
 * AwsSolutions checks at synthesis: any finding not acknowledged (with its reason, beside the construct
 * it concerns) stops the synthesis with a report.
 */
const app = new App();

const nag = app.node.tryGetContext("nag");
if (nag === true || nag === "true") {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
}

const envName = String(app.node.tryGetContext("env") ?? "dev");
const fromContext: Record<string, unknown> = {};
for (const setting of OVERRIDABLE_SETTINGS) {
  const value = app.node.tryGetContext(setting);
  if (value !== undefined) fromContext[setting] = value;
}
const config = environmentConfig(envName, parseOverrides(fromContext));
// The CLI sets CDK_DEFAULT_* from the current credentials and profile; a pinned environment
// (production) ignores them and deploys only where its settings say.
const env = deploymentTarget(config, {
  account: process.env.CDK_DEFAULT_ACCOUNT,
  region: process.env.CDK_DEFAULT_REGION,
});

new FynexStack(app, `Fynex-${config.envName}`, {
  config,
  env,
  description: `Fynex API keys and API (${config.envName})`,
});
