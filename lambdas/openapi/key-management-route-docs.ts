import * as z from "zod";
import {
  auditEventSchema,
  createdKeySchema,
  keyListItemSchema,
  keyRecordSchema,
  keyUsageSchema,
  rotatedKeySchema,
} from "../../contract/schemas/answers";
import { keyUsageInputSchema } from "../../contract/schemas/key-usage";
import {
  createKeySchema,
  listAuditEventsQuerySchema,
  listKeysQuerySchema,
  revokeKeySchema,
  rotateKeySchema,
  updateKeySchema,
} from "../../contract/schemas/keys";
import { pageSchema } from "../../contract/schemas/lists";
import { id, idempotencyHeaders, location, type RouteDoc } from "./route-doc";

const orgPath = z.object({ orgId: id("The org (1 to 64 of A-Z, a-z, 0-9, _ and -).") });
const keyPath = orgPath.extend({ keyId: id("A key id (`key_` + 22 base62 digits).") });

/** The key-management routes (`/admin/v1/*`, SigV4): keys and their audit events. */
export const KEY_MANAGEMENT_ROUTE_DOCS: Record<string, RouteDoc> = {
  "POST /admin/v1/orgs/{orgId}/api-keys": {
    operationId: "createKey",
    summary: "Create a key",
    description:
      "An org holds at most 1,000 active keys (keys in a rotation's grace period count): a create beyond is 409.",
    tag: "Keys (admin)",
    path: orgPath,
    headers: idempotencyHeaders,
    body: { content: { "application/json": createKeySchema(0) }, required: true },
    success: {
      status: 201,
      description: "The key record plus the key, shown this once.",
      content: { "application/json": createdKeySchema },
      headers: location,
    },
    errors: [409],
  },
  "GET /admin/v1/orgs/{orgId}/api-keys": {
    operationId: "listKeys",
    summary: "List the org's keys, newest first",
    description:
      "With `status` or `unusedForDays`, one request reads at most 1,000 keys: a page may hold fewer than " +
      "`limit` items, even none, with a `nextCursor`. A cursor is valid only with the filter (and value) it " +
      "was issued for; any other is a 400 at `query.cursor`.",
    tag: "Keys (admin)",
    path: orgPath,
    query: listKeysQuerySchema,
    success: {
      status: 200,
      description: "A page of keys.",
      content: { "application/json": pageSchema(keyListItemSchema) },
    },
  },
  "GET /admin/v1/orgs/{orgId}/api-keys/{keyId}": {
    operationId: "getKey",
    summary: "Read a key with its usage",
    tag: "Keys (admin)",
    path: keyPath,
    success: {
      status: 200,
      description: "The key record.",
      content: { "application/json": keyRecordSchema },
    },
  },
  "PATCH /admin/v1/orgs/{orgId}/api-keys/{keyId}": {
    operationId: "updateKey",
    summary: "Change an active key's name, scopes, rate limit or allowlist",
    tag: "Keys (admin)",
    path: keyPath,
    body: { content: { "application/json": updateKeySchema }, required: false },
    success: {
      status: 200,
      description: "The key record.",
      content: { "application/json": keyRecordSchema },
    },
    errors: [409],
  },
  "POST /admin/v1/orgs/{orgId}/api-keys/{keyId}/revoke": {
    operationId: "revokeKey",
    summary: "Revoke a key now (repeating it is harmless)",
    tag: "Keys (admin)",
    path: keyPath,
    body: { content: { "application/json": revokeKeySchema }, required: false },
    success: {
      status: 200,
      description: "The key record, revoked.",
      content: { "application/json": keyRecordSchema },
    },
  },
  "POST /admin/v1/orgs/{orgId}/api-keys/{keyId}/rotate": {
    operationId: "rotateKey",
    summary: "Replace a key with a new one, with an optional grace period",
    tag: "Keys (admin)",
    path: keyPath,
    body: { content: { "application/json": rotateKeySchema(0) }, required: false },
    success: {
      status: 201,
      description: "The new key's record, the new key, and the id it replaces.",
      content: { "application/json": rotatedKeySchema },
      headers: location,
    },
    errors: [409],
  },
  "GET /admin/v1/orgs/{orgId}/api-keys/{keyId}/usage": {
    operationId: "getKeyUsage",
    summary: "A key's usage history by window, hour or day",
    description:
      "Counts per period and how many were answered 429, oldest first; the current window live; periods " +
      "with no requests left out. `from` (inclusive) and `to` (exclusive) default to the last 7 days; a " +
      "`from` older than the 90 days kept is clamped to them; `from` at or after `to` is a 400.",
    tag: "Keys (admin)",
    path: keyPath,
    query: keyUsageInputSchema,
    success: {
      status: 200,
      description: "The key's usage.",
      content: { "application/json": keyUsageSchema },
    },
  },
  "GET /admin/v1/orgs/{orgId}/audit-events": {
    operationId: "listAuditEvents",
    summary: "List the org's key events, newest first",
    tag: "Audit (admin)",
    path: orgPath,
    query: listAuditEventsQuerySchema,
    success: {
      status: 200,
      description: "A page of audit events.",
      content: { "application/json": pageSchema(auditEventSchema) },
    },
  },
};
