import { accountSchema, createAccountSchema, updateAccountSchema } from "../schemas/accounts";
import { listQuerySchema, pageSchema } from "../schemas/lists";
import { json, location, type Route } from "./route";

/** `GET /api/v1/accounts`: the caller's org's accounts, a page at a time. */
export const listAccountsRoute = {
  method: "GET",
  path: "/api/v1/accounts",
  handler: "lambdas/accounts/list-accounts.handler",
  auth: "apiKey",
  scope: "accounts:read",
  operationId: "listAccounts",
  summary: "List accounts, oldest first",
  tag: "Accounts",
  query: listQuerySchema,
  success: { status: 200, description: "A page of accounts.", content: json(pageSchema(accountSchema)) },
} satisfies Route;

/** `POST /api/v1/accounts`: a new account in the caller's org. */
export const createAccountRoute = {
  method: "POST",
  path: "/api/v1/accounts",
  handler: "lambdas/accounts/create-account.handler",
  auth: "apiKey",
  scope: "accounts:write",
  operationId: "createAccount",
  summary: "Create an account",
  tag: "Accounts",
  body: { json: createAccountSchema },
  success: { status: 201, description: "The account.", content: json(accountSchema), headers: location },
  errors: [409],
} satisfies Route;

/** `GET /api/v1/accounts/{accountId}`: one account of the caller's org. */
export const getAccountRoute = {
  method: "GET",
  path: "/api/v1/accounts/{accountId}",
  handler: "lambdas/accounts/get-account.handler",
  auth: "apiKey",
  scope: "accounts:read",
  operationId: "getAccount",
  summary: "Read an account",
  tag: "Accounts",
  success: { status: 200, description: "The account.", content: json(accountSchema) },
} satisfies Route;

/** `PATCH /api/v1/accounts/{accountId}`: name, externalRef, status; no body changes nothing. */
export const updateAccountRoute = {
  method: "PATCH",
  path: "/api/v1/accounts/{accountId}",
  handler: "lambdas/accounts/update-account.handler",
  auth: "apiKey",
  scope: "accounts:write",
  operationId: "updateAccount",
  summary: "Update an account's name, externalRef or status",
  description: "The currency never changes. No body changes nothing.",
  tag: "Accounts",
  body: { json: updateAccountSchema, optional: true },
  success: { status: 200, description: "The account.", content: json(accountSchema) },
  errors: [409],
} satisfies Route;
