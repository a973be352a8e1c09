import { KEY_MANAGEMENT_ROUTE_DOCS } from "./key-management-route-docs";
import type { RouteDoc } from "./route-doc";

/**
 * The console API (API.md §10): the admin key routes for the signed-in person's org, documented as
 * the admin API's own (same bodies and answers) minus the org in the path.
 */
export const CONSOLE_ROUTE_DOCS: Record<string, RouteDoc> = Object.fromEntries(
  Object.entries(KEY_MANAGEMENT_ROUTE_DOCS).map(([route, doc]) => {
    const [method, path] = route.split(" ");
    const params = doc.path?.omit({ orgId: true });
    const consoleDoc: RouteDoc = {
      ...doc,
      operationId: `console${doc.operationId.charAt(0).toUpperCase()}${doc.operationId.slice(1)}`,
      tag: doc.tag.replace("(admin)", "(console)"),
      path: params && Object.keys(params.shape).length > 0 ? params : undefined,
    };
    return [`${method} ${(path ?? "").replace("/admin/v1/orgs/{orgId}", "/console/v1")}`, consoleDoc];
  }),
);
