import type { Scope } from "./scopes";

/**
 * The one route table. The CDK stack builds API Gateway resources, methods and functions from it; the
 * local runtime routes requests with it; the scope middleware reads a route's scope from it. Nothing
 * else names a handler, its path or its scope. Pure data: Lambdas may import it, it imports no CDK.
 */
export type HttpMethod = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

/**
 * `apiKey`: the REQUEST authorizer; `iam`: SigV4 (a bearer admin token locally); `cognito`: the
 * console's Cognito user-pool authorizer (locally the same check of the local OpenID provider's ID
 * token); `none`: public.
 */
export type RouteAuth = "apiKey" | "iam" | "cognito" | "none";

export interface Route {
  method: HttpMethod;
  /** API Gateway resource path, with `{param}` placeholders. */
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
}

/** How a handler may use a table; the stack grants exactly that (`lib/constructs/fynex-function.ts`). */
export type TableAccess = "read" | "update" | "revoke" | "append" | "appendQuery" | "readWrite";

export interface RouteTables {
  keys?: TableAccess;
  audit?: TableAccess;
  data?: TableAccess;
}

const ADMIN_KEYS = "/admin/v1/orgs/{orgId}/api-keys";
const ADMIN_HANDLER = "lambdas/key-management/doors/http.handler";

/** Key management's direct-invocation door: its own function, never behind API Gateway (no route). */
export const KEY_MANAGEMENT_DIRECT_HANDLER = "lambdas/key-management/doors/direct.handler";
const CONSOLE_KEYS = "/console/v1/api-keys";
const CONSOLE_HANDLER = "lambdas/key-management/doors/console.handler";

export const ROUTES: readonly Route[] = [
  {
    method: "GET",
    path: "/health",
    handler: "lambdas/health/health.handler",
    auth: "none",
    publicBecause: "a liveness probe for uptime checks; it answers a fixed status and touches no data.",
  },
  // Public and not counted (API.md §7): no authorizer in front of it.
  {
    method: "GET",
    path: "/api/v1/openapi.json",
    handler: "lambdas/openapi/openapi.handler",
    auth: "none",
    publicBecause: "the API's published OpenAPI document (API.md §7), the same for everyone; no data.",
  },

  // Leak reports (API.md §8): signed by GitHub, not by a key. It reads (and revokes) keys, records
  // `key.leak_reported` and puts the key events' outbox items (API.md §11), nothing else; its config
  // item (GitHub's keys) lives in the keys table too.
  {
    method: "POST",
    path: "/security/v1/secret-scanning",
    handler: "lambdas/secret-scanning/secret-scanning.handler",
    auth: "none",
    publicBecause:
      "GitHub's secret scanning holds no Fynex key; each report is authenticated by GitHub's ECDSA " +
      "signature over the raw body, checked before anything is read from it (API.md §8).",
    tables: { keys: "revoke", audit: "append", data: "append" },
  },

  {
    method: "GET",
    path: "/api/v1/accounts",
    handler: "lambdas/accounts/list-accounts.handler",
    auth: "apiKey",
    scope: "accounts:read",
  },
  {
    method: "POST",
    path: "/api/v1/accounts",
    handler: "lambdas/accounts/create-account.handler",
    auth: "apiKey",
    scope: "accounts:write",
  },
  {
    method: "GET",
    path: "/api/v1/accounts/{accountId}",
    handler: "lambdas/accounts/get-account.handler",
    auth: "apiKey",
    scope: "accounts:read",
  },
  {
    method: "PATCH",
    path: "/api/v1/accounts/{accountId}",
    handler: "lambdas/accounts/update-account.handler",
    auth: "apiKey",
    scope: "accounts:write",
  },
  {
    method: "GET",
    path: "/api/v1/accounts/{accountId}/payments",
    handler: "lambdas/payments/list-payments.handler",
    auth: "apiKey",
    scope: "accounts:read",
  },
  {
    method: "POST",
    path: "/api/v1/accounts/{accountId}/payments",
    handler: "lambdas/payments/register-payment.handler",
    auth: "apiKey",
    scope: "payments:write",
  },
  {
    method: "GET",
    path: "/api/v1/accounts/{accountId}/payments/{paymentId}",
    handler: "lambdas/payments/get-payment.handler",
    auth: "apiKey",
    scope: "accounts:read",
  },
  {
    method: "GET",
    path: "/api/v1/contacts",
    handler: "lambdas/contacts/list-contacts.handler",
    auth: "apiKey",
    scope: "contacts:read",
  },
  {
    method: "POST",
    path: "/api/v1/contacts",
    handler: "lambdas/contacts/create-contact.handler",
    auth: "apiKey",
    scope: "contacts:write",
  },
  {
    method: "GET",
    path: "/api/v1/contacts/{contactId}",
    handler: "lambdas/contacts/get-contact.handler",
    auth: "apiKey",
    scope: "contacts:read",
  },
  {
    method: "PATCH",
    path: "/api/v1/contacts/{contactId}",
    handler: "lambdas/contacts/update-contact.handler",
    auth: "apiKey",
    scope: "contacts:write",
  },
  {
    method: "POST",
    path: "/api/v1/import/accounts",
    handler: "lambdas/import/import-accounts.handler",
    auth: "apiKey",
    scope: "import",
    timeoutSeconds: 25,
  },

  {
    method: "GET",
    path: "/api/v1/export/accounts",
    handler: "lambdas/export/export-accounts.handler",
    auth: "apiKey",
    scope: "export",
  },
  {
    method: "GET",
    path: "/api/v1/export/interactions",
    handler: "lambdas/export/export-interactions.handler",
    auth: "apiKey",
    scope: "export",
  },

  {
    method: "GET",
    path: "/api/v1/webhooks",
    handler: "lambdas/webhooks/list-webhooks.handler",
    auth: "apiKey",
    scope: "webhooks:manage",
  },
  {
    method: "POST",
    path: "/api/v1/webhooks",
    handler: "lambdas/webhooks/create-webhook.handler",
    auth: "apiKey",
    scope: "webhooks:manage",
  },
  {
    method: "GET",
    path: "/api/v1/webhooks/{webhookId}",
    handler: "lambdas/webhooks/get-webhook.handler",
    auth: "apiKey",
    scope: "webhooks:manage",
  },
  {
    method: "PATCH",
    path: "/api/v1/webhooks/{webhookId}",
    handler: "lambdas/webhooks/update-webhook.handler",
    auth: "apiKey",
    scope: "webhooks:manage",
  },
  {
    method: "DELETE",
    path: "/api/v1/webhooks/{webhookId}",
    handler: "lambdas/webhooks/delete-webhook.handler",
    auth: "apiKey",
    scope: "webhooks:manage",
  },
  {
    method: "GET",
    path: "/api/v1/webhooks/{webhookId}/deliveries",
    handler: "lambdas/webhooks/list-deliveries.handler",
    auth: "apiKey",
    scope: "webhooks:manage",
  },

  { method: "POST", path: ADMIN_KEYS, handler: ADMIN_HANDLER, auth: "iam" },
  { method: "GET", path: ADMIN_KEYS, handler: ADMIN_HANDLER, auth: "iam" },
  { method: "GET", path: `${ADMIN_KEYS}/{keyId}`, handler: ADMIN_HANDLER, auth: "iam" },
  { method: "POST", path: `${ADMIN_KEYS}/{keyId}/revoke`, handler: ADMIN_HANDLER, auth: "iam" },
  { method: "PATCH", path: `${ADMIN_KEYS}/{keyId}`, handler: ADMIN_HANDLER, auth: "iam" },
  { method: "POST", path: `${ADMIN_KEYS}/{keyId}/rotate`, handler: ADMIN_HANDLER, auth: "iam" },
  { method: "GET", path: `${ADMIN_KEYS}/{keyId}/usage`, handler: ADMIN_HANDLER, auth: "iam" },
  { method: "GET", path: "/admin/v1/orgs/{orgId}/audit-events", handler: ADMIN_HANDLER, auth: "iam" },

  // The console (API.md §10): the admin API's key routes for the signed-in person's org.
  { method: "POST", path: CONSOLE_KEYS, handler: CONSOLE_HANDLER, auth: "cognito" },
  { method: "GET", path: CONSOLE_KEYS, handler: CONSOLE_HANDLER, auth: "cognito" },
  { method: "GET", path: `${CONSOLE_KEYS}/{keyId}`, handler: CONSOLE_HANDLER, auth: "cognito" },
  { method: "POST", path: `${CONSOLE_KEYS}/{keyId}/revoke`, handler: CONSOLE_HANDLER, auth: "cognito" },
  { method: "PATCH", path: `${CONSOLE_KEYS}/{keyId}`, handler: CONSOLE_HANDLER, auth: "cognito" },
  { method: "POST", path: `${CONSOLE_KEYS}/{keyId}/rotate`, handler: CONSOLE_HANDLER, auth: "cognito" },
  { method: "GET", path: `${CONSOLE_KEYS}/{keyId}/usage`, handler: CONSOLE_HANDLER, auth: "cognito" },
  { method: "GET", path: "/console/v1/audit-events", handler: CONSOLE_HANDLER, auth: "cognito" },
];

/** The route declared for a method on a resource path (API Gateway's `resource`), if any. */
export function findRoute(method: string, resourcePath: string): Route | undefined {
  return ROUTES.find((route) => route.method === method && route.path === resourcePath);
}

/** The distinct handler modules, in route-table order: one Lambda function each. */
export function handlerModules(): string[] {
  return [...new Set(ROUTES.map((route) => route.handler))];
}

/**
 * Construct ids a function keeps from before its module moved: a function's logical id derives from
 * its construct id, and a new one would make CloudFormation replace the function and delete its log
 * group (the ids are pinned in `test/infra/logical-ids.json`).
 */
const PINNED_IDS: Readonly<Record<string, string>> = {
  "lambdas/authorizer/authorizer.handler": "Authorizer",
  "lambdas/not-found/not-found.handler": "NotFound",
  "lambdas/health/health.handler": "Health",
  "lambdas/openapi/openapi.handler": "Openapi",
  "lambdas/key-management/doors/http.handler": "KeyManagementHttpHandler",
  "lambdas/key-management/doors/direct.handler": "KeyManagementDirectHandler",
  "lambdas/key-management/doors/console.handler": "Console",
};

/** A construct id from a handler module: `lambdas/accounts/list-accounts.handler` → `AccountsListAccounts`. */
export function handlerId(module: string): string {
  return (
    PINNED_IDS[module] ??
    module
      .replace(/\.handler$/, "")
      .split("/")
      .slice(1)
      .flatMap((part) => part.split("-"))
      .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
      .join("")
  );
}
