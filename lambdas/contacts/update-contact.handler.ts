import { dataDeps } from "../shared/dynamo/data-store";
import { apiRoute } from "../shared/http/api-route";
import { idParameter } from "../shared/http/validation";
import { ID_PREFIX } from "../shared/resource-ids";
import { updateContactSchema } from "./contact-schemas";
import { updateContact } from "./contact-store";

/** `PATCH /api/v1/contacts/{contactId}` (contacts:write): name, email, phone, role. No body changes nothing. */
export const handler = apiRoute(
  { body: updateContactSchema, bodyOptional: true },
  async ({ auth, body, event, now }) => {
    const contactId = idParameter(event, "contactId", ID_PREFIX.contact, "contact");
    const contact = await updateContact(dataDeps(), auth.orgId, contactId, body, now);
    if (!contact.ok) return contact;
    return { statusCode: 200, body: contact.value };
  },
);
