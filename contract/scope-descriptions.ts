import type { Scope } from "./scopes";

/**
 * What each scope grants (API.md §2), as people read it in the console. Apart from `scopes.ts`, which
 * the authorizer imports and which must stay small.
 */
export const SCOPE_DESCRIPTIONS: Record<Scope, string> = {
  "accounts:read": "list and read accounts (and an account's payments)",
  "accounts:write": "create and update accounts",
  "contacts:read": "list and read contacts",
  "contacts:write": "create and update contacts",
  "payments:write": "register payments against accounts",
  import: "bulk import accounts",
  export: "export accounts and interaction data",
  "webhooks:manage": "create, read, update and delete webhook subscriptions",
};

/** What a scope also gives away, said beside it where people choose scopes. */
export const SCOPE_NOTES: Partial<Record<Scope, string>> = {
  "webhooks:manage":
    "Its webhooks receive the payloads of the events they subscribe to: in effect, read access to that data.",
};
