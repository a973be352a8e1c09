import { updateWebhookRoute } from "../../contract/routes/webhooks";
import { apiRoute } from "../shared/http/api-route";
import { pathParameter } from "../shared/http/validation";
import { runtimeFromEnvironment } from "../shared/runtime";
import { updateWebhook } from "./webhook-store";

/** `PATCH /api/v1/webhooks/{webhookId}` (webhooks:manage): url, events, description, enabled; no body changes nothing. */
export const createHandler = apiRoute(updateWebhookRoute, async ({ auth, body, event, now, deps }) => {
  const webhook = await updateWebhook(deps, auth.orgId, pathParameter(event, "webhookId"), body, now);
  if (!webhook.ok) return webhook;
  return { statusCode: 200, body: webhook.value };
});

/** The Lambda entry point: built once, when the function starts, from its environment. */
export const handler = createHandler(runtimeFromEnvironment(process.env));
