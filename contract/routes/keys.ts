import {
  auditEventSchema,
  createdKeySchema,
  keyListItemSchema,
  keyRecordSchema,
  keyUsageSchema,
  rotatedKeySchema,
} from "../schemas/answers";
import { keyPolicyAnswerSchema } from "../schemas/key-policy-answers";
import { pageSchema } from "../schemas/lists";
import {
  ADMIN_PREFIX,
  CONSOLE_PREFIX,
  KEY_OPERATIONS,
  type KeyOperation,
  type KeyOperationInput,
  type KeyOperationName,
} from "./key-operations";
import { idempotencyHeaders, json, location, type Route, type RouteAuth, type RouteSuccess } from "./route";

/**
 * The key routes: each operation of `key-operations.ts` behind the admin door and the console door,
 * documented once. The method, path, body, query and `Idempotency-Key` come from the operation; the
 * console's routes are the admin's for the signed-in person's org (same bodies and answers, no org in
 * the path). The doors never load this module: what it adds is for the document.
 */

/** An HTTP door into key management: where its resources start, its entry module, its auth kind. */
interface KeyDoor {
  prefix: string;
  handler: string;
  auth: RouteAuth;
}

/** The admin API (API.md §5): IAM-authorized, the org in the path. */
const ADMIN_KEY_DOOR: KeyDoor = {
  prefix: ADMIN_PREFIX,
  handler: "lambdas/key-management/doors/http.handler",
  auth: "iam",
};

/** The console (API.md §10): behind the console's Cognito authorizer, the person's own org. */
const CONSOLE_KEY_DOOR: KeyDoor = {
  prefix: CONSOLE_PREFIX,
  handler: "lambdas/key-management/doors/console.handler",
  auth: "cognito",
};

/** Key management's direct-invocation door: its own function, never behind API Gateway (no route). */
export const KEY_MANAGEMENT_DIRECT_HANDLER = "lambdas/key-management/doors/direct.handler";

/** What the document says of an operation, besides what its input declares. */
interface KeyOperationDoc {
  /** The admin route's; the console's is prefixed `console`. */
  operationId: string;
  summary: string;
  description?: string;
  /** Filed under `<group> (admin)` and `<group> (console)`. */
  group: "Keys" | "Audit";
  success: RouteSuccess;
  errors?: readonly number[];
}

const KEY_OPERATION_DOCS: { readonly [name in KeyOperationName]: KeyOperationDoc } = {
  createKey: {
    operationId: "createKey",
    summary: "Create a key",
    description:
      "An org holds at most 1,000 active keys (keys in a rotation's grace period count): a create beyond is 409.",
    group: "Keys",
    success: {
      status: 201,
      description: "The key record plus the key, shown this once.",
      content: json(createdKeySchema),
      headers: location,
    },
    errors: [409],
  },
  listKeys: {
    operationId: "listKeys",
    summary: "List the org's keys, newest first",
    description:
      "With `status`, `unusedForDays` or `policyViolations=true` (the active keys that break the org's key " +
      "policy; alone, never with another filter), one request reads at most 1,000 keys: a page may hold fewer than " +
      "`limit` items, even none, with a `nextCursor`. A cursor is valid only with the filter (and value) it " +
      "was issued for; any other is a 400 at `query.cursor`.",
    group: "Keys",
    success: { status: 200, description: "A page of keys.", content: json(pageSchema(keyListItemSchema)) },
  },
  getKey: {
    operationId: "getKey",
    summary: "Read a key with its usage",
    group: "Keys",
    success: { status: 200, description: "The key record.", content: json(keyRecordSchema) },
  },
  revokeKey: {
    operationId: "revokeKey",
    summary: "Revoke a key now (repeating it is harmless)",
    group: "Keys",
    success: { status: 200, description: "The key record, revoked.", content: json(keyRecordSchema) },
  },
  updateKey: {
    operationId: "updateKey",
    summary: "Change an active key's name, scopes, rate limit or allowlist",
    group: "Keys",
    success: { status: 200, description: "The key record.", content: json(keyRecordSchema) },
    errors: [409],
  },
  rotateKey: {
    operationId: "rotateKey",
    summary: "Replace a key with a new one, with an optional grace period",
    group: "Keys",
    success: {
      status: 201,
      description: "The new key's record, the new key, and the id it replaces.",
      content: json(rotatedKeySchema),
      headers: location,
    },
    errors: [409],
  },
  getKeyUsage: {
    operationId: "getKeyUsage",
    summary: "A key's usage history by window, hour or day",
    description:
      "Counts per period and how many were answered 429, oldest first; the current window live; periods " +
      "with no requests left out. `from` (inclusive) and `to` (exclusive) default to the last 7 days; a " +
      "`from` older than the 90 days kept is clamped to them; `from` at or after `to` is a 400.",
    group: "Keys",
    success: { status: 200, description: "The key's usage.", content: json(keyUsageSchema) },
  },
  listAuditEvents: {
    operationId: "listAuditEvents",
    summary: "List the org's key events, newest first",
    group: "Audit",
    success: {
      status: 200,
      description: "A page of audit events.",
      content: json(pageSchema(auditEventSchema)),
    },
  },
  getKeyPolicy: {
    operationId: "getKeyPolicy",
    summary: "Read the org's key policy",
    description:
      "An org that never set one answers the defaults, with `updatedAt` and `updatedBy` null (API.md §12).",
    group: "Keys",
    success: { status: 200, description: "The key policy.", content: json(keyPolicyAnswerSchema) },
  },
  putKeyPolicy: {
    operationId: "putKeyPolicy",
    summary: "Replace the org's key policy",
    description:
      "Every field is required. Enforced on later creates, rotations and PATCHes; existing keys are never " +
      "changed, they carry `policyViolations`. A change is recorded as the audit event `policy.updated`; a " +
      "PUT that changes nothing writes nothing.",
    group: "Keys",
    success: { status: 200, description: "The key policy as stored.", content: json(keyPolicyAnswerSchema) },
  },
};

/** What a route takes, from its operation's input: the body or the query, as the doors validate them. */
function inputOf(input: KeyOperationInput): Pick<Route, "body" | "query"> {
  if (input.from === "body") {
    return { body: { json: ({ nowMs }) => input.schema(nowMs), optional: input.optional ?? false } };
  }
  return input.from === "query" ? { query: input.schema } : {};
}

/** One route per operation behind `door`; the admin's operation ids as declared, the console's prefixed. */
function keyRoutes(door: KeyDoor, name: "admin" | "console"): Route[] {
  return (Object.keys(KEY_OPERATIONS) as KeyOperationName[]).map((operationName) => {
    const operation: KeyOperation = KEY_OPERATIONS[operationName];
    const { operationId, group, ...doc } = KEY_OPERATION_DOCS[operationName];
    return {
      method: operation.method,
      path: `${door.prefix}${operation.path}`,
      handler: door.handler,
      auth: door.auth,
      operationId:
        name === "admin"
          ? operationId
          : `${name}${operationId.charAt(0).toUpperCase()}${operationId.slice(1)}`,
      tag: `${group} (${name})`,
      ...doc,
      ...(operation.idempotent ? { headers: idempotencyHeaders } : {}),
      ...inputOf(operation.input),
    };
  });
}

/** The admin API's key routes (API.md §5), `/admin/v1/orgs/{orgId}/...`. */
export const ADMIN_KEY_ROUTES: readonly Route[] = keyRoutes(ADMIN_KEY_DOOR, "admin");

/** The console's (API.md §10), `/console/v1/...`: the admin API's, for the signed-in person's org. */
export const CONSOLE_KEY_ROUTES: readonly Route[] = keyRoutes(CONSOLE_KEY_DOOR, "console");
