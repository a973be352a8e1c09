import { dataDeps } from "../shared/dynamo/data-store";
import { apiRoute } from "../shared/http/api-route";
import { listQuerySchema } from "../shared/http/list-query";
import { pathParameter } from "../shared/http/validation";
import { listDeliveries } from "./delivery-store";

/**
 * `GET /api/v1/webhooks/{webhookId}/deliveries` (webhooks:manage): the subscription's delivery
 * attempts, newest first, a page at a time (API.md §9).
 */
export const handler = apiRoute({ query: listQuerySchema }, async ({ auth, event, query }) => {
  const page = await listDeliveries(dataDeps(), auth.orgId, pathParameter(event, "webhookId"), query);
  if (!page.ok) return page;
  return { statusCode: 200, body: page.value };
});
