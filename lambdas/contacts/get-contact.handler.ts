import { getContactRoute } from "../../contract/routes/contacts";
import { apiRoute } from "../shared/http/api-route";
import { idParameter } from "../shared/http/validation";
import { ID_PREFIX } from "../shared/resource-ids";
import { runtimeFromEnvironment } from "../shared/runtime";
import { getContact } from "./contact-store";

/** `GET /api/v1/contacts/{contactId}` (contacts:read): one contact of the caller's org. */
export const createHandler = apiRoute(getContactRoute, async ({ auth, event, deps }) => {
  const contact = await getContact(
    deps,
    auth.orgId,
    idParameter(event, "contactId", ID_PREFIX.contact, "contact"),
  );
  if (!contact.ok) return contact;
  return { statusCode: 200, body: contact.value };
});

/** The Lambda entry point: built once, when the function starts, from its environment. */
export const handler = createHandler(runtimeFromEnvironment(process.env));
