import { dataDeps } from "../shared/dynamo/data-store";
import { apiRoute } from "../shared/http/api-route";
import { idParameter } from "../shared/http/validation";
import { ID_PREFIX } from "../shared/resource-ids";
import { getContact } from "./contact-store";

/** `GET /api/v1/contacts/{contactId}` (contacts:read): one contact of the caller's org. */
export const handler = apiRoute({}, async ({ auth, event }) => {
  const contact = await getContact(
    dataDeps(),
    auth.orgId,
    idParameter(event, "contactId", ID_PREFIX.contact, "contact"),
  );
  if (!contact.ok) return contact;
  return { statusCode: 200, body: contact.value };
});
