import { randomUUID, timingSafeEqual } from "node:crypto";
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type {
  APIGatewayAuthorizerResult,
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  APIGatewayRequestAuthorizerEvent,
  Context,
} from "aws-lambda";
import { ROUTES, type Route } from "../../contract/routes";
import { headerValues } from "../../lambdas/shared/http/headers";
import { errorFields, log } from "../../lambdas/shared/observability/log";
import {
  ADMIN_UNAUTHORIZED,
  GATEWAY_RESPONSES,
  type GatewayAnswer,
  gatewayAnswerBody,
  NOT_FOUND,
} from "../gateway-responses";
import { serveConsolePage } from "./console-page";
import { consoleSessions } from "./console-sessions";

/**
 * A small HTTP front that behaves as API Gateway's REST API does for everything the contract depends
 * on: routing from the route table, 401 before the authorizer when `X-API-Key` is missing or empty,
 * the REQUEST authorizer's outcomes (401 / 503), its context stringified into
 * `requestContext.authorizer`, proxy events shaped as `test/fixtures/apigw-rest/` (header names as
 * sent, `multiValueHeaders`, query and path parameters, `sourceIp`, `requestId`, `resourcePath`,
 * `stage`), the gateway responses' bodies, its 10 MB payload limit, and 404 from the catch-all.
 * Admin routes take `Authorization: Bearer <admin token>` in place of SigV4.
 */
export interface GatewayOptions {
  projectRoot: string;
  adminToken: string;
  host?: string;
  port?: number;
  stage?: string;
  /** Sees every event handed to a Lambda (tests hold them to `test/fixtures/apigw-rest/`). */
  observe?: (kind: "authorizer" | "integration", event: unknown) => void;
}

export interface LocalGateway {
  url: string;
  close(): Promise<void>;
}

/** API Gateway's own payload limit; the handlers enforce the contract's 1 MiB. */
const GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;
const AUTHORIZER_MODULE = "lambdas/authorizer/handler";
const ACCOUNT_ID = "123456789012";
const API_ID = "local";

type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
type AuthorizerHandler = (event: APIGatewayRequestAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;

interface CompiledRoute {
  route: Route;
  pattern: RegExp;
  params: string[];
}

function compile(route: Route): CompiledRoute {
  const params: string[] = [];
  const source = route.path
    .split("/")
    .map((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment);
      if (!param?.[1]) return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      params.push(param[1]);
      return "([^/]+)";
    })
    .join("/");
  return { route, pattern: new RegExp(`^${source}$`), params };
}

export async function startGateway(options: GatewayOptions): Promise<LocalGateway> {
  const stage = options.stage ?? "local";
  const compiled = ROUTES.map(compile);
  const modules = new Map<string, Promise<{ handler: unknown }>>();
  const load = (module: string) => {
    let loaded = modules.get(module);
    if (!loaded) {
      loaded = import(pathToFileURL(join(options.projectRoot, `${module}.ts`)).href);
      modules.set(module, loaded);
    }
    return loaded;
  };
  // Load every handler up front, as a deployed stage has them: the first request is not a cold start here.
  await Promise.all([AUTHORIZER_MODULE, ...new Set(ROUTES.map((route) => route.handler))].map(load));
  const adminToken = Buffer.from(options.adminToken);
  const sessions = consoleSessions(options.adminToken);

  // Requests being served: `close` lets them finish before the store under them is closed.
  const inFlight = new Set<Promise<void>>();
  const server: Server = createServer((req, res) => {
    const served = serve(req, res).catch((error: unknown) => {
      log("error", "local gateway failed", errorFields(error));
      if (!res.headersSent)
        send(
          res,
          500,
          { "Content-Type": "application/json" },
          gatewayAnswerBody(GATEWAY_RESPONSES.DEFAULT_5XX, ""),
        );
    });
    inFlight.add(served);
    void served.finally(() => inFlight.delete(served));
  });
  // Requests Node's HTTP parser refuses before any route sees them still get the envelope.
  server.on("clientError", answerClientError);

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const started = Date.now();
    const url = new URL(req.url ?? "/", "http://local");
    const method = (req.method ?? "GET").toUpperCase();
    const answer = (gateway: GatewayAnswer & { statusCode: number }) =>
      send(
        res,
        gateway.statusCode,
        { "Content-Type": "application/json", "X-Request-Id": requestId, ...gateway.headers },
        gatewayAnswerBody(gateway, requestId),
      );

    // The console's page and sign-in (API.md §10) are served beside the API, on the same origin.
    if (
      await serveConsolePage(
        { projectRoot: options.projectRoot, sessions },
        req,
        res,
        url.pathname,
        requestId,
      )
    )
      return;
    const match = findMatch(compiled, method, url.pathname);
    if (!match) {
      req.resume();
      return answer(NOT_FOUND);
    }
    const body = await readBody(req);
    if (body === "too-large") return answer(GATEWAY_RESPONSES.REQUEST_TOO_LARGE);

    const { headers, multiValueHeaders } = headersAsSent(req);
    const query = queryOf(url);
    const sourceIp = (req.socket.remoteAddress ?? "127.0.0.1").replace(/^::ffff:(?=\d+\.)/, "");
    const userAgent = headers["User-Agent"] ?? headers["user-agent"] ?? null;
    const requestContext = {
      resourceId: "local",
      resourcePath: match.route.path,
      httpMethod: method,
      extendedRequestId: requestId,
      requestTime: new Date(started).toUTCString(),
      path: `/${stage}${url.pathname}`,
      accountId: ACCOUNT_ID,
      protocol: `HTTP/${req.httpVersion}`,
      stage,
      domainPrefix: "localhost",
      requestTimeEpoch: started,
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
      authorizer: undefined as Record<string, unknown> | undefined,
    };
    const common = {
      resource: match.route.path,
      path: url.pathname,
      httpMethod: method,
      headers,
      multiValueHeaders,
      queryStringParameters: query.single,
      multiValueQueryStringParameters: query.multi,
      pathParameters: match.pathParameters,
      stageVariables: null,
    };

    if (match.route.auth === "iam") {
      const presented = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
      if (!presented || !sameSecret(Buffer.from(presented), adminToken)) return answer(ADMIN_UNAUTHORIZED);
      // Deployed, this is the caller's IAM principal ARN; locally the admin is one person.
      requestContext.identity.userArn = "local-admin";
    }

    if (match.route.auth === "cognito") {
      // API Gateway's Cognito authorizer: 401 for a missing or dead token, else the ID token's claims.
      const claims = sessions.claims(req.headers.authorization);
      if (!claims) return answer(GATEWAY_RESPONSES.UNAUTHORIZED);
      requestContext.authorizer = { claims };
    }

    if (match.route.auth === "apiKey") {
      // API Gateway answers 401 itself, without calling the authorizer, when the identity source is absent.
      if (!headerValues({ headers, multiValueHeaders }, "x-api-key").some((value) => value !== "")) {
        return answer(GATEWAY_RESPONSES.UNAUTHORIZED);
      }
      const { authorizer, ...contextWithoutAuthorizer } = requestContext;
      const authorizerEvent = {
        type: "REQUEST",
        methodArn: `arn:aws:execute-api:local:${ACCOUNT_ID}:${API_ID}/${stage}/${method}${url.pathname}`,
        ...common,
        requestContext: contextWithoutAuthorizer,
      } as unknown as APIGatewayRequestAuthorizerEvent;
      options.observe?.("authorizer", authorizerEvent);
      const authStarted = Date.now();
      let result: APIGatewayAuthorizerResult;
      try {
        const { handler } = (await load(AUTHORIZER_MODULE)) as { handler: AuthorizerHandler };
        result = await handler(authorizerEvent);
      } catch (error) {
        if (error instanceof Error && error.message === "Unauthorized")
          return answer(GATEWAY_RESPONSES.UNAUTHORIZED);
        log("error", "authorizer failed", { requestId, ...errorFields(error) });
        return answer(GATEWAY_RESPONSES.AUTHORIZER_FAILURE);
      }
      if (!allows(result)) return answer(GATEWAY_RESPONSES.ACCESS_DENIED);
      // API Gateway hands every context value to the integration as a string.
      requestContext.authorizer = {
        ...Object.fromEntries(
          Object.entries(result.context ?? {}).map(([name, value]) => [name, String(value)]),
        ),
        principalId: result.principalId,
        integrationLatency: Date.now() - authStarted,
      };
    }

    const event = {
      ...common,
      requestContext,
      body: body === "" ? null : body,
      isBase64Encoded: false,
    } as unknown as APIGatewayProxyEvent;
    options.observe?.("integration", event);
    let result: APIGatewayProxyResult;
    try {
      const { handler } = (await load(match.route.handler)) as { handler: ProxyHandler };
      result = await handler(event, lambdaContext(requestId, match.route.handler));
    } catch (error) {
      log("error", "integration failed", { requestId, ...errorFields(error) });
      return answer(GATEWAY_RESPONSES.INTEGRATION_FAILURE);
    }
    sendProxyResult(res, result, requestId);
  }

  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve),
  );
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: async () => {
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      await Promise.allSettled([...inFlight]);
    },
  };
}

/** The answer to a request Node's parser refused (not valid HTTP), in the envelope of API.md §4. */
const MALFORMED_REQUEST = {
  statusCode: 400,
  code: "validation_error",
  message: "The request is not valid HTTP.",
} as const satisfies GatewayAnswer;

/**
 * Node answers a request it cannot parse (headers over its 16 KiB limit, control characters in a
 * header, a broken request line) itself, with an empty body. API Gateway's front refuses those too;
 * here they get the envelope: 413 for headers too large, 400 for the rest.
 */
function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable || !error.code?.startsWith("HPE_")) {
    socket.destroy();
    return;
  }
  const answer =
    error.code === "HPE_HEADER_OVERFLOW" ? GATEWAY_RESPONSES.REQUEST_TOO_LARGE : MALFORMED_REQUEST;
  const requestId = randomUUID();
  const body = gatewayAnswerBody(answer, requestId);
  socket.end(
    [
      `HTTP/1.1 ${answer.statusCode} ${STATUS_CODES[answer.statusCode]}`,
      "Content-Type: application/json",
      `Content-Length: ${Buffer.byteLength(body)}`,
      `X-Request-Id: ${requestId}`,
      "Connection: close",
      "",
      body,
    ].join("\r\n"),
  );
}

function findMatch(
  compiled: CompiledRoute[],
  method: string,
  pathname: string,
): { route: Route; pathParameters: Record<string, string> | null } | undefined {
  for (const { route, pattern, params } of compiled) {
    if (route.method !== method) continue;
    const found = pattern.exec(pathname);
    if (!found) continue;
    const values: Record<string, string> = {};
    try {
      params.forEach((name, index) => {
        values[name] = decodeURIComponent(found[index + 1] ?? "");
      });
    } catch {
      return undefined;
    }
    return { route, pathParameters: params.length > 0 ? values : null };
  }
  return undefined;
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

async function readBody(req: IncomingMessage): Promise<string | "too-large"> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > GATEWAY_MAX_BODY_BYTES) {
      req.resume();
      return "too-large";
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function allows(result: APIGatewayAuthorizerResult): boolean {
  const statements = result.policyDocument?.Statement ?? [];
  return statements.length > 0 && statements.every((statement) => statement.Effect === "Allow");
}

function sameSecret(presented: Buffer, expected: Buffer): boolean {
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

function lambdaContext(requestId: string, functionName: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:local:${ACCOUNT_ID}:function:${functionName}`,
    memoryLimitInMB: "512",
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => 29_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function send(
  res: ServerResponse,
  statusCode: number,
  headers: Record<string, string | string[]>,
  body: string | Buffer,
) {
  res.writeHead(statusCode, { ...headers, "Content-Length": Buffer.byteLength(body) });
  res.end(body);
}

function sendProxyResult(res: ServerResponse, result: APIGatewayProxyResult, requestId: string) {
  const headers: Record<string, string | string[]> = { "x-amzn-RequestId": requestId };
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {}))
    headers[name] = values.map(String);
  send(
    res,
    result.statusCode,
    headers,
    Buffer.from(result.body ?? "", result.isBase64Encoded ? "base64" : "utf8"),
  );
}
