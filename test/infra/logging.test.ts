import type { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { ROUTES } from "../../contract/routes";
import { ENVIRONMENT_NAMES } from "../../lib/config";
import { synthesize } from "./synth";

/**
 * Nothing deployed can log a key (DESIGN.md, "Environments and operations"): API Gateway never traces
 * request data and logs executions at ERROR at most, its access logs hold no header and no body, and
 * no function sets the variable that turned Powertools' event logging on (read by nothing since
 * docs/DECISIONS.md #336; kept out all the same). What the handlers themselves write is checked in
 * test/unit/lambdas/shared/observability/event-logging.test.ts.
 */
type CfnResource = { Type: string; Properties: Record<string, unknown> };
type Resources = Record<string, CfnResource>;

const templates = new Map<string, Template>();

beforeAll(() => {
  for (const envName of ENVIRONMENT_NAMES) {
    templates.set(envName, synthesize(envName).template);
  }
});

const ofType = (template: Template, type: string) => template.findResources(type) as Resources;

function templateOf(envName: string): Template {
  const template = templates.get(envName);
  if (!template) throw new Error(`no template for ${envName}`);
  return template;
}

/**
 * The access-log variables allowed: request metadata, the authorizer's outcome and the ids it put in
 * its context, the IAM caller's ARN. No `$input` (the body), no `$method.request.header.*`, and of
 * `$context.identity` only the source address and the caller's ARN: `apiKey`, `apiKeyId`, `userAgent`,
 * `clientCert` and friends come from headers, and `apiKey` from the very `X-API-Key` header our keys
 * travel in.
 */
const ALLOWED_ACCESS_LOG_VARIABLES = new Set([
  "$context.requestId",
  "$context.extendedRequestId",
  "$context.requestTime",
  "$context.requestTimeEpoch",
  "$context.identity.sourceIp",
  "$context.identity.userArn",
  "$context.httpMethod",
  "$context.resourcePath",
  "$context.path",
  "$context.status",
  "$context.protocol",
  "$context.responseLength",
  "$context.responseLatency",
  "$context.integrationLatency",
  "$context.integration.status",
  "$context.integration.error",
  "$context.authorizer.status",
  "$context.authorizer.latency",
  "$context.authorizer.orgId",
  "$context.authorizer.keyId",
  "$context.error.responseType",
  "$context.error.messageString",
  "$context.stage",
]);

/**
 * An access-log line as API Gateway writes it (its documented substitution): every variable's value in
 * place, `$context.error.message` raw, `$context.error.messageString` as a JSON string of the message.
 */
function asApiGatewayWrites(format: string, value: string, message = value): string {
  return format.replace(/\$[A-Za-z_][\w.-]*/g, (variable) =>
    variable === "$context.error.messageString"
      ? JSON.stringify(message)
      : variable === "$context.error.message"
        ? message
        : value,
  );
}

describe.each(ENVIRONMENT_NAMES)("%s: API Gateway logging", (envName) => {
  it("never traces request data and logs executions at ERROR at most, on every method setting", () => {
    // Act
    const stages = Object.values(ofType(templateOf(envName), "AWS::ApiGateway::Stage"));

    // Assess
    expect(stages).toHaveLength(1);
    for (const { Properties } of stages) {
      const settings = Properties.MethodSettings as Record<string, unknown>[];
      expect(settings.length).toBeGreaterThan(0);
      for (const setting of settings) {
        expect(setting.DataTraceEnabled).toBe(false);
        expect(["OFF", "ERROR"]).toContain(setting.LoggingLevel);
      }
    }
  });

  it("writes access logs of allowed context variables only: no header, no body", () => {
    // Prepare
    const [stage] = Object.values(ofType(templateOf(envName), "AWS::ApiGateway::Stage"));
    const setting = stage?.Properties.AccessLogSetting as { Format?: unknown; DestinationArn?: unknown };

    // Act
    const format = setting.Format;
    if (typeof format !== "string") throw new Error("the stage has no literal access-log format");
    const variables = format.match(/\$[A-Za-z_][\w.-]*/g) ?? [];

    // Assess
    expect(setting.DestinationArn).toBeDefined();
    expect(variables.length).toBeGreaterThan(5);
    expect(variables.filter((variable) => !ALLOWED_ACCESS_LOG_VARIABLES.has(variable))).toEqual([]);
    expect(format).not.toMatch(/\$input|\$method\.request|header|\$util|apiKey|userAgent|clientCert/i);
    // Every value is one variable: a JSON line, nothing assembled around a variable.
    for (const value of Object.values(
      JSON.parse(asApiGatewayWrites(format, "-")) as Record<string, string>,
    )) {
      expect(value).toBe("-");
    }
  });

  it("stays one JSON line when API Gateway's error message holds quotes", () => {
    // Prepare
    const [stage] = Object.values(ofType(templateOf(envName), "AWS::ApiGateway::Stage"));
    if (!stage) throw new Error("the template has no stage");
    const format = (stage.Properties.AccessLogSetting as { Format: string }).Format;
    const message = 'Invalid key=value pair in Authorization header: "Credential"';

    // Act
    const line = JSON.parse(asApiGatewayWrites(format, "-", message)) as Record<string, string>;

    // Assess
    expect(Object.values(line)).toContain(message);
  });
});

describe.each(ENVIRONMENT_NAMES)("%s: functions", (envName) => {
  const functions = () => ofType(templateOf(envName), "AWS::Lambda::Function");
  const variablesOf = (fn: CfnResource) =>
    (fn.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};

  /** The functions behind the authorizer and the secret-scanning route, by their references. */
  function keyHandlingFunctions(): string[] {
    const template = templateOf(envName);
    const ids = Object.keys(functions());
    const referenced = (value: unknown) => ids.filter((id) => JSON.stringify(value).includes(`"${id}"`));
    const [authorizer] = Object.values(ofType(template, "AWS::ApiGateway::Authorizer"));
    const scanningPath = ROUTES.find(
      (route) => route.handler === "lambdas/secret-scanning/secret-scanning.handler",
    )?.path;
    const scanningPart = scanningPath?.split("/").at(-1);
    const scanningResource = Object.entries(ofType(template, "AWS::ApiGateway::Resource")).find(
      ([, { Properties }]) => Properties.PathPart === scanningPart,
    )?.[0];
    const scanningMethod = Object.values(ofType(template, "AWS::ApiGateway::Method")).find(
      ({ Properties }) =>
        Properties.HttpMethod === "POST" &&
        (Properties.ResourceId as { Ref?: string }).Ref === scanningResource,
    );
    return [...referenced(authorizer?.Properties.AuthorizerUri), ...referenced(scanningMethod?.Properties)];
  }

  it("finds the authorizer and the secret-scanning function, and neither may log its event", () => {
    // Act
    const found = keyHandlingFunctions();

    // Assess
    expect(found).toHaveLength(2);
    for (const id of found) {
      const variables = variablesOf(functions()[id] as CfnResource);
      expect(variables).not.toHaveProperty("POWERTOOLS_LOGGER_LOG_EVENT");
    }
  });

  it("turns Powertools' event logging on in no function", () => {
    for (const [id, fn] of Object.entries(functions())) {
      const logEvent = variablesOf(fn).POWERTOOLS_LOGGER_LOG_EVENT;
      expect(logEvent === undefined || String(logEvent).toLowerCase() === "false", id).toBe(true);
    }
  });
});
