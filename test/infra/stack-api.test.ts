import { Match, type Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { ROUTES } from "../../contract/routes";
import { environmentConfig } from "../../lib/config";
import { GATEWAY_RESPONSES, type GatewayResponseType, gatewayAnswerBody } from "../../lib/gateway-responses";
import {
  type CfnResource,
  defined,
  devStack,
  functionsIn,
  integrationType,
  methodsOf,
  ofType,
} from "./stack-template";
import { synthesize } from "./synth";

/**
 * The stack's API as a caller meets it: exactly the route table's methods, each with its
 * authorization, the API-key authorizer, the catch-all 404, API Gateway's own answers in the envelope
 * of API.md §4, and a stage that traces no request data and logs no header. What the functions behind
 * it may do is in stack-functions.test.ts.
 */
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

describe("FynexStack", () => {
  let dev: Template;
  let functionIds: string[];
  /** Handler module → logical id of its function. */
  let functionOf: Map<string, string>;
  let authorizerFunction: string;
  let prod: Template;

  beforeAll(() => {
    // Prepare
    ({ dev, functionIds, functionOf, authorizerFunction } = devStack());
    prod = synthesize("prod").template;
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
      expect(preflights(dev)).toBe(8);
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
});
