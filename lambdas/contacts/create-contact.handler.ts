import { createContactRoute } from "../../contract/routes/contacts";
import { apiRoute } from "../shared/http/api-route";
import { linkTo } from "../shared/http/links";
import { runtimeFromEnvironment } from "../shared/runtime";
import { createContact } from "./contact-store";

/** `POST /api/v1/contacts` (contacts:write): a contact on one of the caller's org's accounts. */
export const createHandler = apiRoute(createContactRoute, async ({ auth, body, event, now, deps }) => {
  const created = await createContact(deps, auth.orgId, body, now);
  if (!created.ok) return created;
  const contact = created.value;
  return {
    statusCode: 201,
    body: contact,
    headers: { Location: linkTo(event, `/api/v1/contacts/${contact.id}`) },
  };
});

/** The Lambda entry point: built once, when the function starts, from its environment. */
export const handler = createHandler(runtimeFromEnvironment(process.env));
