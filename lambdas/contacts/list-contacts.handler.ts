import { dataDeps } from "../shared/dynamo/data-store";
import { apiRoute } from "../shared/http/api-route";
import { listContactsQuerySchema } from "../shared/http/list-query";
import { listContacts } from "./contact-store";

/** `GET /api/v1/contacts` (contacts:read): the org's contacts, `?accountId=` for one account's. */
export const handler = apiRoute({ query: listContactsQuerySchema }, async ({ auth, query }) => {
  const page = await listContacts(dataDeps(), auth.orgId, query);
  if (!page.ok) return page;
  return { statusCode: 200, body: page.value };
});
