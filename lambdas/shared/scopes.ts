import { z } from "zod";

/** The closed list of scopes a key can hold (API.md §2). */
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

export const scopeSchema = z.enum(SCOPES);
export type Scope = z.infer<typeof scopeSchema>;

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}
