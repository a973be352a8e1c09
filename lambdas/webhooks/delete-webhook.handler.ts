import { deleteWebhookRoute } from "../../contract/routes/webhooks";
import { apiRoute } from "../shared/http/api-route";
import { pathParameter } from "../shared/http/validation";
import { runtimeFromEnvironment } from "../shared/runtime";
import { deleteWebhook } from "./webhook-store";

/** `DELETE /api/v1/webhooks/{webhookId}` (webhooks:manage): the subscription and its secret are gone; 204. */
export const createHandler = apiRoute(deleteWebhookRoute, async ({ auth, event, deps }) => {
  const deleted = await deleteWebhook(deps, auth.orgId, pathParameter(event, "webhookId"));
  if (!deleted.ok) return deleted;
  return { statusCode: 204 };
});

/** The Lambda entry point: built once, when the function starts, from its environment. */
export const handler = createHandler(runtimeFromEnvironment(process.env));
