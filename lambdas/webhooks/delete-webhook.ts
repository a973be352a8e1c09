import { apiRoute } from "../shared/api-route";
import { dataDeps } from "../shared/data-store";
import { pathParameter } from "../shared/http/validation";
import { deleteWebhook } from "./webhook-store";

/** `DELETE /api/v1/webhooks/{webhookId}` (webhooks:manage): the subscription and its secret are gone; 204. */
export const handler = apiRoute({}, async ({ auth, event }) => {
  await deleteWebhook(dataDeps(), auth.orgId, pathParameter(event, "webhookId"));
  return { statusCode: 204 };
});
