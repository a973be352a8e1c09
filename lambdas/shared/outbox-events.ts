import { orgPk, sk } from "../../contract/data-items";
import type {
  BusinessEventType,
  Interaction,
  KeyEventType,
  WebhookEventType,
} from "../../contract/schemas/interactions";
import { isoAt } from "./dynamo/data-store";
import type { TransactItem } from "./dynamo/transact";
import { newId } from "./ids";

/** Something that happened, to be recorded with the write that made it happen. */
export interface BusinessEvent {
  type: BusinessEventType;
  /** The account it happened on; null for org-level events. */
  accountId: string | null;
  /** The resource as the API answers it (the import summary for `import.completed`). */
  data: Record<string, unknown>;
  /** Epoch ms: the request's instant. */
  at: number;
}

/**
 * An event as webhooks deliver it (API.md §9), and as its outbox item holds it. `id` is stable: every
 * attempt of every subscription carries the same one, so receivers de-duplicate by it.
 */
export interface WebhookEvent {
  id: string;
  type: WebhookEventType;
  createdAt: string;
  orgId: string;
  data: Record<string, unknown>;
}

/**
 * How long an outbox item outlives its event: past the stream's 24-hour retention and any redrive
 * from the dead-letter queue. Retries carry the event themselves, so nothing needs it longer.
 */
export const OUTBOX_TTL_SECONDS = 7 * 24 * 60 * 60;

/**
 * The `TransactWriteItems` actions that record an event, for the caller to put in the SAME
 * transaction as the write itself: the interaction item and the outbox item (the webhook
 * dispatcher's input: DynamoDB Streams deployed, the local runtime's poller locally), so an event
 * exists exactly when its write committed. Callers that map cancellation reasons by index must put
 * these actions last (their count may grow).
 */
export function eventItems(table: string, orgId: string, event: BusinessEvent): TransactItem[] {
  const interaction: Interaction = {
    id: newId("int", event.at),
    accountId: event.accountId,
    type: event.type,
    at: isoAt(event.at),
    data: event.data,
  };
  // `evt_X` is the event that `int_X` records: one time-sortable body, so the two can be matched.
  const webhookEvent: WebhookEvent = {
    id: `evt_${interaction.id.slice("int_".length)}`,
    type: event.type,
    createdAt: interaction.at,
    orgId,
    data: event.data,
  };
  return [
    {
      Put: {
        TableName: table,
        Item: { pk: orgPk(orgId), sk: sk.interaction(interaction.id), ...interaction },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    },
    outboxPut(table, webhookEvent, event.at),
  ];
}

/** The outbox item of an event: the dispatcher's input, kept past the stream's retention. */
function outboxPut(table: string, event: WebhookEvent, atMs: number): TransactItem {
  return {
    Put: {
      TableName: table,
      Item: {
        pk: orgPk(event.orgId),
        sk: sk.outbox(event.id),
        ...event,
        ttl: Math.floor(atMs / 1000) + OUTBOX_TTL_SECONDS,
      },
      ConditionExpression: "attribute_not_exists(pk)",
    },
  };
}

/**
 * The `TransactWriteItems` action that raises a key event (API.md §11) for the org's webhook
 * subscriptions, for the caller to put in the SAME transaction as the key change (last: callers map
 * cancellation reasons by index). Only the outbox item: key events are not interactions. `data` is
 * the key record as admins see it; it never holds the key.
 */
export function keyEventItem(
  table: string,
  orgId: string,
  event: { type: KeyEventType; data: Record<string, unknown>; at: number },
): TransactItem {
  const id = newId("evt", event.at);
  return outboxPut(
    table,
    { id, type: event.type, createdAt: isoAt(event.at), orgId, data: event.data },
    event.at,
  );
}
