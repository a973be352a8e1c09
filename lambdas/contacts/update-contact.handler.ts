import { updateContactRoute } from "../../contract/routes/contacts";
import { apiRoute } from "../shared/http/api-route";
import { idParameter } from "../shared/http/validation";
import { ID_PREFIX } from "../shared/resource-ids";
import { runtimeFromEnvironment } from "../shared/runtime";
import { updateContact } from "./contact-store";

/** `PATCH /api/v1/contacts/{contactId}` (contacts:write): name, email, phone, role. No body changes nothing. */
export const createHandler = apiRoute(updateContactRoute, async ({ auth, body, event, now, deps }) => {
  const contactId = idParameter(event, "contactId", ID_PREFIX.contact, "contact");
  const contact = await updateContact(deps, auth.orgId, contactId, body, now);
  if (!contact.ok) return contact;
  return { statusCode: 200, body: contact.value };
});

/** The Lambda entry point: built once, when the function starts, from its environment. */
export const handler = createHandler(runtimeFromEnvironment(process.env));
