import { keyPolicySchema } from "../schemas/key-policy";
import { keyUsageInputSchema } from "../schemas/key-usage";
import {
  createKeySchema,
  listAuditEventsInputSchema,
  listAuditEventsQuerySchema,
  listKeysInputSchema,
  listKeysQuerySchema,
  revokeKeySchema,
  rotateKeySchema,
  updateKeySchema,
} from "../schemas/keys";
import type * as z from "../zod";
import type { HttpMethod } from "./route";

/**
 * Key management's operations (API.md §5, §12) as every door takes them: the same ten behind the admin
 * API, the console and direct invocation (`lambdas/key-management/doors/`). Each is declared once
 * here, with the input it validates; the key routes (`keys.ts`) place it under each HTTP door's
 * prefix and document it, and `lambdas/key-management/operations.ts` gives it its work. This module
 * holds nothing the stack or the document alone needs: the doors bundle it.
 */

/** Where an operation's input comes from over HTTP; a direct invocation carries it as JSON fields. */
export type KeyOperationInput =
  /** A JSON body; `nowMs` is the clock's reading a schema may need (`expiresAt` in the future). */
  | { from: "body"; schema: (nowMs: number) => z.ZodMiniType; optional?: boolean }
  /** Query parameters (strings) over HTTP; the same fields typed as JSON in a payload. */
  | { from: "query"; schema: z.ZodMiniObject; payloadSchema: z.ZodMiniType }
  /** Nothing: an unknown query parameter or payload field is still a 400. */
  | { from: "none" };

export interface KeyOperation {
  method: HttpMethod;
  /** The resource path under a door's prefix (`/admin/v1/orgs/{orgId}` for the admin door). */
  path: string;
  /** It names a key: `{keyId}` ends its path, a payload's `keyId` is required. */
  takesKeyId: boolean;
  /** Honours `Idempotency-Key` (the header; `idempotencyKey` in a payload). */
  idempotent?: boolean;
  input: KeyOperationInput;
}

/** Every operation, by its direct-invocation action name, in the order the route table lists them. */
export const KEY_OPERATIONS = {
  createKey: {
    method: "POST",
    path: "/api-keys",
    takesKeyId: false,
    idempotent: true,
    input: { from: "body", schema: createKeySchema },
  },
  listKeys: {
    method: "GET",
    path: "/api-keys",
    takesKeyId: false,
    input: { from: "query", schema: listKeysQuerySchema, payloadSchema: listKeysInputSchema },
  },
  getKey: { method: "GET", path: "/api-keys/{keyId}", takesKeyId: true, input: { from: "none" } },
  revokeKey: {
    method: "POST",
    path: "/api-keys/{keyId}/revoke",
    takesKeyId: true,
    input: { from: "body", schema: () => revokeKeySchema, optional: true },
  },
  updateKey: {
    method: "PATCH",
    path: "/api-keys/{keyId}",
    takesKeyId: true,
    input: { from: "body", schema: () => updateKeySchema, optional: true },
  },
  rotateKey: {
    method: "POST",
    path: "/api-keys/{keyId}/rotate",
    takesKeyId: true,
    input: { from: "body", schema: rotateKeySchema, optional: true },
  },
  getKeyUsage: {
    method: "GET",
    path: "/api-keys/{keyId}/usage",
    takesKeyId: true,
    input: { from: "query", schema: keyUsageInputSchema, payloadSchema: keyUsageInputSchema },
  },
  listAuditEvents: {
    method: "GET",
    path: "/audit-events",
    takesKeyId: false,
    input: { from: "query", schema: listAuditEventsQuerySchema, payloadSchema: listAuditEventsInputSchema },
  },
  getKeyPolicy: { method: "GET", path: "/key-policy", takesKeyId: false, input: { from: "none" } },
  putKeyPolicy: {
    method: "PUT",
    path: "/key-policy",
    takesKeyId: false,
    input: { from: "body", schema: () => keyPolicySchema },
  },
} as const satisfies Record<string, KeyOperation>;

export type KeyOperationName = keyof typeof KEY_OPERATIONS;

/** Where the admin API's resources start (API.md §5): the org in the path. */
export const ADMIN_PREFIX = "/admin/v1/orgs/{orgId}";

/** Where the console's start (API.md §10): the signed-in person's org, from their ID token. */
export const CONSOLE_PREFIX = "/console/v1";
