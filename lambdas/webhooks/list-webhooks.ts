import { apiRoute } from "../shared/api-route";
import { dataDeps } from "../shared/data-store";
import { listQuerySchema } from "../shared/list-query";
import { listWebhooks } from "./webhook-store";

/** `GET /api/v1/webhooks` (webhooks:manage): the org's subscriptions, oldest first, a page at a time. */
export const handler = apiRoute({ query: listQuerySchema }, async ({ auth, query }) => {
  const page = await listWebhooks(dataDeps(), auth.orgId, query);
  return { statusCode: 200, body: page };
});
