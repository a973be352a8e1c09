import middy from "@middy/core";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { SERVICE } from "../../../contract/metric-names";
import { type InputContext, type KeyRoute, schemaFor } from "../../../contract/routes/route";
import type { Clock, Runtime, Settings } from "../../../contract/runtime";
import * as z from "../../../contract/zod";
import { type AuthorizerContext, decodeContext } from "../api-keys/authorizer-context";
import { rateLimitHeaders } from "../api-keys/rate-limit-headers";
import { secondsUntil } from "../api-keys/rate-window";
import { type DataDeps, dataDepsOf } from "../dynamo/data-store";
import { requestTelemetry } from "../observability/telemetry";
import type { Failed } from "../outcome";
import { httpEnvelope } from "./envelope";
import { HttpError } from "./errors";
import { byField, failureError, inBody, inQuery, type Locate } from "./failures";
import type { HttpResult } from "./http-result";
import { requestState } from "./request-state";
import { parseJsonBody, parseQuery, parseRawBody, type RawBody } from "./validation";

/** What a business route's code receives: the caller's key (org, scopes), and its validated input. */
export interface RouteRequest<B, Q> {
  event: APIGatewayProxyEvent;
  auth: AuthorizerContext;
  body: B;
  query: Q;
  /** The body as text, for routes declared with a `raw` body (undefined otherwise). */
  raw?: RawBody;
  requestId: string;
  /** The instant the request is served at, epoch ms (from the function's clock). */
  now: number;
  /** The data table's store dependencies, built once, when the function started. */
  deps: DataDeps;
  /** The function's settings (a webhook route reads its URL policy there). */
  settings: Settings;
}

/** The body a declaration's JSON schema gives its route (undefined without one). */
export type BodyOf<R extends KeyRoute> = R["body"] extends { json: infer S }
  ? S extends z.ZodMiniType
    ? z.output<S>
    : S extends (context: InputContext) => infer T
      ? T extends z.ZodMiniType
        ? z.output<T>
        : never
      : never
  : undefined;

/** The query a declaration's schema gives its route (none without one). */
export type QueryOf<R extends KeyRoute> = R["query"] extends z.ZodMiniType
  ? z.output<R["query"]>
  : Record<string, never>;

const NO_QUERY = z.lazySchema(() => z.strictObject({}));

/**
 * Where a route's fields come from, for the details of a failure its store or service returns: the
 * parameters its query schema declares are `query.<name>`; any other field is the body's.
 */
function routeFields(query: z.ZodMiniType | undefined): Locate {
  const names = query instanceof z.ZodMiniObject ? Object.keys(query.shape) : [];
  return byField(Object.fromEntries(names.map((name) => [name, inQuery])), inBody);
}

/**
 * Checks of API.md §3 in their order, from the authorizer's (stringified) context: the address (403,
 * not counted), the limit (429 + Retry-After), then the scope the route declares (403).
 */
function keyGates(
  clock: Clock,
  scope: KeyRoute["scope"],
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
 * A business Lambda: the shared middy chain around a thin route function, for the route's declaration
 * (`contract/routes/<domain>.ts`). The chain checks the key's scope against the declared one, then
 * validates the declared input (413, 415, 400 before the route runs); the route returns an
 * `HttpResult`, or the failed outcome of its store or service as it is: the chain answers that through
 * the one mapping (`failureError`), with each field at the path the route took it from. Errors become
 * the envelope.
 * Answers the entry module's `createHandler`: given the function's runtime, it builds the data
 * table's dependencies (a start without `DATA_TABLE_NAME` fails, naming it) and the handler, once.
 */
export function apiRoute<R extends KeyRoute>(
  route: R,
  run: (request: RouteRequest<BodyOf<R>, QueryOf<R>>) => Promise<HttpResult | Failed>,
) {
  return (runtime: Runtime) => routeHandler(route, run, runtime, dataDepsOf(runtime));
}

function routeHandler<B, Q>(
  route: KeyRoute,
  run: (request: RouteRequest<B, Q>) => Promise<HttpResult | Failed>,
  { clock, settings }: Runtime,
  deps: DataDeps,
) {
  const { body: declaredBody, query: querySchema = NO_QUERY } = route;
  const json = declaredBody && "json" in declaredBody ? declaredBody : undefined;
  const rawTypes = declaredBody && "raw" in declaredBody ? Object.keys(declaredBody.raw) : undefined;
  // Where a webhook may point here: loopback only where the local runtime was told so (API.md §9).
  const webhookUrls = { allowLoopback: settings.webhooksAllowLoopback === true };
  // Read from the query schema at the first failure: building it at load is what z.lazySchema spares.
  let locate: Locate | undefined;
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
    .use(keyGates(clock, route.scope))
    .handler(async (event, context) => {
      const auth = requestState(context).auth ?? decodeContext(event.requestContext.authorizer);
      const now = clock();
      const body = (
        json
          ? parseJsonBody(event, schemaFor(json.json, { nowMs: now, webhookUrls }), {
              optional: json.optional,
            })
          : undefined
      ) as B;
      const raw = rawTypes ? parseRawBody(event, rawTypes) : undefined;
      const query = parseQuery(event, querySchema) as Q;
      const result = await run({
        event,
        auth,
        body,
        query,
        raw,
        requestId: event.requestContext.requestId,
        now,
        deps,
        settings,
      });
      if ("failure" in result) {
        locate ??= routeFields(route.query);
        throw failureError(result.failure, locate);
      }
      return result;
    });
}
