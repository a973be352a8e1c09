import { dataDeps } from "../shared/dynamo/data-store";
import { apiRoute } from "../shared/http/api-route";
import { createContactSchema } from "./contact-schemas";
import { createContact } from "./contact-store";

/** `POST /api/v1/contacts` (contacts:write): a contact on one of the caller's org's accounts. */
export const handler = apiRoute({ body: createContactSchema }, async ({ auth, body, now }) => {
  const contact = await createContact(dataDeps(), auth.orgId, body, now);
  return { statusCode: 201, body: contact, headers: { Location: `/api/v1/contacts/${contact.id}` } };
});
