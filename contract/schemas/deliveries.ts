import * as z from "../zod";
import { dateTimeSchema } from "./date-time";
import { webhookEventTypeSchema } from "./interactions";

/**
 * Why an attempt failed, as the tenant sees it (API.md §9): never an address, a port's state, a
 * resolver's answer or a TLS library's code, so the delivery log cannot map the inside. The details
 * go to the operator's log only.
 */
export const DELIVERY_FAILURE_REASONS = [
  "timeout",
  "connection_failed",
  "tls_error",
  "refused_address",
  "http_status",
  "redirect",
] as const;
export const deliveryFailureReasonSchema = z.lazySchema(() => z.enum(DELIVERY_FAILURE_REASONS));
export type DeliveryFailureReason = z.infer<typeof deliveryFailureReasonSchema>;

/** What came of one attempt. */
export const DELIVERY_OUTCOMES = ["succeeded", "retry_scheduled", "failed"] as const;

/**
 * One delivery attempt, as `GET /api/v1/webhooks/{webhookId}/deliveries` lists it. `statusCode` is
 * null when no answer came (refused address, timeout, connection failure); `error` is the reason of a
 * failed attempt (one of `DELIVERY_FAILURE_REASONS`), null for a success; `nextAttemptAt` is set when
 * a retry is scheduled. `failed` is
 * the last attempt of a delivery: retried for the whole schedule, or its subscription disabled.
 */
export const deliveryAttemptSchema = z.lazySchema(() =>
  z.object({
    id: z.withMeta(z.string(), { description: "Attempt id (`dlv_...`), time-sortable." }),
    eventId: z.withMeta(z.string(), {
      description: "The event's `id` (`evt_...`), the same on every attempt.",
    }),
    eventType: webhookEventTypeSchema,
    attempt: z.withMeta(z.number().check(z.int(), z.minimum(1)), {
      description: "1 for the first try of this event here.",
    }),
    outcome: z.enum(DELIVERY_OUTCOMES),
    statusCode: z.nullable(z.number().check(z.int())),
    at: z.withMeta(z.string(), {
      format: "date-time",
      description: "When the attempt started (ISO 8601 UTC).",
    }),
    durationMs: z.number().check(z.int(), z.minimum(0)),
    error: z.withMeta(z.nullable(deliveryFailureReasonSchema), {
      description:
        "Why the attempt failed: `timeout`, `connection_failed`, `tls_error`, `refused_address` (the URL or an address it resolves to is not public), `http_status` (a non-2xx answer), `redirect` (a 3xx, never followed); null on success.",
    }),
    nextAttemptAt: z.nullable(dateTimeSchema),
  }),
);
export type DeliveryAttempt = z.infer<typeof deliveryAttemptSchema>;
