import { orgPk, sk } from "./data-keys";
import { isoAt } from "./data-store";
import { newId } from "./ids";
import type { EventType, Interaction } from "./interaction-schemas";
import type { TransactItem } from "./transact";

/** Something that happened, to be recorded with the write that made it happen. */
export interface BusinessEvent {
  type: EventType;
  /** The account it happened on; null for org-level events. */
  accountId: string | null;
  /** The resource as the API answers it (the import summary for `import.completed`). */
  data: Record<string, unknown>;
  /** Epoch ms: the request's instant. */
  at: number;
}

/**
 * The `TransactWriteItems` actions that record an event, for the caller to put in the SAME
 * transaction as the write itself: today the interaction item; the webhook issue adds the outbox
 * item here, so every writer gets it without change. Callers that map cancellation reasons by
 * index must put these actions last (their count will grow).
 */
export function eventItems(table: string, orgId: string, event: BusinessEvent): TransactItem[] {
  const interaction: Interaction = {
    id: newId("int", event.at),
    accountId: event.accountId,
    type: event.type,
    at: isoAt(event.at),
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
  ];
}
