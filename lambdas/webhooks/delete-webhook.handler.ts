import { dataDeps } from "../shared/dynamo/data-store";
import { apiRoute } from "../shared/http/api-route";
import { pathParameter } from "../shared/http/validation";
import { deleteWebhook } from "./webhook-store";

/** `DELETE /api/v1/webhooks/{webhookId}` (webhooks:manage): the subscription and its secret are gone; 204. */
export const handler = apiRoute({}, async ({ auth, event }) => {
  const deleted = await deleteWebhook(dataDeps(), auth.orgId, pathParameter(event, "webhookId"));
  if (!deleted.ok) return deleted;
  return { statusCode: 204 };
});
