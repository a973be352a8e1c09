import { randomUUID, timingSafeEqual } from "node:crypto";
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import {
  CONSOLE_API_PREFIX,
  CONSOLE_CORS,
  CONSOLE_PAGE_PATH,
  consoleCorsHeaders,
} from "../../../contract/console";
import { ROUTES } from "../../../contract/routes";
import type { Runtime } from "../../../contract/runtime";
import {
  ADMIN_UNAUTHORIZED,
  GATEWAY_RESPONSES,
  type GatewayAnswer,
  gatewayAnswerBody,
  gatewayAnswerHeaders,
} from "../../gateway-responses";
import { loadHandler } from "../entry-modules";
import { allowedHosts, hostAllowed, refuseHost } from "../host-check";
import { failureFields, localLog } from "../log";
import { type AuthorizerHandler, runAuthorizer } from "./authorizer-step";
import type { CognitoStep } from "./cognito-step";
import { authorizerEvent, eventParts, lambdaContext, proxyEvent, type RequestFacts } from "./proxy-event";
import { CATCH_ALL_HANDLER, resolve, resourceTree } from "./routing";

/**
 * A small HTTP front that behaves as API Gateway's REST API does for everything the contract depends
 * on: routing from the route table (undeclared paths and methods to the catch-all function), 401
 * before the authorizer when `X-API-Key` is unusable, the REQUEST authorizer's outcomes (401 / 503),
 * its context stringified into `requestContext.authorizer`, proxy events shaped as
 * `test/fixtures/apigw-rest/` (see `proxy-event.ts`), the gateway responses' bodies with the request
 * id in `x-amzn-RequestId` (never `X-Request-Id`, which only functions set), the 10 MB payload
 * limit's plain-text 413, and the 413 of an event over Lambda's 6 MB payload. Admin routes take
 * `Authorization: Bearer <admin token>` in place of SigV4; console routes the ID token of the local
 * OpenID provider, checked as the Cognito authorizer checks it (`cognito-step.ts`). The page lives
 * on an origin of its own (`console-page.ts`): every gateway answer names it for CORS, the console
 * routes answer its preflight as the stack's mock does, and the page's old address redirects.
 */
export interface GatewayOptions {
  projectRoot: string;
  /** What each function's handler is built over (`createHandler`): the local clock, client and settings. */
  deps: Runtime;
  adminToken: string;
  host?: string;
  port?: number;
  stage?: string;
  /**
   * The page's origin (its own port): the only one CORS names, on the console's answers and on the
   * gateway's own, as the deployed gateway responses do (`lib/gateway-responses.ts`).
   */
  consoleOrigin: string;
  /** Verifies a console route's ID token, or refuses it (API Gateway's Cognito authorizer). */
  cognito: CognitoStep;
  /** Sees every event handed to a Lambda (tests hold them to `test/fixtures/apigw-rest/`). */
  observe?: (kind: "authorizer" | "integration", event: unknown) => void;
  /**
   * The time a function has, ms, as its context reports it (middy answers 500 just before it runs
   * out); API Gateway's 29 s integration timeout when absent. Only tests of what the largest requests
   * do lift it, so that a busy machine cannot fail them on time: speed is the benchmark's to measure
   * (docs/DECISIONS.md #161).
   */
  functionDeadlineMs?: number;
}

export interface LocalGateway {
  url: string;
  close(): Promise<void>;
}

/** API Gateway's own payload limit (bytes); the handlers enforce the contract's 1 MiB. */
export const GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;
/**
 * API Gateway's answer to a body over its limit: plain text, no envelope and no request id, which
 * gateway responses cannot reshape (docs/DECISIONS.md #108).
 */
export const BODY_TOO_LARGE = {
  statusCode: 413,
  contentType: "text; charset=utf-8",
  body: `HTTP content length exceeded ${GATEWAY_MAX_BODY_BYTES} bytes.`,
} as const;
/**
 * Lambda's synchronous payload limit (bytes): the proxy event, body and all, as JSON. API Gateway
 * takes up to 10 MB, so a body between the two passes its front and its authorizer, and the invoke
 * is refused.
 */
export const LAMBDA_MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;
/** Lambda refuses an event of the limit itself ("Request must be smaller than 6291456 bytes"). */
export const fitsLambdaPayload = (event: unknown): boolean =>
  Buffer.byteLength(JSON.stringify(event)) < LAMBDA_MAX_PAYLOAD_BYTES;
/**
 * What a REST API answers when the event is over Lambda's limit: 413 with API Gateway's own JSON,
 * not the envelope, since REQUEST_TOO_LARGE gateway responses cannot be customised (AWS's list of
 * gateway response types), and so no CORS header either (docs/DEPLOY.md, docs/DECISIONS.md #181).
 */
export const LAMBDA_PAYLOAD_TOO_LARGE = {
  statusCode: 413,
  headers: { "Content-Type": "application/json", "x-amzn-ErrorType": "BadRequestException" },
  body: '{"message": "Request Too Long"}',
} as const;
const AUTHORIZER_MODULE = "lambdas/authorizer/authorizer.handler";

type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

export async function startGateway(options: GatewayOptions): Promise<LocalGateway> {
  const stage = options.stage ?? "local";
  const tree = resourceTree(ROUTES);
  // One handler per module, built once over the local runtime's dependencies, as a function's cold start
  // builds one over its environment.
  const built = new Map<string, Promise<unknown>>();
  const load = (module: string) => {
    let handler = built.get(module);
    if (!handler) {
      handler = loadHandler(options.projectRoot, module, options.deps);
      built.set(module, handler);
    }
    return handler;
  };
  // Build every handler up front, as a deployed stage has them: the first request is not a cold start here.
  const handlers = [AUTHORIZER_MODULE, CATCH_ALL_HANDLER, ...ROUTES.map((route) => route.handler)];
  await Promise.all([...new Set(handlers)].map(load));
  const adminToken = Buffer.from(options.adminToken);
  // Known once listening (the port may be picked by the system); nothing is served before.
  let hosts = new Set<string>();

  // Requests being served: `close` lets them finish before the store under them is closed.
  const inFlight = new Set<Promise<void>>();
  const server: Server = createServer((req, res) => {
    const requestId = randomUUID();
    // DNS rebinding: a request naming another host reaches no handler (lib/local/host-check.ts).
    if (!hostAllowed(req, hosts)) return refuseHost(res, requestId);
    const served = serve(req, res, requestId).catch((error: unknown) => {
      localLog("error", "local gateway failed", failureFields(error));
      if (!res.headersSent)
        sendGatewayAnswer(res, GATEWAY_RESPONSES.DEFAULT_5XX, requestId, options.consoleOrigin);
    });
    inFlight.add(served);
    void served.finally(() => inFlight.delete(served));
  });
  // Requests Node's HTTP parser refuses before any route sees them still get the envelope.
  server.on("clientError", (error: Error & { code?: string }, socket: Socket) =>
    answerClientError(error, socket, options.consoleOrigin),
  );

  async function serve(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const startedMs = Date.now();
    const url = new URL(req.url ?? "/", "http://local");
    const method = (req.method ?? "GET").toUpperCase();
    const answer = (gateway: GatewayAnswer & { statusCode: number }) =>
      sendGatewayAnswer(res, gateway, requestId, options.consoleOrigin);

    // API Gateway's front measures the body before any routing or authorization.
    const body = await readBody(req);
    if (body === "too-large") {
      return send(
        res,
        BODY_TOO_LARGE.statusCode,
        { "Content-Type": BODY_TOO_LARGE.contentType },
        BODY_TOO_LARGE.body,
      );
    }
    if (consoleAnswer(res, method, url, options.consoleOrigin)) return;
    const resolved = resolve(tree, method, url.pathname);
    const facts: RequestFacts = { req, url, method, body, resolved, requestId, startedMs, stage };
    const parts = eventParts(facts);
    const route = resolved.route;

    if (route?.auth === "iam") {
      const presented = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
      if (!presented || !sameSecret(Buffer.from(presented), adminToken)) return answer(ADMIN_UNAUTHORIZED);
      // Deployed, this is the caller's IAM principal ARN; locally the admin is one person.
      parts.requestContext.identity.userArn = "local-admin";
    }

    if (route?.auth === "cognito") {
      // API Gateway's Cognito authorizer: 401 for a missing or dead token, else the ID token's claims.
      const claims = await options.cognito(req.headers.authorization);
      if (!claims) return answer(GATEWAY_RESPONSES.UNAUTHORIZED);
      parts.requestContext.authorizer = { claims };
    }

    if (route?.auth === "apiKey") {
      const handler = (await load(AUTHORIZER_MODULE)) as AuthorizerHandler;
      const observed: AuthorizerHandler = (event) => {
        options.observe?.("authorizer", event);
        return handler(event);
      };
      const step = await runAuthorizer(observed, authorizerEvent(facts, parts), requestId);
      if ("refused" in step) return answer(step.refused);
      parts.requestContext.authorizer = step.context;
    }

    const event = proxyEvent(facts, parts);
    if (!fitsLambdaPayload(event)) {
      const { statusCode, headers, body: tooLong } = LAMBDA_PAYLOAD_TOO_LARGE;
      return send(res, statusCode, { ...headers, "x-amzn-RequestId": requestId }, tooLong);
    }
    options.observe?.("integration", event);
    const module = route?.handler ?? CATCH_ALL_HANDLER;
    let result: APIGatewayProxyResult;
    try {
      const handler = (await load(module)) as ProxyHandler;
      result = await handler(event, lambdaContext(requestId, module, options.functionDeadlineMs));
    } catch (error) {
      localLog("error", "integration failed", { requestId, ...failureFields(error) });
      return answer(GATEWAY_RESPONSES.INTEGRATION_FAILURE);
    }
    sendProxyResult(res, result, requestId);
  }

  await new Promise<void>((resolvePromise) =>
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolvePromise),
  );
  const address = server.address() as AddressInfo;
  hosts = allowedHosts(options.host, address.port);
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: async () => {
      await new Promise<void>((resolvePromise, reject) => {
        server.close((error) => (error ? reject(error) : resolvePromise()));
        server.closeAllConnections();
      });
      await Promise.allSettled([...inFlight]);
    },
  };
}

/**
 * The console's answers that no function gives: the page's old address on the API's origin redirects
 * to the page's own origin (302), and the console routes' CORS preflight is answered as the stack's
 * mock integration answers it. True when answered.
 */
function consoleAnswer(res: ServerResponse, method: string, url: URL, consoleOrigin: string): boolean {
  const path = url.pathname;
  if (
    (method === "GET" || method === "HEAD") &&
    (path === CONSOLE_PAGE_PATH || path.startsWith(`${CONSOLE_PAGE_PATH}/`))
  ) {
    send(res, 302, { Location: `${consoleOrigin}${path}${url.search}` }, "");
    return true;
  }
  if (method === "OPTIONS" && (path === CONSOLE_API_PREFIX || path.startsWith(`${CONSOLE_API_PREFIX}/`))) {
    send(
      res,
      204,
      {
        ...consoleCorsHeaders(consoleOrigin),
        "Access-Control-Allow-Methods": CONSOLE_CORS.allowMethods.join(","),
        "Access-Control-Allow-Headers": CONSOLE_CORS.allowHeaders.join(","),
        "Access-Control-Max-Age": String(CONSOLE_CORS.maxAgeSeconds),
      },
      "",
    );
    return true;
  }
  return false;
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
 * here they get the envelope, as a gateway answer: 413 for headers too large, 400 for the rest.
 */
function answerClientError(
  error: Error & { code?: string },
  socket: Socket,
  consoleOrigin: string | undefined,
): void {
  if (!socket.writable || !error.code?.startsWith("HPE_")) {
    socket.destroy();
    return;
  }
  const answer =
    error.code === "HPE_HEADER_OVERFLOW" ? GATEWAY_RESPONSES.REQUEST_TOO_LARGE : MALFORMED_REQUEST;
  const requestId = randomUUID();
  const body = gatewayAnswerBody(answer, requestId);
  const headers = Object.entries(gatewayAnswerHeaders(answer, consoleOrigin)).map(([n, v]) => `${n}: ${v}`);
  socket.end(
    [
      `HTTP/1.1 ${answer.statusCode} ${STATUS_CODES[answer.statusCode]}`,
      ...headers,
      `Content-Length: ${Buffer.byteLength(body)}`,
      `x-amzn-RequestId: ${requestId}`,
      "Connection: close",
      "",
      body,
    ].join("\r\n"),
  );
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

function sameSecret(presented: Buffer, expected: Buffer): boolean {
  return presented.length === expected.length && timingSafeEqual(presented, expected);
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

/**
 * A gateway response: the envelope with the request id in the body and in `x-amzn-RequestId`, which
 * API Gateway adds to every answer. No `X-Request-Id`: deployed, a gateway response cannot set a
 * header from the request id (API.md §3).
 */
function sendGatewayAnswer(
  res: ServerResponse,
  gateway: GatewayAnswer & { statusCode: number },
  requestId: string,
  consoleOrigin: string | undefined,
) {
  send(
    res,
    gateway.statusCode,
    { ...gatewayAnswerHeaders(gateway, consoleOrigin), "x-amzn-RequestId": requestId },
    gatewayAnswerBody(gateway, requestId),
  );
}

/** A function's answer as API Gateway relays it, with its own `x-amzn-RequestId` added. */
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
