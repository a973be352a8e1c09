import { dataDeps } from "../shared/dynamo/data-store";
import { apiRoute } from "../shared/http/api-route";
import { listQuerySchema } from "../shared/http/list-query";
import { listWebhooks } from "./webhook-store";

/** `GET /api/v1/webhooks` (webhooks:manage): the org's subscriptions, oldest first, a page at a time. */
export const handler = apiRoute({ query: listQuerySchema }, async ({ auth, query }) => {
  const page = await listWebhooks(dataDeps(), auth.orgId, query);
  if (!page.ok) return page;
  return { statusCode: 200, body: page.value };
});
