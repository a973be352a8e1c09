/**
 * The data table's layout: one partition per org (`ORG#<orgId>`, the org always from the authorizer
 * context), one sort-key prefix per item kind. Ids are time-sortable (`newId`), so a prefix query
 * lists oldest first. Items hold the resource exactly as the API answers it, plus `pk`/`sk` (and
 * `ttl` where an item expires).
 */
export const orgPk = (orgId: string) => `ORG#${orgId}`;

/** The sort-key prefix of each item kind. */
export const SK_PREFIX = {
  account: "ACCOUNT#",
  /** Guard item holding an account's `externalRef`, unique per org. */
  externalRef: "EXTREF#",
  contact: "CONTACT#",
  /** `PAYMENT#<accountId>#<paymentId>`: an account's payments are one prefix query. */
  payment: "PAYMENT#",
  interaction: "INTERACTION#",
  /** `IDEMPOTENCY#<sha256 of method, concrete path and key>` */
  idempotency: "IDEMPOTENCY#",
  webhook: "WEBHOOK#",
  /** Events waiting for delivery (the transactional outbox). */
  outbox: "OUTBOX#",
  /** `DELIVERY#<webhookId>#<id>`: a subscription's delivery attempts. */
  delivery: "DELIVERY#",
} as const;

/** The sort key of one item of each kind. */
export const sk = {
  account: (id: string) => `${SK_PREFIX.account}${id}`,
  externalRef: (ref: string) => `${SK_PREFIX.externalRef}${ref}`,
  contact: (id: string) => `${SK_PREFIX.contact}${id}`,
  payment: (accountId: string, paymentId: string) => `${SK_PREFIX.payment}${accountId}#${paymentId}`,
  interaction: (id: string) => `${SK_PREFIX.interaction}${id}`,
  idempotency: (hash: string) => `${SK_PREFIX.idempotency}${hash}`,
  webhook: (id: string) => `${SK_PREFIX.webhook}${id}`,
  /**
   * The org's subscription-set version (`WEBHOOKS`, outside every list's prefix): bumped by each create,
   * so two creates racing under the cap cannot both pass (`createWebhook`).
   */
  webhookSet: "WEBHOOKS",
  outbox: (id: string) => `${SK_PREFIX.outbox}${id}`,
  delivery: (webhookId: string, id: string) => `${SK_PREFIX.delivery}${webhookId}#${id}`,
};

const KEY_ATTRIBUTES = new Set(["pk", "sk", "ttl"]);

/** The resource an item holds: the item less its table keys. */
export function resourceOf<T>(item: Record<string, unknown>): T {
  return Object.fromEntries(Object.entries(item).filter(([name]) => !KEY_ATTRIBUTES.has(name))) as T;
}
