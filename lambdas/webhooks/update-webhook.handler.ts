import { dataDeps } from "../shared/dynamo/data-store";
import { apiRoute } from "../shared/http/api-route";
import { parseJsonBody, pathParameter } from "../shared/http/validation";
import { webhookUrlPolicy } from "./webhook-policy";
import { updateWebhookSchema } from "./webhook-schemas";
import { updateWebhook } from "./webhook-store";

/** `PATCH /api/v1/webhooks/{webhookId}` (webhooks:manage): url, events, description, enabled; no body changes nothing. */
export const handler = apiRoute({}, async ({ auth, event, now }) => {
  const change = parseJsonBody(event, updateWebhookSchema(webhookUrlPolicy()), { optional: true });
  const webhook = await updateWebhook(dataDeps(), auth.orgId, pathParameter(event, "webhookId"), change, now);
  if (!webhook.ok) return webhook;
  return { statusCode: 200, body: webhook.value };
});
