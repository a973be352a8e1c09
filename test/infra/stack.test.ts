import { Match, type Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { handlerId, KEY_MANAGEMENT_DIRECT_HANDLER, ROUTES } from "../../contract/routes";
import { AUDIT_TABLE, DATA_TABLE, KEYS_BY_ORG_INDEX, KEYS_TABLE, USAGE_TABLE } from "../../contract/tables";
import {
  AUDIT_EVENT_ATTRIBUTES,
  AUTHORIZER_KEY_ATTRIBUTES,
  OUTBOX_ITEM_ATTRIBUTES,
} from "../../contract/write-attributes";
import { environmentConfig } from "../../lib/config";
import { GATEWAY_RESPONSES, type GatewayResponseType, gatewayAnswerBody } from "../../lib/gateway-responses";
import { isBucketDeploymentProvider } from "./bucket-deployment";
import { synthesize } from "./synth";

type CfnResource = { Type: string; Properties: Record<string, unknown> } & Record<string, unknown>;
type Resources = Record<string, CfnResource>;

function synth(envName: string): Template {
  return synthesize(envName).template;
}

function defined<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is missing from the template`);
  return value;
}

function ofType(template: Template, type: string): Resources {
  return template.findResources(type) as Resources;
}

/** Logical ids of the Lambda functions a value (an integration URI, an authorizer URI) refers to. */
function functionsIn(value: unknown, functionIds: string[]): string[] {
  const text = JSON.stringify(value);
  return functionIds.filter((id) => text.includes(`"${id}"`));
}

/** Full path of an API Gateway resource id (or of the root), walking the `ParentId` chain. */
function resourcePath(resources: Resources, resourceId: unknown): string {
  const ref = (resourceId as { Ref?: string }).Ref;
  if (ref === undefined) return "/";
  const props = resources[ref]?.Properties as { ParentId: unknown; PathPart: string };
  const parent = resourcePath(resources, props.ParentId);
  return `${parent === "/" ? "" : parent}/${props.PathPart}`;
}

interface SynthesisedMethod {
  method: string;
  path: string;
  authorizationType: string;
  properties: Record<string, unknown>;
}

function methodsOf(template: Template): SynthesisedMethod[] {
  const resources = ofType(template, "AWS::ApiGateway::Resource");
  return Object.values(ofType(template, "AWS::ApiGateway::Method")).map(({ Properties }) => ({
    method: Properties.HttpMethod as string,
    path: resourcePath(resources, Properties.ResourceId),
    authorizationType: Properties.AuthorizationType as string,
    properties: Properties,
  }));
}

function integrationType(method: SynthesisedMethod): string {
  return (method.properties.Integration as { Type: string }).Type;
}

/** Every statement of the policies attached to a function's role. */
function policyStatementsOf(template: Template, functionId: string): unknown[] {
  const fn = defined(ofType(template, "AWS::Lambda::Function")[functionId], functionId);
  const roleId = (fn.Properties.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
  return Object.values(ofType(template, "AWS::IAM::Policy"))
    .filter(({ Properties }) => JSON.stringify(Properties.Roles).includes(`"${roleId}"`))
    .flatMap(({ Properties }) => (Properties.PolicyDocument as { Statement: unknown[] }).Statement);
}

function environmentOf(template: Template, functionId: string): Record<string, unknown> {
  const fn = ofType(template, "AWS::Lambda::Function")[functionId];
  return (fn?.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
}

const AUTH_TYPE = { apiKey: "CUSTOM", iam: "AWS_IAM", cognito: "COGNITO_USER_POOLS", none: "NONE" } as const;

/** Response type, status (absent: API Gateway's own), `error.code`, `Retry-After`. */
const EXPECTED_GATEWAY_RESPONSES: [string, string | undefined, string, string | undefined][] = [
  ["UNAUTHORIZED", "401", "unauthorized", undefined],
  ["AUTHORIZER_FAILURE", "503", "unavailable", "'1'"],
  ["AUTHORIZER_CONFIGURATION_ERROR", "503", "unavailable", "'1'"],
  ["ACCESS_DENIED", "403", "forbidden", undefined],
  ["MISSING_AUTHENTICATION_TOKEN", "403", "forbidden", undefined],
  ["INVALID_SIGNATURE", "403", "forbidden", undefined],
  ["EXPIRED_TOKEN", "403", "forbidden", undefined],
  ["THROTTLED", "429", "rate_limited", "'1'"],
  ["REQUEST_TOO_LARGE", "413", "payload_too_large", undefined],
  ["INTEGRATION_FAILURE", "502", "bad_gateway", undefined],
  ["INTEGRATION_TIMEOUT", "504", "timeout", undefined],
  ["RESOURCE_NOT_FOUND", "404", "not_found", undefined],
  ["UNSUPPORTED_MEDIA_TYPE", "415", "unsupported_media_type", undefined],
  ["BAD_REQUEST_BODY", "400", "validation_error", undefined],
  ["BAD_REQUEST_PARAMETERS", "400", "validation_error", undefined],
  ["WAF_FILTERED", "403", "forbidden", undefined],
  ["QUOTA_EXCEEDED", "429", "rate_limited", "'1'"],
  ["DEFAULT_4XX", undefined, "forbidden", undefined],
  ["API_CONFIGURATION_ERROR", "500", "internal_error", undefined],
  ["DEFAULT_5XX", "500", "internal_error", undefined],
];

const KEYS_TABLE_ARN = { "Fn::GetAtt": [KEYS_TABLE.logicalId, "Arn"] };
const AUDIT_TABLE_ARN = { "Fn::GetAtt": [AUDIT_TABLE.logicalId, "Arn"] };
const USAGE_TABLE_ARN = { "Fn::GetAtt": [USAGE_TABLE.logicalId, "Arn"] };

describe("FynexStack", () => {
  let dev: Template;
  let prod: Template;
  let functionIds: string[];
  /** Handler module → logical id of its function. */
  let functionOf: Map<string, string>;
  let authorizerFunction: string;

  beforeAll(() => {
    // Prepare
    dev = synth("dev");
    prod = synth("prod");
    functionIds = Object.keys(ofType(dev, "AWS::Lambda::Function"));
    functionOf = new Map();
    for (const method of methodsOf(dev).filter((m) => integrationType(m) === "AWS_PROXY")) {
      const route = ROUTES.find((r) => r.method === method.method && r.path === method.path);
      const [fn] = functionsIn(method.properties.Integration, functionIds);
      if (route && fn) functionOf.set(route.handler, fn);
    }
    const [authorizer] = Object.values(ofType(dev, "AWS::ApiGateway::Authorizer"));
    authorizerFunction = functionsIn(authorizer?.Properties.AuthorizerUri, functionIds)[0] ?? "";
  });

  describe("API", () => {
    it("synthesises exactly the route table's methods, each with its route's authorization", () => {
      // Act
      // The console's CORS preflights (OPTIONS) are checked in test/infra/console.test.ts.
      const declared = methodsOf(dev)
        .filter((m) => m.method !== "ANY" && m.method !== "OPTIONS")
        .map((m) => `${m.method} ${m.path} ${m.authorizationType}`)
        .sort();

      // Assess
      const expected = ROUTES.map((r) => `${r.method} ${r.path} ${AUTH_TYPE[r.auth]}`).sort();
      expect(declared).toEqual(expected);
    });

    it("signs every admin method with AWS_IAM", () => {
      const admin = methodsOf(dev).filter((m) => m.path.startsWith("/admin/") && m.method !== "ANY");

      expect(admin.length).toBe(ROUTES.filter((r) => r.path.startsWith("/admin/")).length);
      for (const method of admin) expect(method.authorizationType).toBe("AWS_IAM");
    });

    it("authorizes API-key routes with a REQUEST authorizer on X-API-Key whose cache is off", () => {
      // The other authorizer is the console's Cognito one (test/infra/console.test.ts).
      const request = Object.values(ofType(dev, "AWS::ApiGateway::Authorizer")).filter(
        (authorizer) => authorizer.Properties.Type === "REQUEST",
      );
      expect(request).toHaveLength(1);
      dev.hasResourceProperties("AWS::ApiGateway::Authorizer", {
        Type: "REQUEST",
        IdentitySource: "method.request.header.X-API-Key",
        AuthorizerResultTtlInSeconds: 0,
      });
    });

    it("runs the authorizer without --enable-source-maps, every other function with them", () => {
      // Each 401 is a thrown error whose stack the Lambda runtime reads: with source maps on, every
      // read pays a map lookup (docs/PERFORMANCE.md has the figures).
      const functions = ofType(dev, "AWS::Lambda::Function");
      const nodeOptions = (id: string) =>
        (functions[id]?.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)
          ?.Variables?.NODE_OPTIONS;
      expect(authorizerFunction).not.toBe("");
      expect(nodeOptions(authorizerFunction)).toBeUndefined();
      for (const id of functionOf.values()) expect(nodeOptions(id)).toBe("--enable-source-maps");
    });

    it("is a REGIONAL endpoint", () => {
      dev.hasResourceProperties("AWS::ApiGateway::RestApi", {
        EndpointConfiguration: { Types: ["REGIONAL"] },
      });
    });

    it("answers every undeclared method and path with the not-found function, without authorization", () => {
      // Act
      const catchAll = methodsOf(dev).filter((m) => m.method === "ANY");
      const notFound = functionIds.filter((id) => id.startsWith("NotFoundFunction"));

      // Assess: one catch-all, `ANY /{proxy+}` and `ANY /` (a greedy variable never matches `/` itself)
      expect(catchAll.map((m) => m.path).sort()).toEqual(["/", "/{proxy+}"]);
      expect(notFound).toHaveLength(1);
      for (const method of catchAll) {
        expect(method.authorizationType).toBe("NONE");
        // A function, not a mock: a mock answers 500 to a body of a type it has no template for.
        expect(integrationType(method)).toBe("AWS_PROXY");
        expect(functionsIn(method.properties.Integration, functionIds)).toEqual(notFound);
      }
    });

    it("holds the declared routes' methods and the one catch-all, nothing more (aws-cdk#15573)", () => {
      // Creating many methods at once gets API Gateway's own control plane throttling the deploy.
      const count = (template: Template) => Object.keys(ofType(template, "AWS::ApiGateway::Method")).length;
      // Plus the console's CORS preflights (OPTIONS, one per /console/v1 resource: test/infra/console.test.ts).
      const preflights = (template: Template) =>
        Object.values(ofType(template, "AWS::ApiGateway::Method")).filter(
          (m) => m.Properties.HttpMethod === "OPTIONS",
        ).length;
      expect(count(dev)).toBe(ROUTES.length + 2 + preflights(dev));
      expect(count(prod)).toBe(ROUTES.length + 2 + preflights(prod));
      expect(preflights(dev)).toBe(7);
    });

    it.each(EXPECTED_GATEWAY_RESPONSES)(
      "answers %s with status %s, code %s, in the envelope",
      (type, status, code, retryAfter) => {
        // Act
        const [response] = Object.values(
          dev.findResources("AWS::ApiGateway::GatewayResponse", { Properties: { ResponseType: type } }),
        ) as CfnResource[];

        // Assess
        const props = response?.Properties as {
          StatusCode?: string;
          ResponseParameters: Record<string, string>;
          ResponseTemplates: Record<string, string>;
        };
        expect(props.StatusCode).toBe(status);
        expect(props.ResponseParameters["gatewayresponse.header.Content-Type"]).toBe("'application/json'");
        expect(props.ResponseParameters["gatewayresponse.header.Retry-After"]).toBe(retryAfter);
        const body = JSON.parse(props.ResponseTemplates["application/json"] ?? "");
        expect(body).toEqual({
          error: {
            code,
            message: expect.any(String),
            requestId: "$context.requestId",
            details: expect.any(Array),
          },
        });
      },
    );

    it("answers with the bodies the local runtime answers (DEFAULT_4XX, which it never sends, aside)", () => {
      for (const { Properties } of Object.values(ofType(dev, "AWS::ApiGateway::GatewayResponse"))) {
        const type = Properties.ResponseType as GatewayResponseType;
        if (type === "DEFAULT_4XX") continue;
        const template = (Properties.ResponseTemplates as Record<string, string>)["application/json"];
        expect(template, type).toBe(gatewayAnswerBody(GATEWAY_RESPONSES[type], "$context.requestId"));
      }
    });

    it("customises no gateway response beyond those checked above", () => {
      const types = Object.values(ofType(dev, "AWS::ApiGateway::GatewayResponse")).map(
        ({ Properties }) => Properties.ResponseType,
      );

      expect(types.sort()).toEqual(EXPECTED_GATEWAY_RESPONSES.map(([type]) => type).sort());
    });

    it("never traces request data, logs executions at ERROR at most, keeps metrics and throttles the stage", () => {
      const config = environmentConfig("dev");

      dev.hasResourceProperties("AWS::ApiGateway::Stage", {
        StageName: "dev",
        MethodSettings: [
          {
            DataTraceEnabled: false,
            LoggingLevel: Match.stringLikeRegexp("^(ERROR|OFF)$"),
            MetricsEnabled: true,
            ThrottlingRateLimit: config.stageThrottle.rateLimit,
            ThrottlingBurstLimit: config.stageThrottle.burstLimit,
          },
        ],
      });
    });

    it("writes JSON access logs that hold no header", () => {
      const [stage] = Object.values(ofType(dev, "AWS::ApiGateway::Stage"));
      const format = (defined(stage, "the stage").Properties.AccessLogSetting as { Format: string }).Format;

      // `$context.error.messageString` is written by API Gateway as a JSON string of its own.
      const fields = JSON.parse(format.replace("$context.error.messageString", '"-"'));
      expect(fields).toMatchObject({ requestId: "$context.requestId", status: "$context.status" });
      expect(format).not.toMatch(/header/i);
    });
  });

  describe("functions", () => {
    it("runs every function on nodejs22.x and arm64", () => {
      // One per handler module, plus the authorizer, key management's direct door, the catch-all
      // 404, the secret-scanning key refresher, the webhook dispatcher, the expiry reminder and the usage
      // history writer; CDK's trigger provider
      // (runs the refresher at deploy) and BucketDeployment provider (uploads the console page) are
      // CDK's own, with their own runtimes.
      const own = Object.entries(ofType(dev, "AWS::Lambda::Function"))
        .filter(([id]) => !id.startsWith("AWSCDKTriggerCustomResourceProvider"))
        .filter(([, fn]) => !isBucketDeploymentProvider(fn))
        .map(([, fn]) => fn);
      expect(own.length).toBe(new Set(ROUTES.map((r) => r.handler)).size + 7);
      for (const { Properties } of own) {
        expect(Properties.Runtime).toBe("nodejs22.x");
        expect(Properties.Architectures).toEqual(["arm64"]);
      }
    });

    it("lets the authorizer update only the key attributes its count touches, never read, never write usage history", () => {
      const statements = policyStatementsOf(dev, authorizerFunction);

      expect(statements).toEqual([
        // No GetItem: the authorizer never calls it (issue 19 point 4). Its update reads the item back
        // whole (ALL_NEW/ALL_OLD), so ReturnValues stays open; the attributes do not.
        {
          Effect: "Allow",
          Action: "dynamodb:UpdateItem",
          Resource: KEYS_TABLE_ARN,
          Condition: {
            "ForAllValues:StringEquals": { "dynamodb:Attributes": [...AUTHORIZER_KEY_ATTRIBUTES] },
          },
        },
      ]);
      // Never what would move a key to another org, widen it, or rename it.
      for (const attribute of ["orgId", "scopes", "name", "rateLimit", "ttl", "replacedBy", "counted"]) {
        expect(AUTHORIZER_KEY_ATTRIBUTES).not.toContain(attribute);
      }
      // The usage history is written from the keys table's stream, never by the authorizer.
      expect(JSON.stringify(statements)).not.toContain(USAGE_TABLE.logicalId);
      expect(Object.keys(environmentOf(dev, authorizerFunction))).not.toContain("USAGE_TABLE_NAME");
      expect(Object.keys(environmentOf(dev, authorizerFunction))).not.toContain("DATA_TABLE_NAME");
    });

    it("lets the admin function read and write the keys table, its index and the audit trail, and only put into the data table", () => {
      const adminHandlers = new Set(ROUTES.filter((r) => r.auth === "iam").map((r) => r.handler));

      for (const handler of adminHandlers) {
        const fn = functionOf.get(handler) ?? "";
        const statements = policyStatementsOf(dev, fn);
        expect(statements).toEqual([
          {
            Effect: "Allow",
            Action: expect.arrayContaining([
              "dynamodb:Query",
              "dynamodb:BatchGetItem",
              "dynamodb:GetItem",
              "dynamodb:PutItem",
              "dynamodb:UpdateItem",
            ]),
            // The index by name, never `index/*`.
            Resource: [KEYS_TABLE_ARN, { "Fn::Join": ["", [KEYS_TABLE_ARN, `/index/${KEYS_BY_ORG_INDEX}`]] }],
          },
          // Audit events, and nothing but their attributes (issue 19 point 4).
          {
            Effect: "Allow",
            Action: "dynamodb:PutItem",
            Resource: AUDIT_TABLE_ARN,
            Condition: {
              "ForAllValues:StringEquals": { "dynamodb:Attributes": [...AUDIT_EVENT_ATTRIBUTES] },
              StringEqualsIfExists: { "dynamodb:ReturnValues": ["NONE"] },
            },
          },
          { Effect: "Allow", Action: "dynamodb:Query", Resource: AUDIT_TABLE_ARN },
          // Key events' outbox items (API.md §11): puts of outbox items into the data table, never a read.
          {
            Effect: "Allow",
            Action: "dynamodb:PutItem",
            Resource: { "Fn::GetAtt": [DATA_TABLE.logicalId, "Arn"] },
            Condition: {
              "ForAllValues:StringEquals": { "dynamodb:Attributes": [...OUTBOX_ITEM_ATTRIBUTES] },
              StringEqualsIfExists: { "dynamodb:ReturnValues": ["NONE"] },
            },
          },
          // The usage history is read, never written, by key management.
          {
            Effect: "Allow",
            Action: ["dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:Query"],
            Resource: USAGE_TABLE_ARN,
          },
        ]);
        expect(JSON.stringify(statements)).not.toMatch(/DeleteItem|Scan|dynamodb:\*/);
        expect(environmentOf(dev, fn)).toMatchObject({
          KEYS_TABLE_NAME: { Ref: KEYS_TABLE.logicalId },
          AUDIT_TABLE_NAME: { Ref: AUDIT_TABLE.logicalId },
          FYNEX_RATE_LIMIT: "100",
          FYNEX_RATE_WINDOW_SECONDS: "900",
        });
        expect(environmentOf(dev, fn)).toMatchObject({ DATA_TABLE_NAME: { Ref: DATA_TABLE.logicalId } });
      }
    });

    it("keeps business functions on the data table, away from the keys table", () => {
      const businessHandlers = new Set(ROUTES.filter((r) => r.auth === "apiKey").map((r) => r.handler));

      expect(businessHandlers.size).toBeGreaterThan(0);
      for (const handler of businessHandlers) {
        const fn = functionOf.get(handler) ?? "";
        const statements = JSON.stringify(policyStatementsOf(dev, fn));
        expect(statements).toContain(DATA_TABLE.logicalId);
        expect(statements).not.toContain(KEYS_TABLE.logicalId);
        expect(environmentOf(dev, fn)).toMatchObject({ DATA_TABLE_NAME: { Ref: DATA_TABLE.logicalId } });
        expect(Object.keys(environmentOf(dev, fn))).not.toContain("KEYS_TABLE_NAME");
      }
    });

    it("gives functions behind public routes no table at all, unless their route declares its tables", () => {
      const publicHandlers = new Set(
        ROUTES.filter((r) => r.auth === "none" && !r.tables).map((r) => r.handler),
      );

      for (const handler of publicHandlers) {
        const fn = functionOf.get(handler) ?? "";
        expect(policyStatementsOf(dev, fn)).toEqual([]);
        expect(Object.keys(environmentOf(dev, fn)).filter((name) => name.endsWith("_TABLE_NAME"))).toEqual(
          [],
        );
      }
    });
  });

  describe("tables", () => {
    it("pins the tables' logical ids", () => {
      expect(Object.keys(ofType(dev, "AWS::DynamoDB::Table")).sort()).toEqual([
        "AuditTable",
        "DataTable",
        "KeysTable",
        "UsageTable",
      ]);
      expect(Object.keys(ofType(prod, "AWS::DynamoDB::Table")).sort()).toEqual([
        "AuditTable",
        "DataTable",
        "KeysTable",
        "UsageTable",
      ]);
    });

    it.each([KEYS_TABLE, DATA_TABLE, AUDIT_TABLE, USAGE_TABLE])(
      "turns TTL on for $logicalId, on demand",
      (definition) => {
        const table = ofType(dev, "AWS::DynamoDB::Table")[definition.logicalId];

        expect(table?.Properties).toMatchObject({
          BillingMode: "PAY_PER_REQUEST",
          TimeToLiveSpecification: { AttributeName: definition.ttlAttribute, Enabled: true },
        });
      },
    );

    it("projects into the org index exactly the listed attributes, never the per-request ones", () => {
      const table = ofType(dev, "AWS::DynamoDB::Table")[KEYS_TABLE.logicalId];
      const [index] = KEYS_TABLE.indexes;

      const gsis = table?.Properties.GlobalSecondaryIndexes as {
        IndexName: string;
        Projection: { ProjectionType: string; NonKeyAttributes: string[] };
      }[];
      expect(gsis).toHaveLength(KEYS_TABLE.indexes.length);
      expect(gsis[0]?.IndexName).toBe(index?.indexName);
      expect(gsis[0]?.Projection.ProjectionType).toBe("INCLUDE");
      expect([...(gsis[0]?.Projection.NonKeyAttributes ?? [])].sort()).toEqual(
        [...(index?.nonKeyAttributes ?? [])].sort(),
      );
      for (const perRequest of ["windowCount", "windowStart", "lastUsedAt"]) {
        expect(gsis[0]?.Projection.NonKeyAttributes).not.toContain(perRequest);
      }
    });

    it("retains prod tables, with point-in-time recovery and deletion protection", () => {
      for (const table of Object.values(ofType(prod, "AWS::DynamoDB::Table"))) {
        expect(table.DeletionPolicy).toBe("Retain");
        expect(table.UpdateReplacePolicy).toBe("Retain");
        expect(table.Properties).toMatchObject({
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          DeletionProtectionEnabled: true,
        });
      }
    });

    it("lets dev tables go with the stack", () => {
      for (const table of Object.values(ofType(dev, "AWS::DynamoDB::Table"))) {
        expect(table.DeletionPolicy).toBe("Delete");
        expect(table.Properties).toMatchObject({ DeletionProtectionEnabled: false });
      }
    });
  });

  it("outputs the API URL, the table names and the admin function name", () => {
    const outputs = dev.findOutputs("*");

    expect(Object.keys(outputs).sort()).toEqual([
      "AdminFunctionName",
      "ApiUrl",
      "AuditTableName",
      "ConsoleUrl",
      "ConsoleUserPoolId",
      "DataTableName",
      "KeysTableName",
      "SecretScanningKeysFunctionName",
      "UsageTableName",
    ]);
    const direct = functionIds.find((id) =>
      id.startsWith(`${handlerId(KEY_MANAGEMENT_DIRECT_HANDLER)}Function`),
    );
    expect(outputs.AdminFunctionName?.Value).toEqual({ Ref: direct });
  });

  describe("key management's two doors", () => {
    /** The principals allowed to invoke a function, by its resource policy's permissions. */
    const invokersOf = (fn: string) =>
      Object.values(ofType(dev, "AWS::Lambda::Permission"))
        .filter((permission) => functionsIn(permission.Properties.FunctionName, [fn]).length > 0)
        .map((permission) => permission.Properties as { Principal: string; SourceArn?: unknown });

    it("has a direct-invocation function that no route integrates and API Gateway may not invoke", () => {
      const direct = defined(
        functionIds.find((id) => id.startsWith(`${handlerId(KEY_MANAGEMENT_DIRECT_HANDLER)}Function`)),
        "the direct door's function",
      );
      const adminHandler = defined(ROUTES.find((r) => r.auth === "iam")?.handler, "the admin handler");

      expect(direct).not.toBe(functionOf.get(adminHandler));
      expect([...functionOf.values()]).not.toContain(direct);
      expect(invokersOf(direct)).toEqual([]);
    });

    /** The resource policies written for a function (`AWS::Lambda::ResourcePolicy`). */
    const resourcePoliciesOf = (fn: string) =>
      Object.values(ofType(dev, "AWS::Lambda::ResourcePolicy"))
        .filter((policy) => functionsIn(policy.Properties.ResourceArn, [fn]).length > 0)
        .map((policy) => policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] });

    it("lets only this API invoke what it integrates, and denies every other invoker whatever its own policy allows", () => {
      // Prepare: every function behind a method, the not-found catch-all included, and the authorizer.
      const restApiId = { Ref: defined(Object.keys(ofType(dev, "AWS::ApiGateway::RestApi"))[0], "the API") };
      const stageId = { Ref: defined(Object.keys(ofType(dev, "AWS::ApiGateway::Stage"))[0], "the stage") };
      const integrated = new Set(
        methodsOf(dev).flatMap((method) => functionsIn(method.properties.Integration, functionIds)),
      );
      integrated.add(authorizerFunction);
      expect(integrated.size).toBeGreaterThan(5);

      for (const fn of integrated) {
        // Act
        const policies = resourcePoliciesOf(fn);

        // Assess: one policy, and no AWS::Lambda::Permission beside it (the policy would replace it).
        expect(invokersOf(fn), fn).toEqual([]);
        expect(policies, fn).toHaveLength(1);
        const [allow, deny] = policies[0]?.Statement ?? [];
        // This API's stage and its authorizers; never `<apiId>/*`, which admits the console's
        // test-invoke-stage (a call that skips the authorizer).
        const thisApi = [
          { "Fn::Join": ["", expect.arrayContaining([restApiId, "/", stageId, "/*"])] },
          { "Fn::Join": ["", expect.arrayContaining([restApiId, "/authorizers/*"])] },
        ];
        expect(JSON.stringify(policies[0]?.Statement)).not.toContain(`${JSON.stringify(restApiId)},"/*"`);
        expect(allow).toMatchObject({
          Effect: "Allow",
          Principal: { Service: "apigateway.amazonaws.com" },
          Action: "lambda:InvokeFunction",
          Condition: { ArnLike: { "AWS:SourceArn": thisApi } },
        });
        // A direct invocation carries no aws:SourceArn, and ArnNotLike matches a missing key: denied.
        expect(deny).toMatchObject({
          Effect: "Deny",
          Principal: "*",
          Action: ["lambda:InvokeFunction", "lambda:InvokeAsync"],
          Condition: { ArnNotLike: { "AWS:SourceArn": thisApi } },
        });
        expect(JSON.stringify(allow?.Resource)).toContain(`"${fn}"`);
        expect(JSON.stringify(deny?.Resource)).toContain(`"${fn}"`);
      }
    });

    it("leaves the direct door without any resource policy: IAM principals invoke it by their own", () => {
      const direct = defined(
        functionIds.find((id) => id.startsWith(`${handlerId(KEY_MANAGEMENT_DIRECT_HANDLER)}Function`)),
        "the direct door's function",
      );
      expect(resourcePoliciesOf(direct)).toEqual([]);
    });
  });
});

describe("environmentConfig", () => {
  it("refuses an unknown environment", () => {
    expect(() => environmentConfig("nope")).toThrow(/Unknown environment "nope"/);
  });

  it("refuses invalid values, naming the setting", () => {
    expect(() => environmentConfig("dev", { rateLimit: 0 })).toThrow(/rateLimit/);
  });

  it("applies overrides on top of the environment's defaults", () => {
    const config = environmentConfig("staging", { rateLimit: 250 });

    expect(config).toMatchObject({ envName: "staging", rateLimit: 250, rateWindowSeconds: 900 });
  });
});
