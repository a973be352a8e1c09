import middy from "@middy/core";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import * as z from "zod";
import { SERVICE } from "../../../contract/metric-names";
import { findRoute } from "../../../contract/routes";
import type { Clock, Runtime, Settings } from "../../../contract/runtime";
import { type AuthorizerContext, decodeContext } from "../api-keys/authorizer-context";
import { rateLimitHeaders } from "../api-keys/rate-limit-headers";
import { secondsUntil } from "../api-keys/rate-window";
import { type DataDeps, dataDepsOf } from "../dynamo/data-store";
import { requestTelemetry } from "../observability/telemetry";
import type { Failed } from "../outcome";
import { httpEnvelope } from "./envelope";
import { HttpError } from "./errors";
import { byField, failureError, inBody, inQuery, type Locate } from "./failures";
import { requestState } from "./request-state";
import type { HttpResult } from "./response";
import { parseJsonBody, parseQuery, parseRawBody, type RawBody } from "./validation";

/** What a business route's code receives: the caller's key (org, scopes), and its validated input. */
export interface RouteRequest<B, Q> {
  event: APIGatewayProxyEvent;
  auth: AuthorizerContext;
  body: B;
  query: Q;
  /** The body as text, for routes declared with `rawBody` (undefined otherwise). */
  raw?: RawBody;
  requestId: string;
  /** The instant the request is served at, epoch ms (from the function's clock). */
  now: number;
  /** The data table's store dependencies, built once, when the function started. */
  deps: DataDeps;
  /** The function's settings (a webhook route reads its URL policy there). */
  settings: Settings;
}

export interface RouteSpec<B, Q> {
  /** JSON body schema; routes without one ignore the body. */
  body?: z.ZodType<B>;
  /** Every field of the body is optional: no body means `{}`. */
  bodyOptional?: boolean;
  /** Query schema; without one, any query parameter is a 400. */
  query?: z.ZodType<Q>;
  /** The route parses the body itself (import's JSON or CSV): the media types it accepts. */
  rawBody?: readonly string[];
}

const NO_QUERY = z.strictObject({});

/**
 * Where a route's fields come from, for the details of a failure its store or service returns: the
 * parameters its query schema declares are `query.<name>`; any other field is the body's.
 */
function routeFields(query: z.ZodType | undefined): Locate {
  const names = query instanceof z.ZodObject ? Object.keys(query.shape) : [];
  return byField(Object.fromEntries(names.map((name) => [name, inQuery])), inBody);
}

/**
 * Checks of API.md §3 in their order, from the authorizer's (stringified) context: the address (403,
 * not counted), the limit (429 + Retry-After), then the route's scope from the route table (403).
 */
function keyGates(
  clock: Clock,
): middy.MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult | HttpResult> {
  return {
    before: (request) => {
      const { event } = request;
      // Decoded once, for the headers, the log line and the route that follow.
      const auth = decodeContext(event.requestContext.authorizer);
      requestState(request.context).auth = auth;
      if (!auth.ipAllowed) {
        throw new HttpError("ip_not_allowed", "This key may not be used from your address.");
      }
      if (auth.throttled) {
        const retryAfter = secondsUntil(auth.resetAt, clock());
        throw new HttpError("rate_limited", `Rate limit exceeded; retry in ${retryAfter} seconds.`, {
          headers: { "Retry-After": String(retryAfter) },
        });
      }
      const scope = findRoute(event.httpMethod, event.resource)?.scope;
      if (!scope) throw new Error(`no scope declared for ${event.httpMethod} ${event.resource}`);
      if (!auth.scopes.includes(scope)) {
        throw new HttpError(
          "insufficient_scope",
          `This key lacks the scope "${scope}" that this route needs.`,
        );
      }
    },
  };
}

/**
 * A business Lambda: the shared middy chain around a thin route function. The route gets its input
 * validated (413, 415, 400 before it runs) and returns an `HttpResult`, or the failed outcome of its
 * store or service as it is: the chain answers that through the one mapping (`failureError`), with
 * each field at the path the route took it from. Errors become the envelope.
 * Answers the entry module's `createHandler`: given the function's runtime, it builds the data
 * table's dependencies (a start without `DATA_TABLE_NAME` fails, naming it) and the handler, once.
 */
export function apiRoute<B = undefined, Q = Record<string, never>>(
  spec: RouteSpec<B, Q>,
  run: (request: RouteRequest<B, Q>) => Promise<HttpResult | Failed>,
) {
  return (runtime: Runtime) => routeHandler(spec, run, runtime, dataDepsOf(runtime));
}

function routeHandler<B, Q>(
  spec: RouteSpec<B, Q>,
  run: (request: RouteRequest<B, Q>) => Promise<HttpResult | Failed>,
  { clock, settings }: Runtime,
  deps: DataDeps,
) {
  const locate = routeFields(spec.query);
  return middy<APIGatewayProxyEvent, APIGatewayProxyResult | HttpResult>()
    .use(
      requestTelemetry(SERVICE.api, settings, (request) => {
        const { auth } = requestState(request.context);
        return { orgId: auth?.orgId, keyId: auth?.keyId };
      }),
    )
    .use(
      httpEnvelope({
        headers: (request) => {
          const { auth } = requestState(request.context);
          return auth ? rateLimitHeaders(auth, clock()) : {};
        },
      }),
    )
    .use(keyGates(clock))
    .handler(async (event, context) => {
      const auth = requestState(context).auth ?? decodeContext(event.requestContext.authorizer);
      const body = (
        spec.body ? parseJsonBody(event, spec.body, { optional: spec.bodyOptional }) : undefined
      ) as B;
      const raw = spec.rawBody ? parseRawBody(event, spec.rawBody) : undefined;
      const query = parseQuery(event, spec.query ?? NO_QUERY) as Q;
      const result = await run({
        event,
        auth,
        body,
        query,
        raw,
        requestId: event.requestContext.requestId,
        now: clock(),
        deps,
        settings,
      });
      if ("failure" in result) throw failureError(result.failure, locate);
      return result;
    });
}
