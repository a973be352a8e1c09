import { dataDeps } from "../shared/dynamo/data-store";
import { apiRoute } from "../shared/http/api-route";
import { pathParameter } from "../shared/http/validation";
import { getWebhook } from "./webhook-store";

/** `GET /api/v1/webhooks/{webhookId}` (webhooks:manage): one subscription, without its secret. */
export const handler = apiRoute({}, async ({ auth, event }) => {
  const webhook = await getWebhook(dataDeps(), auth.orgId, pathParameter(event, "webhookId"));
  if (!webhook.ok) return webhook;
  return { statusCode: 200, body: webhook.value };
});
