import { Duration, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import {
  AccessLogFormat,
  AuthorizationType,
  type CfnGatewayResponse,
  CognitoUserPoolsAuthorizer,
  EndpointType,
  IdentitySource,
  type Integration,
  type IResource,
  LogGroupLogDestination,
  MethodLoggingLevel,
  type MethodOptions,
  RequestAuthorizer,
  Resource,
  ResponseType,
  RestApi,
  SecurityPolicy,
} from "aws-cdk-lib/aws-apigateway";
import { Certificate } from "aws-cdk-lib/aws-certificatemanager";
import type { IUserPool } from "aws-cdk-lib/aws-cognito";
import { Grant, type IGrantable } from "aws-cdk-lib/aws-iam";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { LogGroup, type RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { CONSOLE_CORS } from "../../contract/console";
import type { Route } from "../../contract/routes";
import {
  consoleCorsHeaders,
  GATEWAY_RESPONSES,
  type GatewayAnswer,
  type GatewayResponseType,
  gatewayAnswerBody,
  gatewayAnswerHeaders,
} from "../gateway-responses";
import { proxyIntegration, restrictInvokeToApi } from "./api-only-invoke";

/** An org id (API.md §1); the admin routes' IAM scope embeds it in an ARN, so no wildcard may slip in. */
const ORG_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** An IAM policy variable naming the org, e.g. `${aws:PrincipalTag/orgId}`. */
const POLICY_VARIABLE = /^\$\{aws:[A-Za-z]+(\/[A-Za-z0-9_.:=+@-]+)?\}$/;

/** The header a key travels in (API.md §3), and the authorizer's identity source. */
export const API_KEY_HEADER = "X-API-Key";

/**
 * Gateway response header values are mapping expressions: a static value is single-quoted (API
 * Gateway's developer guide, "gateway response" parameters), as `'application/json'`.
 */
function staticHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, `'${value}'`]));
}

/** API Gateway fills `$context.requestId` into a template when it answers. */
const REQUEST_ID = "$context.requestId";

/**
 * Access log fields. No header (the key travels in one), no body. Every value is quoted: API Gateway
 * writes `-` for a missing value, which would break JSON where a number was expected. The error
 * message is the exception: `$context.error.message` may hold quotes, which would break the line, so
 * it is logged as `$context.error.messageString`, which API Gateway writes already quoted.
 */
const ACCESS_LOG_FIELDS = {
  requestId: "$context.requestId",
  requestTime: "$context.requestTimeEpoch",
  ip: "$context.identity.sourceIp",
  method: "$context.httpMethod",
  resourcePath: "$context.resourcePath",
  path: "$context.path",
  status: "$context.status",
  protocol: "$context.protocol",
  responseLength: "$context.responseLength",
  latency: "$context.responseLatency",
  integrationLatency: "$context.integrationLatency",
  authorizerStatus: "$context.authorizer.status",
  authorizerLatency: "$context.authorizer.latency",
  orgId: "$context.authorizer.orgId",
  keyId: "$context.authorizer.keyId",
  iamCaller: "$context.identity.userArn",
  errorType: "$context.error.responseType",
  errorMessage: "$context.error.messageString",
};

/** Variables API Gateway writes as JSON strings of their own: never quoted again. */
const QUOTED_BY_API_GATEWAY = new Set(["$context.error.messageString"]);

/** The access-log line: a JSON object, each value quoted unless API Gateway quotes it itself. */
function accessLogFormat(fields: Record<string, string> = ACCESS_LOG_FIELDS): string {
  const members = Object.entries(fields).map(
    ([name, variable]) =>
      `${JSON.stringify(name)}:${QUOTED_BY_API_GATEWAY.has(variable) ? variable : JSON.stringify(variable)}`,
  );
  return `{${members.join(",")}}`;
}

export interface FynexApiProps {
  /** One stage, named after the environment. */
  stageName: string;
  executionLogging: "off" | "error";
  stageThrottle: { rateLimit: number; burstLimit: number };
  logRetention: RetentionDays;
  logRemovalPolicy: "destroy" | "retain";
  routes: readonly Route[];
  /** The function of each handler module named in `routes`. */
  functions: ReadonlyMap<string, IFunction>;
  /** The REQUEST authorizer of `apiKey` routes. */
  authorizer: IFunction;
  /** The user pool whose ID tokens the `cognito` routes (the console API) take. */
  consoleUserPool: IUserPool;
  /** Answers every undeclared path and method with the 404 envelope (`lambdas/not-found/not-found.handler`). */
  notFound: IFunction;
  /** Also serve the stage at the root of this domain (a base path mapping of `/` to the stage). */
  customDomain?: { domainName: string; certificateArn: string };
}

/**
 * The REST API: one regional stage, methods built from the route table, the API-key authorizer with
 * its cache off, IAM on admin routes, one 404 catch-all for every undeclared path and method, and
 * gateway responses that answer in the error envelope.
 */
export class FynexApi extends Construct {
  readonly restApi: RestApi;
  /** API Gateway's own answers: `allowConsoleOrigin` adds the page's CORS headers to each. */
  private readonly gatewayResponses: CfnGatewayResponse[] = [];
  /** The custom domain's own host name, the target of its DNS record: only with a custom domain. */
  readonly domainTarget?: string;

  constructor(scope: Construct, id: string, props: FynexApiProps) {
    super(scope, id);

    const accessLogs = new LogGroup(this, "AccessLogs", {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy === "retain" ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    this.restApi = new RestApi(this, "RestApi", {
      restApiName: Stack.of(this).stackName,
      description: "Fynex API: business routes behind API keys, admin routes behind IAM.",
      endpointTypes: [EndpointType.REGIONAL],
      failOnWarnings: true,
      // Access and execution logs need the account-wide API Gateway logging role. Retained: other
      // stacks in the same account rely on the same account setting.
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: props.stageName,
        // Data tracing would log request headers and bodies, keys included.
        dataTraceEnabled: false,
        loggingLevel: props.executionLogging === "error" ? MethodLoggingLevel.ERROR : MethodLoggingLevel.OFF,
        metricsEnabled: true,
        // X-Ray: the stage's segment links the client's request to the functions' traces.
        tracingEnabled: true,
        throttlingRateLimit: props.stageThrottle.rateLimit,
        throttlingBurstLimit: props.stageThrottle.burstLimit,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.custom(accessLogFormat()),
      },
    });

    if (props.executionLogging !== "off") this.ownExecutionLogs(props);

    // The stack outputs the URL under a stable name; RestApi's own output carries a hashed one.
    this.restApi.node.tryRemoveChild("Endpoint");
    this.acknowledgeNagRules();

    this.addGatewayResponses();
    this.addRoutes(props);
    this.addCatchAll(props.notFound);
    // Only this API may invoke what it integrates: an event forged by a direct invocation would be
    // trusted as what API Gateway verified (docs/DECISIONS.md #207).
    restrictInvokeToApi(this, this.restApi, [props.authorizer, props.notFound, ...props.functions.values()]);

    if (props.customDomain) {
      // Mapped at the root: `https://<domain>/api/v1/...`, the shape API.md documents, no stage in it.
      const domain = this.restApi.addDomainName("CustomDomain", {
        domainName: props.customDomain.domainName,
        certificate: Certificate.fromCertificateArn(this, "Certificate", props.customDomain.certificateArn),
        endpointType: EndpointType.REGIONAL,
        securityPolicy: SecurityPolicy.TLS_1_2,
      });
      this.domainTarget = domain.domainNameAliasDomainName;
    }
  }

  /**
   * API Gateway writes execution logs to `API-Gateway-Execution-Logs_<api id>/<stage>`, and creates
   * that group itself, with no retention, unless it exists. The stack makes it first, with the
   * environment's retention, and the stage waits for it.
   */
  private ownExecutionLogs(props: FynexApiProps): void {
    const logs = new LogGroup(this, "ExecutionLogs", {
      logGroupName: `API-Gateway-Execution-Logs_${this.restApi.restApiId}/${props.stageName}`,
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy === "retain" ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.restApi.deploymentStage.node.addDependency(logs);
  }

  /**
   * The `execute-api` ARN pattern of one org's admin routes on this stage, every method:
   * `arn:aws:execute-api:<region>:<account>:<api-id>/<stage>/<any method>/admin/v1/orgs/<orgId>/<anything>`,
   * with `*` for the method and for what follows the org. IAM's `*` matches any run of characters,
   * `/` included, so the trailing one covers the collection (`.../orgs/<orgId>/api-keys`), every key
   * below it and `.../orgs/<orgId>/audit-events`; and since the org id is followed by `/`, org `acme`
   * never matches `acme2`. `orgId` is an org id, or a policy variable such as
   * `${aws:PrincipalTag/orgId}` (one role for every tenant, scoped by session tags).
   */
  orgAdminArn(orgId: string): string {
    if (!ORG_ID.test(orgId) && !POLICY_VARIABLE.test(orgId)) {
      throw new Error(`Not an org id (1 to 64 of A-Za-z0-9_-) or an IAM policy variable: "${orgId}"`);
    }
    return this.restApi.arnForExecuteApi(
      "*",
      `/admin/v1/orgs/${orgId}/*`,
      this.restApi.deploymentStage.stageName,
    );
  }

  /**
   * Lets `grantee` call one org's admin routes on this stage (API.md §5), and nothing else of the API:
   * a tenant-facing console's role can then manage its own org's keys only.
   */
  grantOrgAdmin(grantee: IGrantable, orgId: string): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: ["execute-api:Invoke"],
      resourceArns: [this.orgAdminArn(orgId)],
    });
  }

  /**
   * cdk-nag AwsSolutions rules this API breaks by design, each with its reason, on the construct it
   * concerns. Per-method ones (public routes, the catch-all) are acknowledged where the method is added.
   */
  private acknowledgeNagRules(): void {
    const cloudWatchRole = this.restApi.node.tryFindChild("CloudWatchRole");
    if (cloudWatchRole) {
      Validations.of(cloudWatchRole).acknowledge({
        id: "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]",
        reason:
          "API Gateway's account-wide logging role (one per account and region, retained): the managed " +
          "policy is the one AWS documents for it, and it must write to every API's log groups in the " +
          "account, so no narrower resource can be named.",
      });
    }
    Validations.of(this.restApi).acknowledge(
      {
        id: "AwsSolutions-APIG2",
        reason:
          "Each handler validates its request against the route's zod schemas (the same schemas the local " +
          "runtime runs and the OpenAPI document is generated from) and answers 400 with field-level " +
          "details in the error envelope; API Gateway models would duplicate them as draft-04 JSON Schema " +
          "and answer BAD_REQUEST_BODY without the details.",
      },
      {
        id: "AwsSolutions-COG4",
        reason:
          "People use the console routes (/console/v1), which take the Cognito user-pool authorizer. The " +
          "other routes have no people behind them: business routes are called by integrations holding " +
          "Fynex API keys (the REQUEST Lambda authorizer), admin routes by operators signing with IAM.",
      },
    );
    Validations.of(this.restApi.deploymentStage).acknowledge({
      id: "AwsSolutions-APIG3",
      reason:
        "No WAF web ACL (yet): floods of forged keys meet the stage throttle (lib/config.ts) and each " +
        "key's window in the authorizer, and a malformed key is refused without a DynamoDB call. An " +
        "account-level web ACL (per-IP rate rules) is an operations decision with its own cost " +
        "(docs/DEPLOY.md).",
    });
  }

  /**
   * API Gateway's own answers, with the bodies the local runtime also answers. Gateway response
   * headers take only static values and request parameters, not `context.requestId`: the request id
   * reaches the client in the body (and in API Gateway's own `x-amzn-RequestId` header).
   */
  private addGatewayResponses(): void {
    for (const [type, answer] of Object.entries(GATEWAY_RESPONSES) as [
      GatewayResponseType,
      GatewayAnswer,
    ][]) {
      const response = this.restApi.addGatewayResponse(type, {
        type: ResponseType.of(type),
        statusCode: answer.statusCode === undefined ? undefined : String(answer.statusCode),
        responseHeaders: staticHeaders(gatewayAnswerHeaders(answer)),
        templates: { "application/json": gatewayAnswerBody(answer, REQUEST_ID) },
      });
      this.gatewayResponses.push(response.node.defaultChild as CfnGatewayResponse);
    }
  }

  /**
   * CORS for the console API (API.md §10): the page's origin, and no other, may call `/console/v1`
   * from a browser. The preflight is answered by API Gateway; the handler adds the origin to answers.
   */
  allowConsoleOrigin(origin: string): void {
    // API Gateway's own answers too (a 401 for an expired token above all), or the page cannot read them.
    const cors = staticHeaders(consoleCorsHeaders(origin));
    for (const response of this.gatewayResponses) {
      response.responseParameters = {
        ...(response.responseParameters as Record<string, string>),
        ...Object.fromEntries(
          Object.entries(cors).map(([name, value]) => [`gatewayresponse.header.${name}`, value]),
        ),
      };
    }
    // Gateway responses reach the stage with a deployment: a new origin must make a new one.
    this.restApi.latestDeployment?.addToLogicalId({ gatewayResponsesOrigin: origin });
    const consoleRoot = this.restApi.root.resourceForPath("/console/v1");
    const resources: IResource[] = [];
    const visit = (resource: IResource) => {
      resources.push(resource);
      for (const child of resource.node.children) if (child instanceof Resource) visit(child);
    };
    visit(consoleRoot);
    for (const resource of resources) {
      if (resource.node.tryFindChild("OPTIONS")) continue;
      const preflight = resource.addCorsPreflight({
        allowOrigins: [origin],
        allowMethods: [...CONSOLE_CORS.allowMethods],
        allowHeaders: [...CONSOLE_CORS.allowHeaders],
        maxAge: Duration.seconds(CONSOLE_CORS.maxAgeSeconds),
      });
      Validations.of(preflight).acknowledge(
        {
          id: "AwsSolutions-APIG4",
          reason:
            "A CORS preflight carries no credentials by definition; it answers the console's origin only.",
        },
        {
          id: "AwsSolutions-COG4",
          reason: "A CORS preflight carries no token by definition; it answers the console's origin only.",
        },
      );
    }
  }

  private addRoutes({ routes, functions, authorizer, consoleUserPool }: FynexApiProps): void {
    const apiKeyAuthorizer = new RequestAuthorizer(this, "ApiKeyAuthorizer", {
      handler: authorizer,
      identitySources: [IdentitySource.header(API_KEY_HEADER)],
      // A cached result would let a revoked key through and skip counting (DESIGN.md).
      resultsCacheTtl: Duration.seconds(0),
    });
    // The console's people: API Gateway checks the ID token and hands its claims to the handler.
    const consoleAuthorizer = new CognitoUserPoolsAuthorizer(this, "ConsoleAuthorizer", {
      cognitoUserPools: [consoleUserPool],
      identitySource: IdentitySource.header("Authorization"),
      resultsCacheTtl: Duration.seconds(0),
    });
    const methodOptions: Record<Route["auth"], MethodOptions> = {
      apiKey: { authorizationType: AuthorizationType.CUSTOM, authorizer: apiKeyAuthorizer },
      iam: { authorizationType: AuthorizationType.IAM },
      cognito: { authorizationType: AuthorizationType.COGNITO, authorizer: consoleAuthorizer },
      none: { authorizationType: AuthorizationType.NONE },
    };

    const integrations = new Map<string, Integration>();
    for (const route of routes) {
      const fn = functions.get(route.handler);
      if (!fn) throw new Error(`No function for handler module "${route.handler}"`);
      let integration = integrations.get(route.handler);
      if (!integration) {
        // No permission of its own: the function's one resource policy says who invokes it.
        integration = proxyIntegration(fn);
        integrations.set(route.handler, integration);
      }
      const method = this.restApi.root
        .resourceForPath(route.path)
        .addMethod(route.method, integration, methodOptions[route.auth]);
      if (route.auth === "none") {
        if (!route.publicBecause) {
          throw new Error(
            `Public route ${route.method} ${route.path} must say why it is public (publicBecause)`,
          );
        }
        Validations.of(method).acknowledge({
          id: "AwsSolutions-APIG4",
          reason: `Public route ${route.method} ${route.path}: ${route.publicBecause}`,
        });
      }
    }
  }

  /**
   * Undeclared methods and paths answer 404 `not_found` without authorization (API.md §3: before
   * anything else), from one catch-all: `ANY /{proxy+}` and `ANY /` (a greedy variable never matches
   * the root itself). API Gateway picks the declared resource and method when both match, and falls
   * back to the root's `{proxy+}` otherwise: a method a resource does not declare, a resource with no
   * method (`/api/v1`), a path that runs past a declared resource (`/api/v1/accounts/x/y`)
   * (docs/DECISIONS.md #122). A function answers, not a mock integration: a mock passes a body of a media
   * type it has no template for straight through and answers 500 to `text/plain`, CSV, XML or a form.
   * One catch-all rather than one per resource also keeps the method count down: many methods
   * created at once get the deploy throttled by API Gateway itself (aws-cdk#15573).
   */
  private addCatchAll(notFound: IFunction): void {
    const integration = proxyIntegration(notFound);
    const options: MethodOptions = { authorizationType: AuthorizationType.NONE };
    const methods = [
      this.restApi.root.addMethod("ANY", integration, options),
      this.restApi.root.addProxy({ anyMethod: false }).addMethod("ANY", integration, options),
    ];
    for (const method of methods) {
      Validations.of(method).acknowledge({
        id: "AwsSolutions-APIG4",
        reason:
          "Catch-all 404: answers undeclared paths and methods before any authorization (API.md §3), so " +
          "that a missing-token answer only ever means an unsigned admin call. Its function answers the " +
          "404 envelope and reads no body and no data.",
      });
    }
  }
}
