import * as z from "zod";
import {
  createDocument,
  type oas31,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponseObject,
} from "zod-openapi";
import { ROUTES, type Route } from "../../contract/routes";
import {
  type InputContext,
  PATH_PARAMETERS,
  pathParameterNames,
  schemaFor,
  TAGS,
} from "../../contract/routes/route";
import { accountSchema } from "../../contract/schemas/accounts";
import {
  auditEventSchema,
  createdKeySchema,
  keyRecordSchema,
  rotatedKeySchema,
  tokenLabelSchema,
} from "../../contract/schemas/answers";
import { contactSchema } from "../../contract/schemas/contacts";
import { importResultSchema } from "../../contract/schemas/import";
import { interactionSchema } from "../../contract/schemas/interactions";
import { paymentSchema } from "../../contract/schemas/payments";
import { createdWebhookSchema, webhookSchema } from "../../contract/schemas/webhooks";
import { errorEnvelopeSchema } from "./doc-schemas";

/**
 * The OpenAPI 3.1 document of the whole API, generated from the route table alone (zod-openapi): each
 * declaration names its summary, the schemas its handler validates with and those it answers.
 * Served at `GET /api/v1/openapi.json`, committed as `docs/openapi.json` (`npm run openapi`); a test
 * fails when the two drift.
 */
export const API_VERSION = "1.0.0";

const errorBody = { "application/json": { schema: errorEnvelopeSchema } };
const retryAfter = z.object({
  "Retry-After": z.int().min(1).meta({ description: "Whole seconds to wait before trying again." }),
});

function errorResponse(id: string, description: string, headers?: z.ZodObject): ZodOpenApiResponseObject {
  return { id, description, content: errorBody, ...(headers ? { headers } : {}) };
}

/** The error answers, one component each, all in the envelope of API.md §4. */
const ERROR_RESPONSES: Record<number, ZodOpenApiResponseObject> = {
  400: errorResponse(
    "ValidationError",
    "`validation_error`: the body, a query parameter or a header is not valid; `details` names each problem.",
  ),
  401: errorResponse(
    "Unauthorized",
    "`unauthorized`: the key (or, locally, the admin token) is missing, malformed, unknown, expired or revoked.",
  ),
  403: errorResponse(
    "Forbidden",
    "`insufficient_scope` (the message names the scope needed), `ip_not_allowed` (the key's allowlist), or " +
      "`forbidden` (an admin call with a bad, expired or missing SigV4 signature).",
  ),
  404: errorResponse("NotFound", "`not_found`: no such resource in the caller's org."),
  409: errorResponse("Conflict", "`conflict`: the request clashes with the resource's state."),
  413: errorResponse("PayloadTooLarge", "`payload_too_large`: the body is over 1 MiB."),
  415: errorResponse(
    "UnsupportedMediaType",
    "`unsupported_media_type`: send the body as the route's media type.",
  ),
  429: errorResponse(
    "RateLimited",
    "`rate_limited`: the key is over its limit in the current window; follow Retry-After.",
    retryAfter,
  ),
  500: errorResponse(
    "InternalError",
    "`internal_error`: something went wrong on our side; nothing more is said.",
  ),
  503: errorResponse(
    "Unavailable",
    "`unavailable`: storage could not be reached; follow Retry-After.",
    retryAfter,
  ),
};

const DEFAULT_RESPONSE = errorResponse(
  "Error",
  "Any other error, in the same envelope: API Gateway's own answers included (502 `bad_gateway`, 504 `timeout`).",
);

/** Response headers, each one component. */
const HEADERS = {
  "X-Request-Id": z.string().meta({ description: "The request's id; error bodies repeat it." }),
  "RateLimit-Policy": z.string().meta({ description: '`"default";q=<limit>;w=<window seconds>`.' }),
  RateLimit: z.string().meta({ description: '`"default";r=<remaining>;t=<seconds until the window ends>`.' }),
  "X-RateLimit-Limit": z.int().min(1).meta({ description: "Requests allowed per window." }),
  "X-RateLimit-Remaining": z
    .int()
    .min(0)
    .meta({ description: "Requests left in this window, this one spent." }),
  "X-RateLimit-Reset": z.int().min(0).meta({ description: "When the window ends, epoch seconds." }),
};

const requestIdHeader = z.object({ "X-Request-Id": HEADERS["X-Request-Id"] });

/** The IETF RateLimit fields and their GitHub-style twins (API.md §3), on every answer to a live key. */
const rateLimitHeaders = z.object(HEADERS);

const SECURITY_SCHEMES: Record<string, oas31.SecuritySchemeObject> = {
  ApiKey: {
    type: "apiKey",
    in: "header",
    name: "X-API-Key",
    description:
      "A Fynex key (`fynex_k_` + 49 base62 characters) on every `/api/v1/*` request but this document. " +
      "The scopes listed on an operation are the one it needs.",
  },
  SigV4: {
    type: "apiKey",
    in: "header",
    name: "Authorization",
    description:
      "AWS Signature Version 4 (service `execute-api`) of an IAM principal allowed to call the route " +
      "(narrowable to one org with a policy on `.../admin/v1/orgs/<orgId>/*`). Locally: `Authorization: Bearer <admin token>`.",
    "x-amazon-apigateway-authtype": "awsSigv4",
  },
  CognitoIdToken: {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description:
      "The console's people (API.md §10): an ID token of the environment's Cognito user pool, whose " +
      "`custom:orgId` names the org and whose `cognito:groups` holds `key-admins`. Locally: an ID token of " +
      "the local runtime's OpenID provider (the same claims), got by signing in on the page.",
  },
};

/**
 * The context the document renders request schemas in: no clock (a schema's refinements do not show)
 * and a deployed stage's webhook policy.
 */
const DOCUMENTED_INPUT: InputContext = { nowMs: 0, webhookUrls: { allowLoopback: false } };

/** A route's path parameters, each a required string described by its name (`PATH_PARAMETERS`). */
function pathParameters(route: Route): z.ZodObject | undefined {
  const names = pathParameterNames(route.path);
  if (names.length === 0) return undefined;
  return z.object(
    Object.fromEntries(
      names.map((name) => {
        const description = PATH_PARAMETERS[name];
        if (!description) throw new Error(`${routeKey(route)}: path parameter ${name} is not described`);
        return [name, z.string().meta({ description })];
      }),
    ),
  );
}

/** The request body by media type, as the document shows it. */
function requestBody(route: Route): { content: Record<string, z.ZodType>; required: boolean } | undefined {
  if (!route.body) return undefined;
  if ("raw" in route.body) return { content: { ...route.body.raw }, required: true };
  return {
    content: { "application/json": schemaFor(route.body.json, DOCUMENTED_INPUT) },
    required: !route.body.optional,
  };
}

function security(route: Route): oas31.SecurityRequirementObject[] {
  if (route.auth === "apiKey") return [{ ApiKey: route.scope ? [route.scope] : [] }];
  if (route.auth === "iam") return [{ SigV4: [] }];
  if (route.auth === "cognito") return [{ CognitoIdToken: [] }];
  return [];
}

/** The error statuses a route can answer: those of its auth kind and its input, then its own. */
function errorStatuses(route: Route, path: z.ZodObject | undefined): number[] {
  const statuses = new Set<number>();
  if (route.auth === "apiKey") for (const status of [400, 401, 403, 429]) statuses.add(status);
  if (route.auth === "iam" || route.auth === "cognito")
    for (const status of [400, 401, 403, 404]) statuses.add(status);
  if (route.query || route.headers) statuses.add(400);
  if (path) statuses.add(404);
  if (route.body) for (const status of [400, 413, 415]) statuses.add(status);
  for (const status of route.errors ?? []) statuses.add(status);
  statuses.add(500);
  if (route.auth === "apiKey") statuses.add(503);
  return [...statuses].sort((a, b) => a - b);
}

const byMediaType = (content: Readonly<Record<string, z.ZodType>>) =>
  Object.fromEntries(Object.entries(content).map(([type, schema]) => [type, { schema }]));

function operation(route: Route): ZodOpenApiOperationObject {
  const { success } = route;
  const path = pathParameters(route);
  const body = requestBody(route);
  const baseHeaders = route.auth === "apiKey" ? rateLimitHeaders : requestIdHeader;
  const successHeaders = success.headers ? baseHeaders.extend(success.headers.shape) : baseHeaders;
  const responses: ZodOpenApiOperationObject["responses"] = {
    [String(success.status)]: {
      description: success.description,
      headers: successHeaders,
      ...(success.content ? { content: byMediaType(success.content) } : {}),
    },
  };
  for (const status of errorStatuses(route, path)) {
    responses[String(status) as `4${string}`] = ERROR_RESPONSES[status] ?? DEFAULT_RESPONSE;
  }
  responses.default = DEFAULT_RESPONSE;
  const scope = route.scope ? ` Needs the \`${route.scope}\` scope.` : "";
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.description || scope ? { description: `${route.description ?? ""}${scope}`.trim() } : {}),
    tags: [route.tag],
    security: security(route),
    ...(path || route.query || route.headers
      ? {
          requestParams: {
            ...(path ? { path } : {}),
            ...(route.query ? { query: route.query } : {}),
            ...(route.headers ? { header: route.headers } : {}),
          },
        }
      : {}),
    ...(body ? { requestBody: { required: body.required, content: byMediaType(body.content) } } : {}),
    responses,
  };
}

/** A route as `METHOD path`. */
export const routeKey = (route: Pick<Route, "method" | "path">) => `${route.method} ${route.path}`;

/** The document, from the route table: every route, in the table's order, under the tags it uses. */
export function buildOpenApiDocument(routes: readonly Route[] = ROUTES): oas31.OpenAPIObject {
  const paths: ZodOpenApiPathsObject = {};
  for (const route of routes) {
    const method = route.method.toLowerCase() as "get" | "post" | "patch" | "put" | "delete";
    paths[route.path] = { ...paths[route.path], [method]: operation(route) };
  }
  const used = new Set(routes.map((route) => route.tag));
  const tags = TAGS.filter((tag) => used.has(tag)).map((name) => ({ name }));
  return createDocument({
    openapi: "3.1.0",
    info: {
      title: "Fynex API",
      version: API_VERSION,
      description:
        "Accounts, contacts, payments, import, export and webhook subscriptions behind API keys, and the " +
        "key management behind IAM. Every error answers in one envelope (`Error`); lists answer " +
        "`{items, nextCursor}`; money is integer minor units with an ISO 4217 currency.",
    },
    servers: [
      {
        url: "https://{apiId}.execute-api.{region}.amazonaws.com/{stage}",
        description: "A deployed stage",
        variables: {
          apiId: { default: "api-id" },
          region: { default: "eu-west-1" },
          stage: { default: "dev" },
        },
      },
      { url: "http://127.0.0.1:3000", description: "The local runtime (`npm start`)" },
    ],
    tags,
    paths,
    components: {
      securitySchemes: SECURITY_SCHEMES,
      headers: HEADERS,
      schemas: {
        Error: errorEnvelopeSchema,
        Account: accountSchema,
        Contact: contactSchema,
        Payment: paymentSchema,
        Interaction: interactionSchema,
        Webhook: webhookSchema,
        CreatedWebhook: createdWebhookSchema,
        ImportResult: importResultSchema,
        KeyRecord: keyRecordSchema,
        CreatedKey: createdKeySchema,
        RotatedKey: rotatedKeySchema,
        AuditEvent: auditEventSchema,
        TokenLabel: tokenLabelSchema,
      },
    },
  });
}

/** The document as committed in `docs/openapi.json`: two-space JSON and a final newline. */
export function openApiText(routes: readonly Route[] = ROUTES): string {
  return `${JSON.stringify(buildOpenApiDocument(routes), null, 2)}\n`;
}
