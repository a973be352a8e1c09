import { updateWebhookSchema } from "../../contract/schemas/webhooks";
import { apiRoute } from "../shared/http/api-route";
import { parseJsonBody, pathParameter } from "../shared/http/validation";
import { runtimeFromEnvironment } from "../shared/runtime";
import { webhookUrlPolicy } from "./webhook-policy";
import { updateWebhook } from "./webhook-store";

/** `PATCH /api/v1/webhooks/{webhookId}` (webhooks:manage): url, events, description, enabled; no body changes nothing. */
export const createHandler = apiRoute({}, async ({ auth, event, now, deps, settings }) => {
  const change = parseJsonBody(event, updateWebhookSchema(webhookUrlPolicy(settings)), { optional: true });
  const webhook = await updateWebhook(deps, auth.orgId, pathParameter(event, "webhookId"), change, now);
  if (!webhook.ok) return webhook;
  return { statusCode: 200, body: webhook.value };
});

/** The Lambda entry point: built once, when the function starts, from its environment. */
export const handler = createHandler(runtimeFromEnvironment(process.env));
