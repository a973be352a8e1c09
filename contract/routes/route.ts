import type { WebhookUrlPolicy } from "../schemas/webhooks";
import type { Scope } from "../scopes";
import * as z from "../zod";

/**
 * What a route declaration says (`contract/routes/<domain>.ts`), once: where it is served and by
 * which handler module, who may call it, what it takes, what it answers. The stack and the local
 * gateway serve it, the business chain (`apiRoute`) checks its scope and validates its input with it,
 * the OpenAPI document describes it: nothing else restates a route. Pure data and zod schemas.
 */
export type HttpMethod = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

/**
 * `apiKey`: the REQUEST authorizer; `iam`: SigV4 (a bearer admin token locally); `cognito`: the
 * console's Cognito user-pool authorizer (locally the same check of the local OpenID provider's ID
 * token); `none`: public.
 */
export type RouteAuth = "apiKey" | "iam" | "cognito" | "none";

/** How a handler may use a table; the stack grants exactly that (`lib/constructs/fynex-function.ts`). */
export type TableAccess = "read" | "update" | "revoke" | "append" | "appendQuery" | "readWrite";

export interface RouteTables {
  keys?: TableAccess;
  audit?: TableAccess;
  data?: TableAccess;
}

/** The document's tags, in its order: each route is filed under one. */
export const TAGS = [
  "Meta",
  "Accounts",
  "Payments",
  "Contacts",
  "Import",
  "Export",
  "Webhooks",
  "Security",
  "Keys (admin)",
  "Audit (admin)",
  "Keys (console)",
  "Audit (console)",
] as const;
export type Tag = (typeof TAGS)[number];

/**
 * What a request's schema may depend on besides the request: the instant it is served at (a key's
 * `expiresAt` must be after it) and where this deployment lets webhooks point (loopback only locally).
 */
export interface InputContext {
  nowMs: number;
  webhookUrls: WebhookUrlPolicy;
}

/** A request schema, or one built per request from its context. */
export type InputSchema = z.ZodMiniType | ((context: InputContext) => z.ZodMiniType);

/** The schema an input context gives. */
export const schemaFor = (schema: InputSchema, context: InputContext): z.ZodMiniType =>
  typeof schema === "function" ? schema(context) : schema;

export type RouteBody =
  /** A JSON object, validated before the route runs (413, 415, 400); `optional`: no body means `{}`. */
  | { json: InputSchema; optional?: boolean }
  /**
   * A body the route parses itself (an import's JSON or CSV), by the media types it accepts, in the
   * order a 415 names them: what each must hold, for the document.
   */
  | { raw: Readonly<Record<string, z.ZodMiniType>> };

/** What the route answers when it succeeds. */
export interface RouteSuccess {
  status: 200 | 201 | 204;
  description: string;
  /** The answer by media type; none for a `204`. */
  content?: Readonly<Record<string, z.ZodMiniType>>;
  /** Headers it adds to those every answer carries (`Location` of a `201`). */
  headers?: z.ZodMiniObject;
}

export interface Route {
  method: HttpMethod;
  /**
   * API Gateway resource path, with `{param}` placeholders; each param is documented by its name
   * (`PATH_PARAMETERS`).
   */
  path: string;
  /** Entry module (`*.handler`), relative to the project root, without extension; it exports `handler`. */
  handler: string;
  auth: RouteAuth;
  /** Required for `apiKey` routes. */
  scope?: Scope;
  /**
   * Required for `none` routes: why anyone may call it. The stack acknowledges cdk-nag's "no
   * authorization" finding (AwsSolutions-APIG4) on the route's method with this reason.
   */
  publicBecause?: string;
  /**
   * The tables the handler reaches, and how, when its auth kind alone does not say it (a public
   * route that works on keys). Declared, it replaces what the stack infers from `auth`.
   */
  tables?: RouteTables;
  /**
   * The handler's function timeout, seconds, when the default 10 s is too short (an import of 1000
   * rows). Keep it under API Gateway's 29 s integration timeout, so the function's own answer wins.
   */
  timeoutSeconds?: number;

  /** Unique across the document: a generated client's method name. */
  operationId: string;
  summary: string;
  description?: string;
  tag: Tag;
  /** Query parameters; without them, any query parameter is a 400. */
  query?: z.ZodMiniObject;
  /** Request headers the route reads (besides the credentials of its auth kind). */
  headers?: z.ZodMiniObject;
  body?: RouteBody;
  success: RouteSuccess;
  /** Statuses the route itself answers beyond those of its auth kind and its input (404, 409...). */
  errors?: readonly number[];
}

/** A route behind an API key: the business chain (`apiRoute`) checks its scope. */
export type KeyRoute = Route & { auth: "apiKey"; scope: Scope };

/** What each path parameter is, by name: the document describes a route's `{param}` with it. */
export const PATH_PARAMETERS: Readonly<Record<string, string>> = {
  accountId: "An account id (`acc_...`).",
  paymentId: "A payment id (`pay_...`).",
  contactId: "A contact id (`con_...`).",
  webhookId: "A subscription id (`wh_...`).",
  orgId: "The org (1 to 64 of A-Z, a-z, 0-9, _ and -).",
  keyId: "A key id (`key_` + 22 base62 digits).",
};

/** The names of a path's `{param}` placeholders, in order. */
export const pathParameterNames = (path: string): string[] =>
  [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1] ?? "");

/** The optional `Idempotency-Key` request header of the creates. */
export const idempotencyHeaders = z.lazySchema(() =>
  z.object({
    "Idempotency-Key": z.withMeta(
      z.optional(z.string().check(z.minLength(1), z.maxLength(255), z.regex(/^[\x20-\x7e]*$/))),
      { description: "1 to 255 printable ASCII characters; a retry with it never acts twice." },
    ),
  }),
);

/** The `Location` header of a `201`. */
export const location = z.lazySchema(() =>
  z.object({
    Location: z.withMeta(z.string(), { description: "The path of the new resource." }),
  }),
);

/** A JSON answer. */
export const json = (schema: z.ZodMiniType) => ({ "application/json": schema });
