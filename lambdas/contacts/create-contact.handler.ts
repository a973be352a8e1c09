import { dataDeps } from "../shared/dynamo/data-store";
import { apiRoute } from "../shared/http/api-route";
import { linkTo } from "../shared/http/links";
import { createContactSchema } from "./contact-schemas";
import { createContact } from "./contact-store";

/** `POST /api/v1/contacts` (contacts:write): a contact on one of the caller's org's accounts. */
export const handler = apiRoute({ body: createContactSchema }, async ({ auth, body, event, now }) => {
  const created = await createContact(dataDeps(), auth.orgId, body, now);
  if (!created.ok) return created;
  const contact = created.value;
  return {
    statusCode: 201,
    body: contact,
    headers: { Location: linkTo(event, `/api/v1/contacts/${contact.id}`) },
  };
});
