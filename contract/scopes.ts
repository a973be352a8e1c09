/**
 * The closed list of scopes a key can hold (API.md §2). No zod here: the authorizer imports this and
 * carries nothing it does not need; the schema lives with the admin schemas.
 */
export const SCOPES = [
  "accounts:read",
  "accounts:write",
  "contacts:read",
  "contacts:write",
  "payments:write",
  "import",
  "export",
  "webhooks:manage",
] as const;

export type Scope = (typeof SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}
