import { App, Stack, Validations } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import type { IConstruct } from "constructs";
import { beforeAll, describe, expect, it } from "vitest";
import { AUDIT_TABLE, DATA_TABLE, KEYS_TABLE, USAGE_TABLE } from "../../contract/tables";
import { type ConfigOverrides, ENVIRONMENT_NAMES, environmentConfig } from "../../lib/config";
import { FynexStack } from "../../lib/fynex-stack";
import { appContext } from "./synth";

/**
 * cdk-nag's AwsSolutions pack over every environment: no finding may stand unless it is fixed or
 * acknowledged, beside the construct it concerns, with a reason of its own (docs/DEPLOY.md lists them).
 *
 * cdk-nag 3 is a CDK policy-validation plugin: `Validations.of(app).addPlugins(new AwsSolutionsChecks(app))`
 * runs it at synthesis (what `cdk synth -c nag=true` does, bin/app.ts) and fails the synthesis on a
 * finding; `validateScope` returns the same findings as data, for a readable failure here. It reads
 * acknowledgements made with `Validations.of(construct).acknowledge({ id, reason })`; v2's Aspect,
 * Annotations and `NagSuppressions` are gone.
 */
const HOW_TO_FIX =
  "Unacknowledged cdk-nag AwsSolutions findings. Fix each (preferred), or acknowledge it beside the " +
  "construct it concerns with Validations.of(construct).acknowledge({ id: '<rule id as listed>', " +
  "reason: '<why, specifically>' }) and add it to the table in docs/DEPLOY.md";

interface Synthesised {
  app: App;
  template: Template;
  /** What synthesis with the checks registered threw (only where they were registered). */
  synthError?: unknown;
}

function synth(envName: string, options: { overrides?: ConfigOverrides; checksAtSynth?: boolean } = {}) {
  // Bundling skipped: the template is the same.
  const app = new App({ context: appContext() });
  if (options.checksAtSynth) Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  const stack = new FynexStack(app, `Fynex-${envName}`, {
    config: environmentConfig(envName, options.overrides),
  });
  try {
    const assembly = app.synth();
    return { app, template: Template.fromJSON(assembly.getStackByName(stack.stackName).template) };
  } catch (synthError) {
    return { app, template: Template.fromJSON({}), synthError } satisfies Synthesised;
  }
}

/** One line per finding: rule (with the finding id to acknowledge), severity, construct, description. */
function findings(app: App): string[] {
  const report = new AwsSolutionsChecks(app, { verbose: true }).validateScope(app);
  return report.violations.flatMap((violation) =>
    violation.violatingResources.map(
      (resource) =>
        `${violation.ruleName} (${violation.severity}) at ${resource.constructPath}: ${violation.description}`,
    ),
  );
}

interface Acknowledgement {
  path: string;
  construct: IConstruct;
  id: string;
  reason: string;
}

function acknowledgements(app: App): Acknowledgement[] {
  return app.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          construct,
          id: id.replace(/^annotation::/i, ""),
          reason,
        })),
      ),
  );
}

const environments = new Map<string, Synthesised>();

beforeAll(() => {
  for (const envName of ENVIRONMENT_NAMES) {
    // Prod the way `cdk synth -c nag=true` runs it: the checks registered, at synthesis.
    environments.set(envName, synth(envName, { checksAtSynth: envName === "prod" }));
  }
});

function environment(envName: string): Synthesised {
  const found = environments.get(envName);
  if (!found) throw new Error(`${envName} was not synthesised`);
  return found;
}

describe.each(ENVIRONMENT_NAMES)("%s", (envName) => {
  it("has no AwsSolutions finding that is neither fixed nor acknowledged with its reason", () => {
    // Act
    const standing = findings(environment(envName).app);

    // Assess
    expect(standing, HOW_TO_FIX).toEqual([]);
  });

  it("acknowledges findings only beside their constructs, never for the whole app or stack, each with a reason", () => {
    // Act
    const acknowledged = acknowledgements(environment(envName).app).filter(({ id }) =>
      id.startsWith("AwsSolutions-"),
    );

    // Assess
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const { path, construct, id, reason } of acknowledged) {
      expect(construct instanceof App || Stack.isStack(construct), `${id} at ${path}`).toBe(false);
      expect(reason.length, `${id} at ${path}`).toBeGreaterThanOrEqual(60);
    }
  });
});

describe("the checks at synthesis", () => {
  it("let prod synthesise with AwsSolutionsChecks registered, as `cdk synth -c nag=true` does", () => {
    expect(environment("prod").synthError).toBeUndefined();
  });

  it("still report a table without point-in-time recovery where the tables are retained", () => {
    // Prepare
    const { app } = synth("prod", { overrides: { pointInTimeRecovery: false } });

    // Act
    const ddb3 = findings(app).filter((finding) => finding.startsWith("AwsSolutions-DDB3 "));

    // Assess
    expect(ddb3.map((finding) => finding.split(" at ")[1]?.split(":")[0]).sort()).toEqual(
      [AUDIT_TABLE, DATA_TABLE, KEYS_TABLE, USAGE_TABLE]
        .map((table) => `Fynex-prod/${table.logicalId}/Resource`)
        .sort(),
    );
  });
});

/** Logical-id prefix of the provider function `aws-cdk-lib/triggers` adds to the stack. */
const TRIGGER_PROVIDER = "AWSCDKTriggerCustomResourceProvider";

describe("function roles (AwsSolutions-IAM4 fixed, not acknowledged)", () => {
  it("let CDK's trigger provider invoke nothing but the secret-scanning key refresher", () => {
    const { template } = environment("dev");
    const roles = Object.entries(template.findResources("AWS::IAM::Role")).filter(([id]) =>
      id.startsWith(TRIGGER_PROVIDER),
    );
    expect(roles).toHaveLength(1);
    const [[, role]] = roles as [[string, (typeof roles)[number][1]]];
    const statements = (
      role.Properties.Policies as { PolicyDocument: { Statement: Record<string, unknown>[] } }[]
    ).flatMap((policy) => policy.PolicyDocument.Statement);
    expect(statements.flatMap((statement) => [statement.Action].flat())).toEqual(["lambda:InvokeFunction"]);
    expect(JSON.stringify(statements)).toContain("SecretScanningKeysRefresher");
  });

  it("hold no AWS managed policy: each may write only its own log group's streams", () => {
    // Prepare
    const { template } = environment("dev");
    const roles = template.findResources("AWS::IAM::Role");
    // CDK's trigger provider (runs the key refresher at deploy) is CDK's own construct, with CDK's
    // role: it is held to invoking the refresher alone, below.
    const functions = Object.entries(template.findResources("AWS::Lambda::Function")).filter(
      ([id]) => !id.startsWith(TRIGGER_PROVIDER),
    );

    // Assess
    expect(functions.length).toBeGreaterThan(0);
    for (const [id, fn] of functions) {
      const roleId = fn.Properties.Role["Fn::GetAtt"][0] as string;
      const logGroupId = fn.Properties.LoggingConfig?.LogGroup?.Ref as string | undefined;
      expect(logGroupId, `${id} has its own log group`).toBeDefined();
      const role = roles[roleId];
      expect(role?.Properties.ManagedPolicyArns, `${id}'s role`).toBeUndefined();
      expect(role?.Properties.Policies, `${id}'s role`).toEqual([
        {
          PolicyName: "OwnLogGroup",
          PolicyDocument: {
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                Resource: { "Fn::GetAtt": [logGroupId, "Arn"] },
              },
            ],
          },
        },
      ]);
    }
  });
});
