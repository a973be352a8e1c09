import { createAccountRoute, getAccountRoute, listAccountsRoute, updateAccountRoute } from "./accounts";
import { createContactRoute, getContactRoute, listContactsRoute, updateContactRoute } from "./contacts";
import { exportAccountsRoute, exportInteractionsRoute } from "./export";
import { importAccountsRoute } from "./import";
import { ADMIN_KEY_ROUTES, CONSOLE_KEY_ROUTES, KEY_MANAGEMENT_DIRECT_HANDLER } from "./keys";
import { healthRoute, openApiRoute } from "./meta";
import { getPaymentRoute, listPaymentsRoute, registerPaymentRoute } from "./payments";
import type { Route } from "./route";
import { secretScanningRoute } from "./security";
import {
  createWebhookRoute,
  deleteWebhookRoute,
  getWebhookRoute,
  listDeliveriesRoute,
  listWebhooksRoute,
  updateWebhookRoute,
} from "./webhooks";

export { KEY_MANAGEMENT_DIRECT_HANDLER } from "./keys";
export type { HttpMethod, Route, RouteAuth, RouteTables, TableAccess } from "./route";

/**
 * The one route table, assembled from the declarations of each domain (`./<domain>.ts`). The CDK
 * stack builds API Gateway resources, methods and functions from it; the local runtime routes
 * requests with it; the OpenAPI document describes it. A business handler passes its own declaration
 * to `apiRoute`, which checks its scope and validates its input with it, so a function bundles its
 * domain's declarations, never this table. Nothing else names a handler, its path or its scope.
 */
export const ROUTES: readonly Route[] = [
  healthRoute,
  openApiRoute,
  secretScanningRoute,

  listAccountsRoute,
  createAccountRoute,
  getAccountRoute,
  updateAccountRoute,
  listPaymentsRoute,
  registerPaymentRoute,
  getPaymentRoute,
  listContactsRoute,
  createContactRoute,
  getContactRoute,
  updateContactRoute,
  importAccountsRoute,
  exportAccountsRoute,
  exportInteractionsRoute,
  listWebhooksRoute,
  createWebhookRoute,
  getWebhookRoute,
  updateWebhookRoute,
  deleteWebhookRoute,
  listDeliveriesRoute,

  ...ADMIN_KEY_ROUTES,
  ...CONSOLE_KEY_ROUTES,
];

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
  [KEY_MANAGEMENT_DIRECT_HANDLER]: "KeyManagementDirectHandler",
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
