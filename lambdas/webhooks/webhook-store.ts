import { randomBytes } from "node:crypto";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { orgPk, SK_PREFIX, sk } from "../../contract/data-items";
import type { RetryPolicy } from "../../contract/runtime";
import {
  type CreatedWebhook,
  type CreateWebhook,
  type UpdateWebhook,
  type Webhook,
  webhookSchema,
} from "../../contract/schemas/webhooks";
import { nextCursorOf, startAfter } from "../shared/dynamo/data-store";
import {
  conditionFailedAt,
  DEFAULT_RETRY,
  pause,
  transact,
  unexpectedCancellation,
} from "../shared/dynamo/transact";
import { newId } from "../shared/ids";
import { conflict, missing, type Outcome, ok, storeBusy } from "../shared/outcome";
import { isResourceId } from "../shared/resource-ids";

export interface WebhookStoreDeps {
  db: DynamoDBDocumentClient;
  table: string;
  retry?: RetryPolicy;
}

/**
 * The item attribute holding a subscription's signing secret. It is not a field of the resource:
 * the create answer shows it once, and only the delivery (which signs with it) reads it again.
 */
export const SECRET_ATTRIBUTE = "signingSecret";

/** `whsec_` + 32 random bytes in base64url: 256 bits for the HMAC-SHA256 signature of API.md §9. */
export function newWebhookSecret(random: Uint8Array = randomBytes(32)): string {
  return `whsec_${Buffer.from(random).toString("base64url")}`;
}

/** Read from the schema when asked, so that loading this module builds none (docs/DECISIONS.md #338). */
const webhookFields = () => Object.keys(webhookSchema.shape) as (keyof Webhook)[];

/** The resource an item holds: its webhook fields only (never the secret, never the table keys). */
function webhookOf(item: Record<string, unknown>): Webhook {
  return Object.fromEntries(webhookFields().map((field) => [field, item[field]])) as Webhook;
}

/** Subscription ids: `wh_` and a time-sortable id. */
export const WEBHOOK_ID_PREFIX = "wh";

const webhookNotFound = () => missing("webhook");

/** The key of a subscription, or undefined (not found, with no database call) when the id cannot name one. */
function keyOf(orgId: string, webhookId: string) {
  if (!isResourceId(webhookId, WEBHOOK_ID_PREFIX)) return undefined;
  return { pk: orgPk(orgId), sk: sk.webhook(webhookId) };
}

/** At most this many subscriptions per org (API.md §6, as Stripe allows): fan-out stays bounded. */
export const MAX_WEBHOOKS_PER_ORG = 16;

const capReached = () =>
  conflict(
    `An org has at most ${MAX_WEBHOOKS_PER_ORG} webhook subscriptions; delete one before creating another.`,
  );

/** The subscription set's version (0 before the first create), read strongly. */
async function setVersion(deps: WebhookStoreDeps, orgId: string): Promise<number> {
  const result = await deps.db.send(
    new GetCommand({
      TableName: deps.table,
      Key: { pk: orgPk(orgId), sk: sk.webhookSet },
      ConsistentRead: true,
    }),
  );
  const version = result.Item?.version;
  return typeof version === "number" ? version : 0;
}

/** How many subscriptions the org has now (strongly consistent; a count reads no attributes). */
async function countWebhooks(deps: WebhookStoreDeps, orgId: string): Promise<number> {
  let count = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await deps.db.send(
      new QueryCommand({
        TableName: deps.table,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues: { ":pk": orgPk(orgId), ":prefix": SK_PREFIX.webhook },
        Select: "COUNT",
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start);
  return count;
}

/**
 * Creates a subscription with a fresh signing secret; the answer is the only place it is shown. The
 * 17th of an org is a conflict naming the cap. Under concurrency: the set's version is read, then the
 * subscriptions counted, and the put commits only with the version bumped from the value read. Two
 * creates that counted the same set cannot both commit; the loser counts again. Deletes need not bump
 * it (they only lower the count, so a create that counted before one is merely cautious), which
 * keeps the delete function's grant to `DeleteItem` alone.
 */
export async function createWebhook(
  deps: WebhookStoreDeps,
  orgId: string,
  input: CreateWebhook,
  nowMs: number,
  secret: string = newWebhookSecret(),
): Promise<Outcome<CreatedWebhook>> {
  const at = new Date(nowMs).toISOString();
  const webhook: Webhook = {
    id: newId(WEBHOOK_ID_PREFIX, nowMs),
    url: input.url,
    events: input.events,
    description: input.description ?? null,
    enabled: true,
    createdAt: at,
    updatedAt: at,
  };
  const policy = deps.retry ?? DEFAULT_RETRY;
  for (let attempt = 0; attempt < policy.attempts; attempt++) {
    const version = await setVersion(deps, orgId);
    if ((await countWebhooks(deps, orgId)) >= MAX_WEBHOOKS_PER_ORG) return capReached();
    const result = await transact(
      deps.db,
      [
        {
          Update: {
            TableName: deps.table,
            Key: { pk: orgPk(orgId), sk: sk.webhookSet },
            UpdateExpression: "SET version = :next",
            ConditionExpression: "attribute_not_exists(version) OR version = :seen",
            ExpressionAttributeValues: { ":seen": version, ":next": version + 1 },
          },
        },
        {
          Put: {
            TableName: deps.table,
            Item: { pk: orgPk(orgId), sk: sk.webhook(webhook.id), ...webhook, [SECRET_ATTRIBUTE]: secret },
            ConditionExpression: "attribute_not_exists(pk)",
          },
        },
      ],
      policy,
    );
    if (result.committed) return ok({ ...webhook, secret });
    // Another create moved the version since it was read: count again.
    if (!conditionFailedAt(result, 0)) throw unexpectedCancellation(result, "creating a webhook");
    await pause(policy, attempt);
  }
  throw storeBusy();
}

/** One subscription of the org; another org's id, or an unknown one, is not found. */
export async function getWebhook(
  deps: WebhookStoreDeps,
  orgId: string,
  webhookId: string,
): Promise<Outcome<Webhook>> {
  const key = keyOf(orgId, webhookId);
  if (!key) return webhookNotFound();
  const result = await deps.db.send(
    new GetCommand({ TableName: deps.table, Key: key, ConsistentRead: true }),
  );
  return result.Item ? ok(webhookOf(result.Item)) : webhookNotFound();
}

/** A page of the org's subscriptions, oldest first. */
export async function listWebhooks(
  deps: WebhookStoreDeps,
  orgId: string,
  page: { limit: number; cursor?: string },
): Promise<Outcome<{ items: Webhook[]; nextCursor: string | null }>> {
  const after = startAfter(orgId, SK_PREFIX.webhook, page.cursor);
  if (!after.ok) return after;
  const result = await deps.db.send(
    new QueryCommand({
      TableName: deps.table,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
      ExpressionAttributeValues: { ":pk": orgPk(orgId), ":prefix": SK_PREFIX.webhook },
      ExclusiveStartKey: after.value,
      Limit: page.limit,
      ConsistentRead: true,
    }),
  );
  const items = (result.Items ?? []).map(webhookOf);
  return ok({ items, nextCursor: nextCursorOf(orgId, result.LastEvaluatedKey) });
}

/**
 * Applies the given fields in one conditional update (the subscription must exist) and answers the
 * result. An empty change writes nothing and answers the subscription as it is (API.md §4).
 */
export async function updateWebhook(
  deps: WebhookStoreDeps,
  orgId: string,
  webhookId: string,
  change: UpdateWebhook,
  nowMs: number,
): Promise<Outcome<Webhook>> {
  const fields = Object.entries(change).filter(([, value]) => value !== undefined);
  if (fields.length === 0) return getWebhook(deps, orgId, webhookId);
  const key = keyOf(orgId, webhookId);
  if (!key) return webhookNotFound();
  const set = [...fields, ["updatedAt", new Date(nowMs).toISOString()] as const];
  try {
    const result = await deps.db.send(
      new UpdateCommand({
        TableName: deps.table,
        Key: key,
        ConditionExpression: "attribute_exists(pk)",
        // Enabling (again) starts the 3-day failure count afresh (API.md §9): a subscription disabled
        // for failing would otherwise be disabled again by its very next failure.
        UpdateExpression:
          `SET ${set.map((_, i) => `#f${i} = :v${i}`).join(", ")}` +
          (change.enabled === true ? " REMOVE #failingSince" : ""),
        ExpressionAttributeNames: {
          ...Object.fromEntries(set.map(([name], i) => [`#f${i}`, name])),
          ...(change.enabled === true ? { "#failingSince": "failingSince" } : {}),
        },
        ExpressionAttributeValues: Object.fromEntries(set.map(([, value], i) => [`:v${i}`, value])),
        ReturnValues: "ALL_NEW",
      }),
    );
    return ok(webhookOf(result.Attributes ?? {}));
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return webhookNotFound();
    throw error;
  }
}

/** Deletes a subscription, its secret with it; an unknown one (or one already deleted) is not found. */
export async function deleteWebhook(
  deps: WebhookStoreDeps,
  orgId: string,
  webhookId: string,
): Promise<Outcome<void>> {
  const key = keyOf(orgId, webhookId);
  if (!key) return webhookNotFound();
  try {
    await deps.db.send(
      new DeleteCommand({ TableName: deps.table, Key: key, ConditionExpression: "attribute_exists(pk)" }),
    );
    return ok(undefined);
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return webhookNotFound();
    throw error;
  }
}
