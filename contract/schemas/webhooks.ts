import { classifyHost } from "../public-address";
import * as z from "../zod";
import { dateTimeSchema } from "./date-time";
import { WEBHOOK_EVENT_TYPES, type WebhookEventType, webhookEventTypeSchema } from "./interactions";
import { plainTextSchema } from "./plain-text";

/** Longest subscription URL accepted: room for any real endpoint, and a bound on what is stored. */
export const WEBHOOK_URL_MAX = 2048;

/**
 * The only ports a deployed subscription may name (API.md §9): HTTPS's own and its common alternate.
 * Any other port would let a tenant aim deliveries at arbitrary services of a third party.
 */
export const WEBHOOK_PORTS = ["443", "8443"] as const;

/** What a subscription URL may point at. Only the local runtime ever allows loopback (API.md §9). */
export interface WebhookUrlPolicy {
  /** `http://` and `https://` on loopback (`127.0.0.0/8`, `::1`, `localhost`) are allowed too. */
  allowLoopback: boolean;
}

/**
 * Why a subscription URL is refused at creation, or undefined when it is acceptable. The host is
 * judged as the WHATWG URL parser reads it, the parser the delivery will use too, so that `0x7f.1`,
 * `2130706433`, `[::ffff:127.0.0.1]` and `127.0.0.1.` are all seen as the loopback address they are.
 * Names are not resolved here; the delivery checks every address a name resolves to.
 */
export function webhookUrlProblem(value: string, policy: WebhookUrlPolicy): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "Must be an absolute https:// URL.";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return "Must be an https:// URL.";
  if (url.username !== "" || url.password !== "") {
    return "Must not carry a user name or password; put credentials in the path or verify the signature.";
  }
  const host = classifyHost(url.hostname);
  const loopback = host.kind === "localhost" || (host.kind === "address" && host.address === "loopback");
  if (policy.allowLoopback && loopback) return undefined;
  if (url.protocol !== "https:") return "Must be an https:// URL.";
  if (loopback || (host.kind === "address" && host.address !== "public")) {
    return "Must point at a public address: loopback, private, link-local, unique-local and other internal addresses are refused.";
  }
  // The parser drops the scheme's default port: "" is 443 here.
  if (url.port !== "" && !(WEBHOOK_PORTS as readonly string[]).includes(url.port)) {
    return `Must use port ${WEBHOOK_PORTS.join(" or ")}.`;
  }
  return undefined;
}

/** A subscription URL, stored as the parser normalises it (what was checked is what gets called). */
export function webhookUrlSchema(policy: WebhookUrlPolicy) {
  return z.withMeta(
    z.pipe(
      z.string().check(
        z.maxLength(WEBHOOK_URL_MAX, `Must be at most ${WEBHOOK_URL_MAX} characters.`),
        z.superRefine((value: string, ctx) => {
          const problem = webhookUrlProblem(value, policy);
          if (problem) ctx.addIssue({ code: "custom", message: problem, input: value });
        }),
      ),
      z.transform((value: string) => new URL(value).href),
    ),
    {
      format: "uri",
      description: "https URL of a public host, on port 443 or 8443; answered as normalised.",
    },
  );
}

/** A non-empty set of the events of API.md §6 and §11; duplicates are folded, first occurrence kept in place. */
export const eventsSchema = z.lazySchema(() =>
  z.pipe(
    z
      .array(
        z.enum(WEBHOOK_EVENT_TYPES, {
          error: () => `Unknown event; expected one of ${WEBHOOK_EVENT_TYPES.join(", ")}.`,
        }),
      )
      .check(z.minLength(1, "Give at least one event.")),
    z.transform((events: WebhookEventType[]) => [...new Set(events)]),
  ),
);

const descriptionSchema = z.lazySchema(() =>
  plainTextSchema().check(z.trim(), z.maxLength(500, "Must be at most 500 characters.")),
);

/** A subscription as the API answers it (API.md §6). The signing secret is never part of it. */
export const webhookSchema = z.lazySchema(() =>
  z.object({
    id: z.string(),
    url: z.string(),
    events: z.array(webhookEventTypeSchema),
    description: z.nullable(z.string()),
    enabled: z.boolean(),
    createdAt: dateTimeSchema,
    updatedAt: dateTimeSchema,
  }),
);
export type Webhook = z.infer<typeof webhookSchema>;

/** The create answer: the subscription plus its signing secret, shown this once. */
export const createdWebhookSchema = z.lazySchema(() =>
  z.extend(webhookSchema, {
    secret: z.withMeta(z.string(), {
      description: "Signing secret (`whsec_...`); shown only in this answer.",
    }),
  }),
);
export type CreatedWebhook = z.infer<typeof createdWebhookSchema>;

/** Body of `POST /api/v1/webhooks`. */
export function createWebhookSchema(policy: WebhookUrlPolicy) {
  return z.strictObject({
    url: webhookUrlSchema(policy),
    events: eventsSchema,
    description: z.optional(descriptionSchema),
  });
}
export type CreateWebhook = z.infer<ReturnType<typeof createWebhookSchema>>;

/** Body of `PATCH /api/v1/webhooks/{webhookId}`: every field optional; `description: null` clears it. */
export function updateWebhookSchema(policy: WebhookUrlPolicy) {
  return z.strictObject({
    url: z.optional(webhookUrlSchema(policy)),
    events: z.optional(eventsSchema),
    description: z.optional(z.nullable(descriptionSchema)),
    enabled: z.optional(z.boolean()),
  });
}
export type UpdateWebhook = z.infer<ReturnType<typeof updateWebhookSchema>>;
