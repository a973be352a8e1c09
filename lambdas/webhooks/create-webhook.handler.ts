import { createWebhookSchema } from "../../contract/schemas/webhooks";
import { apiRoute } from "../shared/http/api-route";
import { linkTo } from "../shared/http/links";
import { parseJsonBody } from "../shared/http/validation";
import { runtimeFromEnvironment } from "../shared/runtime";
import { webhookUrlPolicy } from "./webhook-policy";
import { createWebhook } from "./webhook-store";

/**
 * `POST /api/v1/webhooks` (webhooks:manage): a new subscription; the answer holds its signing secret,
 * the only time it is shown. The body schema depends on the runtime's URL policy, so it is parsed here.
 */
export const createHandler = apiRoute({}, async ({ auth, event, now, deps, settings }) => {
  const body = parseJsonBody(event, createWebhookSchema(webhookUrlPolicy(settings)));
  const created = await createWebhook(deps, auth.orgId, body, now);
  if (!created.ok) return created;
  const webhook = created.value;
  return {
    statusCode: 201,
    body: webhook,
    headers: { Location: linkTo(event, `/api/v1/webhooks/${webhook.id}`) },
  };
});

/** The Lambda entry point: built once, when the function starts, from its environment. */
export const handler = createHandler(runtimeFromEnvironment(process.env));
