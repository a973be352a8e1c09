import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { AuditEvent, Page } from "../../contract/api-types";
import type { ListAuditEventsInput } from "../../contract/schemas/keys";
import * as z from "../../contract/zod";
import type { AuditItem } from "../shared/api-keys/audit-events";
import { decodeCursor, encodeCursor, invalidCursor } from "../shared/dynamo/cursor";
import { type Outcome, ok } from "../shared/outcome";
import type { KeyServiceDeps } from "./key-store";

const EVENT_ID = /^evt_[0-9A-HJKMNP-TV-Z]{26}$/;
const auditPositionSchema = z.lazySchema(() => z.strictObject({ id: z.string().check(z.regex(EVENT_ID)) }));

/**
 * With a `keyId` filter, one request reads at most this many of the org's events (DynamoDB applies
 * `Limit` before the filter): a page may then come back short, even empty, with a `nextCursor` that
 * resumes where the reading stopped. Without a filter every read item is returned.
 */
const AUDIT_FILTER_READ_BUDGET = 1000;
const FILTERED_AUDIT_PAGE = 100;

/** An audit item as admins read it: without its partition and TTL. */
function toAuditEvent(item: AuditItem): AuditEvent {
  const { id, type, at, actor, claimedActor, actorEmail, keyId, changes } = item;
  return {
    id,
    type,
    at,
    actor,
    ...(claimedActor === undefined ? {} : { claimedActor }),
    ...(actorEmail === undefined ? {} : { actorEmail }),
    keyId,
    changes,
  };
}

/** The org's audit events, newest first, a page at a time, optionally of one key; read strongly consistently. */
export async function listAuditEvents(
  deps: KeyServiceDeps,
  orgId: string,
  input: ListAuditEventsInput,
): Promise<Outcome<Page<AuditEvent>>> {
  let exclusiveStartKey: Record<string, unknown> | undefined;
  if (input.cursor !== undefined) {
    const position = decodeCursor(input.cursor, orgId, auditPositionSchema);
    if (!position) return invalidCursor();
    exclusiveStartKey = { orgId, id: position.id };
  }
  const filtered = input.keyId !== undefined;
  const found: AuditItem[] = [];
  let read = 0;
  do {
    const wanted = input.limit + 1 - found.length;
    const page = await deps.db.send(
      new QueryCommand({
        TableName: deps.auditTable,
        KeyConditionExpression: "orgId = :orgId",
        ...(filtered ? { FilterExpression: "keyId = :keyId" } : {}),
        ExpressionAttributeValues: { ":orgId": orgId, ...(filtered ? { ":keyId": input.keyId } : {}) },
        ScanIndexForward: false,
        Limit: filtered ? Math.max(wanted, FILTERED_AUDIT_PAGE) : wanted,
        ExclusiveStartKey: exclusiveStartKey,
        // A change's event commits with the change: an admin who just changed a key sees its event.
        ConsistentRead: true,
      }),
    );
    read += page.ScannedCount ?? page.Items?.length ?? 0;
    found.push(...((page.Items ?? []) as AuditItem[]).slice(0, wanted));
    exclusiveStartKey = page.LastEvaluatedKey;
  } while (found.length <= input.limit && exclusiveStartKey && read < AUDIT_FILTER_READ_BUDGET);

  const items = found.slice(0, input.limit);
  let nextCursor: string | null = null;
  const last = items.at(-1);
  if (found.length > input.limit && last) nextCursor = encodeCursor(orgId, { id: last.id });
  else if (exclusiveStartKey && typeof exclusiveStartKey.id === "string") {
    // The read budget ran out before the page filled: resume after the last event read.
    nextCursor = encodeCursor(orgId, { id: exclusiveStartKey.id });
  }
  return ok({ items: items.map(toAuditEvent), nextCursor });
}
