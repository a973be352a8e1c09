import { listWebhooksRoute } from "../../contract/routes/webhooks";
import { apiRoute } from "../shared/http/api-route";
import { runtimeFromEnvironment } from "../shared/runtime";
import { listWebhooks } from "./webhook-store";

/** `GET /api/v1/webhooks` (webhooks:manage): the org's subscriptions, oldest first, a page at a time. */
export const createHandler = apiRoute(listWebhooksRoute, async ({ auth, query, deps }) => {
  const page = await listWebhooks(deps, auth.orgId, query);
  if (!page.ok) return page;
  return { statusCode: 200, body: page.value };
});

/** The Lambda entry point: built once, when the function starts, from its environment. */
export const handler = createHandler(runtimeFromEnvironment(process.env));
