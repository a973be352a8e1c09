import * as z from "../zod";
import { dateTimeSchema } from "./date-time";

/**
 * Business event types (API.md §6): interactions carry them, webhook subscriptions name them. One
 * list, so the interaction items, the webhook schemas and the OpenAPI document cannot drift apart.
 * Not the audit events of key management (`AUDIT_EVENT_TYPES`).
 */
export const BUSINESS_EVENT_TYPES = [
  "account.created",
  "account.updated",
  "contact.created",
  "contact.updated",
  "payment.registered",
  "import.completed",
] as const;

export const businessEventTypeSchema = z.lazySchema(() => z.enum(BUSINESS_EVENT_TYPES));
export type BusinessEventType = z.infer<typeof businessEventTypeSchema>;

/**
 * Key events (API.md §11): webhook subscriptions may list them beside the business events; they are
 * not interactions. Their `data` is the key record (never the key).
 */
export const KEY_EVENT_TYPES = [
  "api_key.created",
  "api_key.revoked",
  "api_key.expiring_soon",
  "api_key.leak_reported",
  "api_key.rotation_due",
] as const;
export type KeyEventType = (typeof KEY_EVENT_TYPES)[number];

/** Every event a webhook subscription may list and a delivery may carry. */
export const WEBHOOK_EVENT_TYPES = [...BUSINESS_EVENT_TYPES, ...KEY_EVENT_TYPES] as const;
export const webhookEventTypeSchema = z.lazySchema(() => z.enum(WEBHOOK_EVENT_TYPES));
export type WebhookEventType = z.infer<typeof webhookEventTypeSchema>;

/**
 * Interaction (API.md §6): what happened, on which account (null for org-level events such as
 * `import.completed`), when, and `data`: the resource as the API answered it (the import's summary
 * for `import.completed`). Stored at `INTERACTION#<id>`, ids time-sortable, so the org's
 * interactions list oldest first with a prefix query.
 */
export const interactionSchema = z.lazySchema(() =>
  z.object({
    id: z.string(),
    accountId: z.nullable(z.string()),
    type: businessEventTypeSchema,
    at: dateTimeSchema,
    data: z.record(z.string(), z.unknown()),
  }),
);
export type Interaction = z.infer<typeof interactionSchema>;
