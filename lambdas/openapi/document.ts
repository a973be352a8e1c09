import {
  createDocument,
  type oas31,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponseObject,
} from "zod-openapi";
import { MAX_ENTRY_LENGTH } from "../../contract/ip-allowlist";
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
  keyListItemSchema,
  keyRecordSchema,
  keyUsageSchema,
  rotatedKeySchema,
  tokenLabelSchema,
} from "../../contract/schemas/answers";
import { contactSchema } from "../../contract/schemas/contacts";
import { deliveryAttemptSchema } from "../../contract/schemas/deliveries";
import { importResultSchema } from "../../contract/schemas/import";
import { interactionSchema } from "../../contract/schemas/interactions";
import {
  allowedIpSchema,
  instantSchema,
  keyStatusSchema,
  orgIdSchema,
  scopeSchema,
} from "../../contract/schemas/keys";
import { paymentSchema } from "../../contract/schemas/payments";
import { createdWebhookSchema, webhookSchema } from "../../contract/schemas/webhooks";
import * as z from "../../contract/zod";
import { errorEnvelopeSchema } from "./doc-schemas";
import { nameComponents } from "./named-components";

/**
 * The OpenAPI 3.1 document of the whole API, generated from the route table alone (zod-openapi): each
 * declaration names its summary, the schemas its handler validates with and those it answers.
 * Served at `GET /api/v1/openapi.json`, committed as `docs/openapi.json` (`npm run openapi`); a test
 * fails when the two drift.
 */
export const API_VERSION = "1.0.0";

/**
 * What two transforms accept, which zod cannot see inside them, stated for the document here rather
 * than beside them in `contract/schemas/keys.ts`: every key door bundles those schemas, and the text
 * would weigh on their 550,000-byte budget (DECISIONS #302). The rules test holds the document to them.
 */
z.globalRegistry.add(instantSchema, {
  anyOf: [
    { type: "string", format: "date-time" },
    { type: "string", format: "date" },
  ],
  description:
    "An ISO 8601 date-time with an offset (`2030-01-31T12:00:00Z`) or a date (`2030-01-31`, 00:00:00Z).",
});
z.globalRegistry.add(allowedIpSchema, {
  maxLength: MAX_ENTRY_LENGTH,
  pattern: "^[0-9A-Fa-f:.]+(/(0|[1-9][0-9]{0,2}))?$",
  description:
    "An IPv4 or IPv6 address (`203.0.113.7`, `2001:db8::1`) or a CIDR range with no host bits set " +
    "(`203.0.113.0/24`, `2001:db8::/32`); answered in its normal form.",
});

const errorBody = { "application/json": { schema: errorEnvelopeSchema } };

const retryAfter = z.withMeta(z.int().check(z.minimum(1)), {
  description: "Whole seconds to wait before trying again.",
});

/** Response headers, each one component (required where they are: the success answers). */
const HEADERS = {
  "X-Request-Id": z.withMeta(z.string(), {
    description:
      "The request's id, as the envelope's `requestId` repeats it; on every answer of the API's functions.",
  }),
  "x-amzn-RequestId": z.withMeta(z.string(), {
    description:
      "API Gateway's id of the request, added to every answer (the local runtime adds it too): the same " +
      "value as `X-Request-Id` and the envelope's `requestId`, and the one header carrying it on API " +
      "Gateway's own answers (a 401, a signature's 403, throttling's 429, an authorizer's 503).",
  }),
  "RateLimit-Policy": z.withMeta(z.string(), {
    description: '`"default";q=<limit>;w=<window seconds>`.',
  }),
  RateLimit: z.withMeta(z.string(), {
    description: '`"default";r=<remaining>;t=<seconds until the window ends>`.',
  }),
  "X-RateLimit-Limit": z.withMeta(z.int().check(z.minimum(1)), {
    description: "Requests allowed per window.",
  }),
  "X-RateLimit-Remaining": z.withMeta(z.int().check(z.minimum(0)), {
    description: "Requests left in this window, this one spent.",
  }),
  "X-RateLimit-Reset": z.withMeta(z.int().check(z.minimum(0)), {
    description: "When the window ends, epoch seconds.",
  }),
};

/** The IETF RateLimit fields and their GitHub-style twins (API.md §3), on every answer to a live key. */
const RATE_LIMIT_NAMES = [
  "RateLimit-Policy",
  "RateLimit",
  "X-RateLimit-Limit",
  "X-RateLimit-Remaining",
  "X-RateLimit-Reset",
] as const;

const requestIdHeaders = z.object({
  "X-Request-Id": HEADERS["X-Request-Id"],
  "x-amzn-RequestId": HEADERS["x-amzn-RequestId"],
});
const rateLimitHeaders = z.extend(
  requestIdHeaders,
  Object.fromEntries(RATE_LIMIT_NAMES.map((name) => [name, HEADERS[name]])),
);

/**
 * What an error answer may carry. Every answer carries `x-amzn-RequestId`; a function's answers carry
 * `X-Request-Id` too, and the RateLimit fields when a live key called; API Gateway's own (a 401, a
 * signature's 403, throttling's 429, an authorizer's 503, a 502 or 504) carry neither, since a
 * gateway response cannot set a header from the request id. So those are optional here, each saying
 * where it is found.
 */
const errorHeaders = z.object({
  "X-Request-Id": z.withMeta(z.optional(HEADERS["X-Request-Id"]), {
    description:
      "The request's id, as the envelope's `requestId` repeats it; on the API's functions' answers.",
  }),
  "x-amzn-RequestId": HEADERS["x-amzn-RequestId"],
  ...Object.fromEntries(
    RATE_LIMIT_NAMES.map((name) => [
      name,
      z.withMeta(z.optional(HEADERS[name]), {
        description: `${z.globalRegistry.get(HEADERS[name])?.description ?? ""} On a function's answer to a live API key.`,
      }),
    ]),
  ),
});
const retryHeaders = z.extend(errorHeaders, { "Retry-After": retryAfter });
const gatewayHeaders = z.object({ "x-amzn-RequestId": HEADERS["x-amzn-RequestId"] });

function errorResponse(
  id: string,
  description: string,
  headers: z.ZodMiniObject = errorHeaders,
): ZodOpenApiResponseObject {
  return { id, description, content: errorBody, headers };
}

/** The error answers, one component each, all in the envelope of API.md §4. */
const ERROR_RESPONSES: Record<number, ZodOpenApiResponseObject> = {
  400: errorResponse(
    "ValidationError",
    "`validation_error`: the body, a query parameter or a header is not valid; `details` names each problem.",
  ),
  401: errorResponse(
    "Unauthorized",
    "`unauthorized`: the key (or, locally, the admin token) is missing, malformed, unknown, expired or revoked. " +
      "API Gateway answers it: the request id is in `x-amzn-RequestId`.",
    gatewayHeaders,
  ),
  403: errorResponse(
    "Forbidden",
    "`insufficient_scope` (the message names the scope needed), `ip_not_allowed` (the key's allowlist), or " +
      "`forbidden` (an admin call with a bad, expired or missing SigV4 signature, answered by API Gateway; " +
      "locally also a request whose `Host` is not allowed).",
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
    "`rate_limited`: the key is over its limit in the current window, or API Gateway's stage throttling " +
      "refused the request (then without the RateLimit fields); follow Retry-After.",
    retryHeaders,
  ),
  500: errorResponse(
    "InternalError",
    "`internal_error`: something went wrong on our side; nothing more is said.",
  ),
  503: errorResponse(
    "Unavailable",
    "`unavailable`: storage could not be reached (by the function, or by the authorizer in front of it); " +
      "follow Retry-After.",
    retryHeaders,
  ),
};

const DEFAULT_RESPONSE = errorResponse(
  "OtherError",
  "Any other error, in the same envelope: API Gateway's own answers included (502 `bad_gateway`, 504 `timeout`).",
);

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
    type: "http",
    scheme: "AWS4-HMAC-SHA256",
    description:
      "AWS Signature Version 4 (service `execute-api`) of an IAM principal allowed to call the route " +
      "(narrowable to one org with a policy on `.../admin/v1/orgs/<orgId>/*`): `Authorization: " +
      "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...` with `X-Amz-Date` (and " +
      "`X-Amz-Security-Token` for temporary credentials), computed per request over the method, path, " +
      "query, headers and body: not a fixed value, so sign each request with an AWS SDK's signer. " +
      "Locally: `Authorization: Bearer <admin token>`.",
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

/**
 * The shape a path parameter must have, where the server knows one: a bad `orgId` is a 400; a
 * `keyId` of another shape cannot name a key (a 404 without a read). Others are any string.
 */
const PATH_PARAMETER_SHAPES: Readonly<Record<string, z.ZodMiniString>> = {
  orgId: orgIdSchema,
  keyId: z.string().check(z.regex(/^key_[0-9A-Za-z]{22}$/)),
};

/** Each path parameter once, by name: one component each (`components/parameters`). */
const PATH_PARAMETER_SCHEMAS = new Map(
  Object.entries(PATH_PARAMETERS).map(([name, description]) => [
    name,
    z.withMeta(PATH_PARAMETER_SHAPES[name] ?? z.string(), { description, param: { id: name, description } }),
  ]),
);

/** A route's path parameters, each a required string described by its name (`PATH_PARAMETERS`). */
function pathParameters(route: Route): z.ZodMiniObject | undefined {
  const names = pathParameterNames(route.path);
  if (names.length === 0) return undefined;
  return z.object(
    Object.fromEntries(
      names.map((name) => {
        const schema = PATH_PARAMETER_SCHEMAS.get(name);
        if (!schema) throw new Error(`${routeKey(route)}: path parameter ${name} is not described`);
        return [name, schema];
      }),
    ),
  );
}

/** The request body by media type, as the document shows it. */
function requestBody(
  route: Route,
): { content: Record<string, z.ZodMiniType>; required: boolean } | undefined {
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

/**
 * The error statuses a route can answer: those of its auth kind and its input, then its own. Any
 * route may meet API Gateway's stage throttling (429).
 */
function errorStatuses(route: Route, path: z.ZodMiniObject | undefined): number[] {
  const statuses = new Set<number>([429]);
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

const byMediaType = (content: Readonly<Record<string, z.ZodMiniType>>) =>
  Object.fromEntries(Object.entries(content).map(([type, schema]) => [type, { schema }]));

function operation(route: Route): ZodOpenApiOperationObject {
  const { success } = route;
  const path = pathParameters(route);
  const body = requestBody(route);
  const baseHeaders = route.auth === "apiKey" ? rateLimitHeaders : requestIdHeaders;
  const successHeaders = success.headers ? z.extend(baseHeaders, success.headers.shape) : baseHeaders;
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

/** What each tag holds, for the document's readers (Redocly's `tag-description`). */
const TAG_DESCRIPTIONS: { readonly [tag in (typeof TAGS)[number]]: string } = {
  Meta: "The health check and this document: public, not counted.",
  Accounts: "The org's customer accounts, with their currency and balance (API.md §6).",
  Payments: "Money received on an account, in integer minor units of its currency.",
  Contacts: "People at an account of the org.",
  Import: "Many accounts in one request, as JSON or CSV; each row kept or refused on its own.",
  Export: "The org's accounts and interactions as JSON, NDJSON or CSV, a page at a time.",
  Webhooks: "Subscriptions to the org's events, their deliveries and signing secrets (API.md §6, §9).",
  Security: "Leaked-key reports from GitHub secret scanning (API.md §8).",
  "Keys (admin)": "Key management behind IAM (SigV4), for any org named in the path (API.md §5).",
  "Audit (admin)": "The org's key events behind IAM (API.md §5).",
  "Keys (console)":
    "Key management for the signed-in person's org, behind the console's sign-in (API.md §10).",
  "Audit (console)": "The signed-in person's org's key events (API.md §10).",
};

/**
 * A query value the server reads as a number (`?limit=10`: decimal digits, then a bounded integer) is
 * documented as that number, so a generated client takes an integer. zod-openapi would show the input
 * side of the pipe (a string with a pattern); the server's rule is its number side. Exported for the
 * test that holds the document to the schemas.
 */
export function documentNumericQuery(ctx: { zodSchema: unknown; jsonSchema: Record<string, unknown> }): void {
  const def = (ctx.zodSchema as z.ZodMiniType)._zod.def;
  if (def.type === "default") {
    // zod leaves out a default that only the number side has (`limit` is 25 when absent).
    const inner = (def as z.core.$ZodDefaultDef).innerType._zod.def;
    if (inner.type === "pipe" && (inner as z.core.$ZodPipeDef).out._zod.def.type === "number") {
      ctx.jsonSchema.default = (def as z.core.$ZodDefaultDef).defaultValue;
    }
    return;
  }
  if (def.type !== "pipe") return;
  const out = (def as z.core.$ZodPipeDef).out as z.ZodMiniType;
  if (out._zod.def.type !== "number") return;
  const { $schema: _, ...number } = z.toJSONSchema(out, { io: "output" }) as Record<string, unknown>;
  const kept = { description: ctx.jsonSchema.description, default: ctx.jsonSchema.default };
  for (const key of Object.keys(ctx.jsonSchema)) delete ctx.jsonSchema[key];
  Object.assign(ctx.jsonSchema, number);
  for (const [key, value] of Object.entries(kept)) if (value !== undefined) ctx.jsonSchema[key] = value;
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
  const tags = TAGS.filter((tag) => used.has(tag)).map((name) => ({
    name,
    description: TAG_DESCRIPTIONS[name],
  }));
  const document = createDocument(
    {
      openapi: "3.1.0",
      info: {
        title: "Fynex API",
        version: API_VERSION,
        description:
          "Accounts, contacts, payments, import, export and webhook subscriptions behind API keys, and the " +
          "key management behind IAM. Every error answers in one envelope (`ErrorEnvelope`); lists answer " +
          "`{items, nextCursor}`; money is integer minor units with an ISO 4217 currency.",
        license: { name: "Proprietary", identifier: "LicenseRef-Fynex-Proprietary" },
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
          ErrorEnvelope: errorEnvelopeSchema,
          Scope: scopeSchema,
          KeyStatus: keyStatusSchema,
          Account: accountSchema,
          Contact: contactSchema,
          Payment: paymentSchema,
          Interaction: interactionSchema,
          Webhook: webhookSchema,
          CreatedWebhook: createdWebhookSchema,
          ImportResult: importResultSchema,
          KeyRecord: keyRecordSchema,
          KeyListItem: keyListItemSchema,
          KeyUsage: keyUsageSchema,
          DeliveryAttempt: deliveryAttemptSchema,
          CreatedKey: createdKeySchema,
          RotatedKey: rotatedKeySchema,
          AuditEvent: auditEventSchema,
          TokenLabel: tokenLabelSchema,
        },
      },
    },
    { override: (ctx) => (ctx.io === "input" ? documentNumericQuery(ctx) : undefined) },
  );
  return nameComponents(document);
}

/** The document as committed in `docs/openapi.json`: two-space JSON and a final newline. */
export function openApiText(routes: readonly Route[] = ROUTES): string {
  return `${JSON.stringify(buildOpenApiDocument(routes), null, 2)}\n`;
}
