import { GRANULARITIES } from "../api-types";
import * as z from "../zod";
import { instantSchema } from "./keys";

/**
 * `GET .../api-keys/{keyId}/usage` (API.md §11): `granularity` (default `hour`), `from` (inclusive)
 * and `to` (exclusive) as ISO 8601 date-times (or dates, as `expiresAt` takes them). The query and a
 * direct invocation's `getKeyUsage` payload carry the same strings, so one schema serves both.
 * Whether `from` is before `to` depends on the clock when one is absent: the service decides it.
 */
export const keyUsageInputSchema = z.lazySchema(() =>
  z.strictObject({
    granularity: z._default(
      z.enum(GRANULARITIES, { error: () => `Must be one of ${GRANULARITIES.join(", ")}.` }),
      "hour",
    ),
    from: z.optional(instantSchema),
    to: z.optional(instantSchema),
  }),
);
export type KeyUsageInput = z.infer<typeof keyUsageInputSchema>;
