import { listDeliveriesRoute } from "../../contract/routes/webhooks";
import { apiRoute } from "../shared/http/api-route";
import { pathParameter } from "../shared/http/validation";
import { runtimeFromEnvironment } from "../shared/runtime";
import { listDeliveries } from "./delivery-store";

/**
 * `GET /api/v1/webhooks/{webhookId}/deliveries` (webhooks:manage): the subscription's delivery
 * attempts, newest first, a page at a time (API.md §9).
 */
export const createHandler = apiRoute(listDeliveriesRoute, async ({ auth, event, query, deps }) => {
  const page = await listDeliveries(deps, auth.orgId, pathParameter(event, "webhookId"), query);
  if (!page.ok) return page;
  return { statusCode: 200, body: page.value };
});

/** The Lambda entry point: built once, when the function starts, from its environment. */
export const handler = createHandler(runtimeFromEnvironment(process.env));
