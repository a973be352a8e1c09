import { GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { orgPk, resourceOf, SK_PREFIX, sk } from "../../contract/data-items";
import type { Contact, CreateContact, UpdateContact } from "../../contract/schemas/contacts";
import { findAccount } from "../accounts/account-store";
import { unchangedSince } from "../shared/dynamo/conditions";
import { encodeCursor } from "../shared/dynamo/cursor";
import {
  type DataDeps,
  isoAt,
  nextCursorOf,
  type Page,
  queryPage,
  startAfter,
} from "../shared/dynamo/data-store";
import {
  conditionFailedAt,
  DEFAULT_RETRY,
  pause,
  transact,
  unexpectedCancellation,
} from "../shared/dynamo/transact";
import { newId } from "../shared/ids";
import { eventItems } from "../shared/outbox-events";
import { missing, type Outcome, ok, problemAt, storeBusy } from "../shared/outcome";
import { ID_PREFIX, isResourceId } from "../shared/resource-ids";

const MUTABLE_FIELDS = ["name", "email", "phone", "role", "updatedAt"] as const;
/** Pages of DynamoDB (1 MB each) one filtered list request reads at most before answering. */
const MAX_FILTERED_PAGES = 10;

const unknownAccount = () => missing("account", [problemAt("accountId", "No account of yours has this id.")]);

/**
 * Creates a contact on one of the org's accounts: a condition check that the account exists (in
 * the caller's org partition, so another org's id is not found), the contact and its
 * `contact.created` interaction, in one transaction.
 */
export async function createContact(
  deps: DataDeps,
  orgId: string,
  input: CreateContact,
  nowMs: number,
): Promise<Outcome<Contact>> {
  if (!isResourceId(input.accountId, ID_PREFIX.account)) return unknownAccount();
  const at = isoAt(nowMs);
  const contact: Contact = {
    id: newId(ID_PREFIX.contact, nowMs),
    accountId: input.accountId,
    name: input.name,
    email: input.email ?? null,
    phone: input.phone ?? null,
    role: input.role ?? null,
    createdAt: at,
    updatedAt: at,
  };
  const result = await transact(
    deps.db,
    [
      {
        ConditionCheck: {
          TableName: deps.table,
          Key: { pk: orgPk(orgId), sk: sk.account(contact.accountId) },
          ConditionExpression: "attribute_exists(pk)",
        },
      },
      {
        Put: {
          TableName: deps.table,
          Item: { pk: orgPk(orgId), sk: sk.contact(contact.id), ...contact },
          ConditionExpression: "attribute_not_exists(pk)",
        },
      },
      ...eventItems(deps.table, orgId, {
        type: "contact.created",
        accountId: contact.accountId,
        data: contact,
        at: nowMs,
      }),
    ],
    deps.retry,
  );
  if (conditionFailedAt(result, 0)) return unknownAccount();
  if (!result.committed) throw unexpectedCancellation(result, "creating a contact");
  return ok(contact);
}

/** The org's contact; not found when there is none (another org's id included). */
export async function getContact(
  deps: DataDeps,
  orgId: string,
  contactId: string,
): Promise<Outcome<Contact>> {
  const { Item } = await deps.db.send(
    new GetCommand({
      TableName: deps.table,
      Key: { pk: orgPk(orgId), sk: sk.contact(contactId) },
      ConsistentRead: true,
    }),
  );
  return Item ? ok(resourceOf<Contact>(Item)) : missing("contact");
}

function patched(contact: Contact, patch: UpdateContact, nowMs: number): Contact {
  const next: Contact = { ...contact };
  if (patch.name !== undefined) next.name = patch.name;
  if (patch.email !== undefined) next.email = patch.email;
  if (patch.phone !== undefined) next.phone = patch.phone;
  if (patch.role !== undefined) next.role = patch.role;
  const changed = MUTABLE_FIELDS.some((field) => next[field] !== contact[field]);
  return changed ? { ...next, updatedAt: isoAt(nowMs) } : contact;
}

/**
 * `PATCH /contacts/{id}`: the contact guarded on every field read, and its `contact.updated`
 * interaction on its account, in one transaction; re-read when another update got in between. A
 * patch that changes nothing writes nothing.
 */
export async function updateContact(
  deps: DataDeps,
  orgId: string,
  contactId: string,
  patch: UpdateContact,
  nowMs: number,
): Promise<Outcome<Contact>> {
  const policy = deps.retry ?? DEFAULT_RETRY;
  for (let attempt = 0; attempt < policy.attempts; attempt++) {
    if (attempt > 0) await pause(policy, attempt - 1);
    const found = await getContact(deps, orgId, contactId);
    if (!found.ok) return found;
    const seen = found.value;
    const next = patched(seen, patch, nowMs);
    if (next === seen) return ok(seen);
    const guard = unchangedSince(seen, MUTABLE_FIELDS);
    const result = await transact(
      deps.db,
      [
        {
          Update: {
            TableName: deps.table,
            Key: { pk: orgPk(orgId), sk: sk.contact(contactId) },
            UpdateExpression:
              "SET #name = :name, #email = :email, #phone = :phone, #role = :role, #updatedAt = :updatedAt",
            ConditionExpression: guard.expression,
            ExpressionAttributeNames: {
              ...guard.names,
              "#name": "name",
              "#email": "email",
              "#phone": "phone",
              "#role": "role",
              "#updatedAt": "updatedAt",
            },
            ExpressionAttributeValues: {
              ...guard.values,
              ":name": next.name,
              ":email": next.email,
              ":phone": next.phone,
              ":role": next.role,
              ":updatedAt": next.updatedAt,
            },
          },
        },
        ...eventItems(deps.table, orgId, {
          type: "contact.updated",
          accountId: next.accountId,
          data: next,
          at: nowMs,
        }),
      ],
      deps.retry,
    );
    if (result.committed) return ok(next);
    // The contact changed since it was read (or is gone): read it again.
  }
  throw storeBusy();
}

/**
 * A page of the org's contacts, oldest first; with `accountId`, only that account's (an id that is
 * not one of the org's accounts lists nothing). Contacts are keyed by their own id, so the account
 * filter reads the org's contacts in DynamoDB pages and keeps the matches: a page may come back
 * shorter than `limit` (even empty) with a `nextCursor` when the matches are sparse.
 */
export async function listContacts(
  deps: DataDeps,
  orgId: string,
  query: { limit: number; cursor?: string; accountId?: string },
): Promise<Outcome<Page<Contact>>> {
  if (query.accountId === undefined) {
    return queryPage(deps, orgId, SK_PREFIX.contact, query, (item) => resourceOf<Contact>(item));
  }
  const after = startAfter(orgId, SK_PREFIX.contact, query.cursor);
  if (!after.ok) return after;
  let start = after.value;
  const base = {
    TableName: deps.table,
    KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
    ConsistentRead: true,
  };
  const values = { ":pk": orgPk(orgId), ":prefix": SK_PREFIX.contact };
  const accountId = query.accountId;
  if (!isResourceId(accountId, ID_PREFIX.account) || !(await findAccount(deps, orgId, accountId))) {
    return ok({ items: [], nextCursor: null });
  }
  const items: Contact[] = [];
  for (let pages = 0; pages < MAX_FILTERED_PAGES; pages++) {
    const result = await deps.db.send(
      new QueryCommand({
        ...base,
        FilterExpression: "accountId = :accountId",
        ExpressionAttributeValues: { ...values, ":accountId": accountId },
        ExclusiveStartKey: start,
      }),
    );
    const found = result.Items ?? [];
    const room = query.limit - items.length;
    items.push(...found.slice(0, room).map((item) => resourceOf<Contact>(item)));
    if (items.length === query.limit) {
      const stoppedEarly = found.length > room || result.LastEvaluatedKey !== undefined;
      const last = items.at(-1);
      return ok({
        items,
        nextCursor: stoppedEarly && last ? encodeCursor(orgId, { sk: sk.contact(last.id) }) : null,
      });
    }
    if (!result.LastEvaluatedKey) return ok({ items, nextCursor: null });
    start = result.LastEvaluatedKey as { pk: string; sk: string };
  }
  return ok({ items, nextCursor: nextCursorOf(orgId, start) });
}
