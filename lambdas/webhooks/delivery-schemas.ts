import { webhookEventTypeSchema } from "../../contract/schemas/interactions";
import * as z from "../../contract/zod";
import type { WebhookEvent } from "../shared/outbox-events";

/** An event as delivered (API.md §9) and as its outbox item and its retries carry it. */
export const webhookEventSchema = z.lazySchema(
  () =>
    z.object({
      id: z.string().check(z.regex(/^evt_[0-9A-Z]{26}$/)),
      type: webhookEventTypeSchema,
      createdAt: z.string(),
      orgId: z.string().check(z.minLength(1)),
      data: z.record(z.string(), z.unknown()),
    }) satisfies z.ZodMiniType<WebhookEvent>,
);

/**
 * A retry waiting to be made: the event itself travels with it (the outbox item may be gone by then),
 * the subscription is read again when it is due (its url, secret and state may have changed).
 */
export const pendingRetrySchema = z.lazySchema(() =>
  z.strictObject({
    orgId: z.string().check(z.minLength(1)),
    webhookId: z.string().check(z.minLength(1)),
    /** The attempt to make (2 for the first retry; 1 for a first attempt deferred for want of a slot). */
    attempt: z.number().check(z.int(), z.minimum(1)),
    /** Epoch ms of this delivery's first attempt: the schedule's span counts from it. */
    firstAttemptAt: z.number().check(z.int()),
    /** Epoch ms at which the attempt is due. */
    dueAt: z.number().check(z.int()),
    event: webhookEventSchema,
  }),
);
export type PendingRetry = z.infer<typeof pendingRetrySchema>;
