import { listContactsRoute } from "../../contract/routes/contacts";
import { apiRoute } from "../shared/http/api-route";
import { runtimeFromEnvironment } from "../shared/runtime";
import { listContacts } from "./contact-store";

/** `GET /api/v1/contacts` (contacts:read): the org's contacts, `?accountId=` for one account's. */
export const createHandler = apiRoute(listContactsRoute, async ({ auth, query, deps }) => {
  const page = await listContacts(deps, auth.orgId, query);
  if (!page.ok) return page;
  return { statusCode: 200, body: page.value };
});

/** The Lambda entry point: built once, when the function starts, from its environment. */
export const handler = createHandler(runtimeFromEnvironment(process.env));
