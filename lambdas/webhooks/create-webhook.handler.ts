import { createWebhookRoute } from "../../contract/routes/webhooks";
import { apiRoute } from "../shared/http/api-route";
import { linkTo } from "../shared/http/links";
import { runtimeFromEnvironment } from "../shared/runtime";
import { createWebhook } from "./webhook-store";

/**
 * `POST /api/v1/webhooks` (webhooks:manage): a new subscription; the answer holds its signing secret,
 * the only time it is shown.
 */
export const createHandler = apiRoute(createWebhookRoute, async ({ auth, body, event, now, deps }) => {
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
