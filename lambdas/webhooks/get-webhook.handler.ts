import { getWebhookRoute } from "../../contract/routes/webhooks";
import { apiRoute } from "../shared/http/api-route";
import { pathParameter } from "../shared/http/validation";
import { runtimeFromEnvironment } from "../shared/runtime";
import { getWebhook } from "./webhook-store";

/** `GET /api/v1/webhooks/{webhookId}` (webhooks:manage): one subscription, without its secret. */
export const createHandler = apiRoute(getWebhookRoute, async ({ auth, event, deps }) => {
  const webhook = await getWebhook(deps, auth.orgId, pathParameter(event, "webhookId"));
  if (!webhook.ok) return webhook;
  return { statusCode: 200, body: webhook.value };
});

/** The Lambda entry point: built once, when the function starts, from its environment. */
export const handler = createHandler(runtimeFromEnvironment(process.env));
