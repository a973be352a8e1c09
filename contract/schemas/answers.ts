import {
  AUDIT_EVENT_TYPES,
  type AuditEvent,
  type CreatedKey,
  type CreateKeyBody,
  GRANULARITIES,
  type KeyListItem,
  type KeyRecord,
  type KeyUsage,
  POLICY_VIOLATIONS,
  type RotatedKey,
  type RotateKeyBody,
  type UpdateKeyBody,
} from "../api-types";
import * as z from "../zod";
import {
  type createKeySchema,
  keyStatusSchema,
  type rotateKeySchema,
  scopeSchema,
  type updateKeySchema,
} from "./keys";
import type { Same } from "./same-type";
import type { TokenLabel } from "./secret-scanning";

/**
 * Zod schemas of answers that no function validates (key management's verbs, the leak report and the
 * health check build them from typed values): written for the document only, and bundled by no
 * function but the OpenAPI one. Each is held to the wire type the code answers with and the clients
 * read (`api-types.ts`, `secret-scanning.ts`): if the two ever differ, `tsc` fails on the `Same`
 * checks below, so the document cannot drift from the code. The request bodies the key operations
 * parse are held to the contract's body types the same way.
 */

const isoInstant = z.lazySchema(() => z.withMeta(z.string(), { format: "date-time" }));

/** A key as admins see it (API.md §5). */
export const keyRecordSchema = z.lazySchema(() =>
  z.object({
    id: z.string(),
    orgId: z.string(),
    name: z.string(),
    scopes: z.array(scopeSchema),
    hint: z.withMeta(z.string(), { description: "The prefix, 4 characters, `…`, the last 4." }),
    status: keyStatusSchema,
    createdAt: isoInstant,
    createdBy: z.string(),
    expiresAt: z.nullable(isoInstant),
    revokedAt: z.nullable(isoInstant),
    lastUsedAt: z.nullable(isoInstant),
    rateLimit: z.object({
      limit: z.number().check(z.int(), z.minimum(1)),
      windowSeconds: z.number().check(z.int(), z.minimum(1)),
    }),
    allowedIps: z.nullable(z.array(z.string())),
    replacedBy: z.nullable(z.string()),
    usage: z.object({ windowStart: isoInstant, count: z.number().check(z.int(), z.minimum(0)) }),
    policyViolations: z.withMeta(z.array(z.enum(POLICY_VIOLATIONS)), {
      description:
        "The rules of the org's current key policy this active key breaks (it was made before them); " +
        "always empty for expired and revoked keys.",
    }),
  }),
);
const keyRecordMatches: Same<z.infer<typeof keyRecordSchema>, KeyRecord> = true;

/** The create answer: the record plus the key, shown this once (and the Secrets Manager copy's ARN). */
export const createdKeySchema = z.lazySchema(() =>
  z.extend(keyRecordSchema, {
    key: z.withMeta(z.string(), { description: "The key itself; never shown again." }),
    secretArn: z.withMeta(z.optional(z.string()), { description: "With the Secrets Manager hook on." }),
  }),
);
const createdKeyMatches: Same<z.infer<typeof createdKeySchema>, CreatedKey> = true;

/** The rotate answer: the new key's record and key, and the id of the key it replaces. */
export const rotatedKeySchema = z.lazySchema(() => z.extend(createdKeySchema, { replaces: z.string() }));
const rotatedKeyMatches: Same<z.infer<typeof rotatedKeySchema>, RotatedKey> = true;

/** The bodies as sent (before the schemas' transforms) are the contract's, which the clients send. */
const createKeyBodyMatches: Same<z.input<ReturnType<typeof createKeySchema>>, CreateKeyBody> = true;
const updateKeyBodyMatches: Same<z.input<typeof updateKeySchema>, UpdateKeyBody> = true;
const rotateKeyBodyMatches: Same<z.input<ReturnType<typeof rotateKeySchema>>, RotateKeyBody> = true;

/** A key audit event (API.md §5). */
export const auditEventSchema = z.lazySchema(() =>
  z.object({
    id: z.string(),
    type: z.enum(AUDIT_EVENT_TYPES),
    at: isoInstant,
    actor: z.string(),
    claimedActor: z.optional(z.string()),
    actorEmail: z.optional(z.nullable(z.string())),
    keyId: z.withMeta(z.nullable(z.string()), {
      description: "Null for an event of the org's own (`policy.updated`).",
    }),
    changes: z.record(z.string(), z.unknown()),
  }),
);
const auditEventMatches: Same<z.infer<typeof auditEventSchema>, AuditEvent> = true;

/** One period of a usage answer (API.md §11). */
const usagePeriodSchema = z.lazySchema(() =>
  z.object({
    start: isoInstant,
    count: z.withMeta(z.number().check(z.int(), z.minimum(0)), {
      description: "Requests counted in the period.",
    }),
    throttled: z.withMeta(z.number().check(z.int(), z.minimum(0)), {
      description: "How many of them were answered 429.",
    }),
  }),
);

/** A key's usage history (API.md §11): periods oldest first, the current window live, empty periods left out. */
export const keyUsageSchema = z.lazySchema(() =>
  z.object({
    keyId: z.string(),
    windowSeconds: z.number().check(z.int(), z.minimum(1)),
    limit: z.withMeta(z.number().check(z.int(), z.minimum(1)), {
      description: "The key's effective limit per window.",
    }),
    granularity: z.enum(GRANULARITIES),
    items: z.array(usagePeriodSchema),
  }),
);

/** A listed key (API.md §5, §11): its record and its last 7 days by hour, as the page draws them. */
export const keyListItemSchema = z.lazySchema(() =>
  z.extend(keyRecordSchema, {
    lastSevenDays: z.withMeta(z.array(usagePeriodSchema), {
      description:
        "The key's last 7 days by hour, oldest first, hours without requests left out: the items of its " +
        "usage answer with `granularity=hour` and no bounds, the current window live.",
    }),
  }),
);
const keyListItemMatches: Same<z.infer<typeof keyListItemSchema>, KeyListItem> = true;
const keyUsageMatches: Same<z.infer<typeof keyUsageSchema>, KeyUsage> = true;

/** One label of a leak report's answer, in GitHub's feedback format (API.md §8). */
export const tokenLabelSchema = z.lazySchema(() =>
  z.object({
    token_hash: z.withMeta(z.string(), { description: "Hex SHA-256 of the reported token." }),
    token_type: z.string(),
    label: z.enum(["true_positive", "false_positive"]),
  }),
);
const tokenLabelMatches: Same<z.infer<typeof tokenLabelSchema>, TokenLabel> = true;

/** `GET /health`'s answer. */
export const healthSchema = z.lazySchema(() => z.object({ status: z.literal("ok") }));

/** The type checks above, referenced so that the compiler keeps them. */
export const ANSWER_CHECKS = [
  keyRecordMatches,
  createdKeyMatches,
  rotatedKeyMatches,
  createKeyBodyMatches,
  updateKeyBodyMatches,
  rotateKeyBodyMatches,
  auditEventMatches,
  keyUsageMatches,
  keyListItemMatches,
  tokenLabelMatches,
];
