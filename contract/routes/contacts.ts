import { contactSchema, createContactSchema, updateContactSchema } from "../schemas/contacts";
import { listContactsQuerySchema, pageSchema } from "../schemas/lists";
import { json, location, type Route } from "./route";

/** `GET /api/v1/contacts`: the org's contacts, `?accountId=` for one account's. */
export const listContactsRoute = {
  method: "GET",
  path: "/api/v1/contacts",
  handler: "lambdas/contacts/list-contacts.handler",
  auth: "apiKey",
  scope: "contacts:read",
  operationId: "listContacts",
  summary: "List contacts, of one account if asked",
  tag: "Contacts",
  query: listContactsQuerySchema,
  success: { status: 200, description: "A page of contacts.", content: json(pageSchema(contactSchema)) },
} satisfies Route;

/** `POST /api/v1/contacts`: a new contact on one of the org's accounts. */
export const createContactRoute = {
  method: "POST",
  path: "/api/v1/contacts",
  handler: "lambdas/contacts/create-contact.handler",
  auth: "apiKey",
  scope: "contacts:write",
  operationId: "createContact",
  summary: "Create a contact on an account",
  tag: "Contacts",
  body: { json: createContactSchema },
  success: { status: 201, description: "The contact.", content: json(contactSchema), headers: location },
  errors: [404],
} satisfies Route;

/** `GET /api/v1/contacts/{contactId}`: one contact of the org. */
export const getContactRoute = {
  method: "GET",
  path: "/api/v1/contacts/{contactId}",
  handler: "lambdas/contacts/get-contact.handler",
  auth: "apiKey",
  scope: "contacts:read",
  operationId: "getContact",
  summary: "Read a contact",
  tag: "Contacts",
  success: { status: 200, description: "The contact.", content: json(contactSchema) },
} satisfies Route;

/** `PATCH /api/v1/contacts/{contactId}`: any of its fields; no body changes nothing. */
export const updateContactRoute = {
  method: "PATCH",
  path: "/api/v1/contacts/{contactId}",
  handler: "lambdas/contacts/update-contact.handler",
  auth: "apiKey",
  scope: "contacts:write",
  operationId: "updateContact",
  summary: "Update a contact",
  tag: "Contacts",
  body: { json: updateContactSchema, optional: true },
  success: { status: 200, description: "The contact.", content: json(contactSchema) },
} satisfies Route;
