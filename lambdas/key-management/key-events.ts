import type { KeyRecord } from "../../contract/api-types";
import type { KeyEventType } from "../../contract/schemas/interactions";
import type { TransactItem } from "../shared/dynamo/transact";
import { keyEventItem } from "../shared/outbox-events";
import type { KeyServiceDeps } from "./key-store";

/** A key event to raise: its type, the key's record after the change, and any field it adds. */
export interface KeyEvent {
  type: KeyEventType;
  record: KeyRecord;
  extra?: Record<string, unknown>;
}

/**
 * The outbox items of key events for webhook subscribers (API.md §11), to go last in the change's
 * transaction: `data` is the key's record after the change, never the key.
 */
export function keyEvents(
  deps: KeyServiceDeps,
  orgId: string,
  events: KeyEvent[],
  nowMs: number,
): TransactItem[] {
  const table = deps.dataTable;
  if (!table) return [];
  return events.map(({ type, record, extra }) =>
    keyEventItem(table, orgId, { type, data: { ...record, ...extra }, at: nowMs }),
  );
}
