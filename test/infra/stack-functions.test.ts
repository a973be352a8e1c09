import type { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { handlerId, KEY_MANAGEMENT_DIRECT_HANDLER, ROUTES } from "../../contract/routes";
import { AUDIT_TABLE, DATA_TABLE, KEYS_BY_ORG_INDEX, KEYS_TABLE, USAGE_TABLE } from "../../contract/tables";
import {
  AUDIT_EVENT_ATTRIBUTES,
  AUTHORIZER_KEY_ATTRIBUTES,
  OUTBOX_ITEM_ATTRIBUTES,
} from "../../contract/write-attributes";
import { isBucketDeploymentProvider } from "./bucket-deployment";
import {
  defined,
  devStack,
  environmentOf,
  functionsIn,
  methodsOf,
  ofType,
  policyStatementsOf,
} from "./stack-template";

/**
 * The stack's functions, least privilege first: the runtime each runs on, the tables and attributes
 * each may touch (and the table names it is told), and who may invoke it: only this API for what it
 * integrates, nobody through a resource policy for key management's direct door.
 */
const KEYS_TABLE_ARN = { "Fn::GetAtt": [KEYS_TABLE.logicalId, "Arn"] };
const AUDIT_TABLE_ARN = { "Fn::GetAtt": [AUDIT_TABLE.logicalId, "Arn"] };
const USAGE_TABLE_ARN = { "Fn::GetAtt": [USAGE_TABLE.logicalId, "Arn"] };

describe("FynexStack", () => {
  let dev: Template;
  let functionIds: string[];
  /** Handler module → logical id of its function. */
  let functionOf: Map<string, string>;
  let authorizerFunction: string;

  beforeAll(() => {
    // Prepare
    ({ dev, functionIds, functionOf, authorizerFunction } = devStack());
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
