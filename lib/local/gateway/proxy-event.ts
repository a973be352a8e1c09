import type { IncomingMessage } from "node:http";
import type { APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent, Context } from "aws-lambda";
import type { Resolved } from "./routing";

export const ACCOUNT_ID = "123456789012";
export const API_ID = "local";

/** What the front knows about a request once it has read it. */
export interface RequestFacts {
  req: IncomingMessage;
  url: URL;
  method: string;
  /** The body as received, `""` when none. */
  body: string;
  resolved: Resolved;
  requestId: string;
  startedMs: number;
  stage: string;
}

/**
 * The parts of a REST proxy event both the authorizer and the integration receive, in the shapes
 * of `test/fixtures/apigw-rest/`: header names as sent, `multiValueHeaders`, query and path
 * parameters, `requestContext` with `sourceIp`, `requestId`, `resourcePath` and `stage`.
 */
export function eventParts(facts: RequestFacts) {
  const { req, url, method, resolved, requestId, startedMs, stage } = facts;
  const { headers, multiValueHeaders } = headersAsSent(req);
  const query = queryOf(url);
  const sourceIp = (req.socket.remoteAddress ?? "127.0.0.1").replace(/^::ffff:(?=\d+\.)/, "");
  const userAgent = headers["User-Agent"] ?? headers["user-agent"] ?? null;
  const requestContext = {
    resourceId: "local",
    resourcePath: resolved.resource,
    httpMethod: method,
    extendedRequestId: requestId,
    requestTime: new Date(startedMs).toUTCString(),
    // The path the client called: the local runtime serves the API at its root, as a custom domain
    // mapped at the root does, so no stage here (links are built from it, API.md §6).
    path: url.pathname,
    accountId: ACCOUNT_ID,
    protocol: `HTTP/${req.httpVersion}`,
    stage,
    domainPrefix: "localhost",
    requestTimeEpoch: startedMs,
    requestId,
    identity: {
      cognitoIdentityPoolId: null,
      accountId: null,
      cognitoIdentityId: null,
      caller: null,
      sourceIp,
      principalOrgId: null,
      accessKey: null,
      cognitoAuthenticationType: null,
      cognitoAuthenticationProvider: null,
      userArn: null as string | null,
      userAgent,
      user: null,
      apiKey: null,
      apiKeyId: null,
      clientCert: null,
    },
    domainName: req.headers.host ?? "localhost",
    deploymentId: "local",
    apiId: API_ID,
    // The REQUEST authorizer's context (strings), or the Cognito authorizer's `{ claims }`.
    authorizer: undefined as Record<string, unknown> | undefined,
  };
  const common = {
    resource: resolved.resource,
    path: url.pathname,
    httpMethod: method,
    headers,
    multiValueHeaders,
    queryStringParameters: query.single,
    multiValueQueryStringParameters: query.multi,
    pathParameters: resolved.pathParameters,
    stageVariables: null,
  };
  return { common, requestContext };
}

export type EventParts = ReturnType<typeof eventParts>;

/** The REQUEST authorizer's event: the common parts, the method ARN, no `authorizer` in the context. */
export function authorizerEvent(facts: RequestFacts, parts: EventParts): APIGatewayRequestAuthorizerEvent {
  const { authorizer, ...contextWithoutAuthorizer } = parts.requestContext;
  const { method, url, stage } = facts;
  return {
    type: "REQUEST",
    methodArn: `arn:aws:execute-api:local:${ACCOUNT_ID}:${API_ID}/${stage}/${method}${url.pathname}`,
    ...parts.common,
    requestContext: contextWithoutAuthorizer,
  } as unknown as APIGatewayRequestAuthorizerEvent;
}

/** The integration's proxy event: `body` null when empty, never base64 (no binary media types). */
export function proxyEvent(facts: RequestFacts, parts: EventParts): APIGatewayProxyEvent {
  return {
    ...parts.common,
    requestContext: parts.requestContext,
    body: facts.body === "" ? null : facts.body,
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEvent;
}

/**
 * Header names exactly as the client sent them; `headers` keeps the last value of a repeated name.
 * Collected in maps, not objects: a name such as `__proto__` or `constructor` is a name like any other
 * (the objects are then built as JSON.parse builds API Gateway's event, with own properties).
 */
function headersAsSent(req: IncomingMessage) {
  const multi = new Map<string, string[]>();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i] as string;
    multi.set(name, [...(multi.get(name) ?? []), req.rawHeaders[i + 1] as string]);
  }
  return {
    headers: Object.fromEntries([...multi].map(([name, values]) => [name, values.at(-1) as string])),
    multiValueHeaders: Object.fromEntries(multi),
  };
}

/** API Gateway gives `null`, not `{}`, when there is no query string. Maps for the same reason as headers. */
function queryOf(url: URL) {
  const multi = new Map<string, string[]>();
  for (const [name, value] of url.searchParams) multi.set(name, [...(multi.get(name) ?? []), value]);
  if (multi.size === 0) return { single: null, multi: null };
  const single = Object.fromEntries([...multi].map(([name, values]) => [name, values.at(-1) as string]));
  return { single, multi: Object.fromEntries(multi) };
}

/**
 * The Lambda context a handler receives; `awsRequestId` is the gateway's request id here, and the time
 * left counts down from `deadlineMs` (API Gateway's 29 s integration timeout unless a test lifts it).
 */
export function lambdaContext(requestId: string, functionName: string, deadlineMs = 29_000): Context {
  const endsAt = Date.now() + deadlineMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:local:${ACCOUNT_ID}:function:${functionName}`,
    memoryLimitInMB: "512",
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => Math.max(0, endsAt - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
