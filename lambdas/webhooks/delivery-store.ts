import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { orgPk, resourceOf, SK_PREFIX, sk } from "../../contract/data-items";
import type { DeliveryAttempt } from "../../contract/schemas/deliveries";
import type { WebhookEventType } from "../../contract/schemas/interactions";
import * as z from "../../contract/zod";
import { isoAt, nextCursorOf, type Page, startAfter } from "../shared/dynamo/data-store";
import { type Outcome, ok } from "../shared/outcome";
import { getWebhook, SECRET_ATTRIBUTE } from "./webhook-store";

/** How long an attempt stays in the delivery log. */
export const DELIVERY_LOG_TTL_SECONDS = 30 * 24 * 60 * 60;

/** A subscription as the dispatcher needs it: the resource's fields plus its secret and failure streak. */
export interface Subscription {
  id: string;
  url: string;
  events: WebhookEventType[];
  enabled: boolean;
  secret: string;
  /** Epoch ms of the first failed attempt since the last success; undefined while it is not failing. */
  failingSince?: number;
}

/** What the dispatcher reads and writes (DynamoDB deployed and locally; a fake in unit tests). */
export interface DeliveryStore {
  /** The org's enabled subscriptions that list `type`. */
  subscriptionsFor(orgId: string, type: WebhookEventType): Promise<Subscription[]>;
  /** One subscription as it is now, enabled or not; undefined once deleted. */
  subscription(orgId: string, webhookId: string): Promise<Subscription | undefined>;
  recordAttempt(orgId: string, webhookId: string, attempt: DeliveryAttempt): Promise<void>;
  /** Starts the failure streak at `nowMs` unless one runs; answers when it started (undefined: deleted). */
  markFailing(orgId: string, webhookId: string, nowMs: number): Promise<number | undefined>;
  /** Ends the failure streak after a success. */
  clearFailing(orgId: string, webhookId: string): Promise<void>;
  /** Disables the subscription if its streak is still the one that began at `since`; true when it did. */
  disable(orgId: string, webhookId: string, since: number, nowMs: number): Promise<boolean>;
}

/** The item attribute holding a subscription's failure streak (not a field of the resource). */
export const FAILING_SINCE_ATTRIBUTE = "failingSince";

const subscriptionItemSchema = z.lazySchema(() =>
  z.object({
    id: z.string(),
    url: z.string(),
    events: z.array(z.string()),
    enabled: z.boolean(),
    [SECRET_ATTRIBUTE]: z.string(),
    [FAILING_SINCE_ATTRIBUTE]: z.optional(z.number()),
  }),
);

function subscriptionOf(item: Record<string, unknown>): Subscription {
  const parsed = subscriptionItemSchema.parse(item);
  return {
    id: parsed.id,
    url: parsed.url,
    events: parsed.events as WebhookEventType[],
    enabled: parsed.enabled,
    secret: parsed[SECRET_ATTRIBUTE],
    failingSince: parsed[FAILING_SINCE_ATTRIBUTE],
  };
}

const isConditionFailure = (error: unknown) =>
  error instanceof ConditionalCheckFailedException ||
  (error instanceof Error && error.name === "ConditionalCheckFailedException");

/** The dispatcher's store over the data table. */
export function dynamoDeliveryStore(deps: { db: DynamoDBDocumentClient; table: string }): DeliveryStore {
  const { db, table } = deps;
  const webhookKey = (orgId: string, webhookId: string) => ({ pk: orgPk(orgId), sk: sk.webhook(webhookId) });
  return {
    async subscriptionsFor(orgId, type) {
      const found: Subscription[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await db.send(
          new QueryCommand({
            TableName: table,
            KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues: { ":pk": orgPk(orgId), ":prefix": SK_PREFIX.webhook },
            ExclusiveStartKey: startKey,
            ConsistentRead: true,
          }),
        );
        for (const item of page.Items ?? []) {
          const subscription = subscriptionOf(item);
          if (subscription.enabled && subscription.events.includes(type)) found.push(subscription);
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return found;
    },

    async subscription(orgId, webhookId) {
      const { Item } = await db.send(
        new GetCommand({ TableName: table, Key: webhookKey(orgId, webhookId), ConsistentRead: true }),
      );
      return Item ? subscriptionOf(Item) : undefined;
    },

    async recordAttempt(orgId, webhookId, attempt) {
      await db.send(
        new PutCommand({
          TableName: table,
          Item: {
            pk: orgPk(orgId),
            sk: sk.delivery(webhookId, attempt.id),
            ...attempt,
            ttl: Math.floor(Date.parse(attempt.at) / 1000) + DELIVERY_LOG_TTL_SECONDS,
          },
        }),
      );
    },

    async markFailing(orgId, webhookId, nowMs) {
      try {
        const { Attributes } = await db.send(
          new UpdateCommand({
            TableName: table,
            Key: webhookKey(orgId, webhookId),
            UpdateExpression: "SET #since = if_not_exists(#since, :now)",
            ConditionExpression: "attribute_exists(pk)",
            ExpressionAttributeNames: { "#since": FAILING_SINCE_ATTRIBUTE },
            ExpressionAttributeValues: { ":now": nowMs },
            ReturnValues: "UPDATED_NEW",
          }),
        );
        const since = Attributes?.[FAILING_SINCE_ATTRIBUTE];
        return typeof since === "number" ? since : nowMs;
      } catch (error) {
        if (isConditionFailure(error)) return undefined;
        throw error;
      }
    },

    async clearFailing(orgId, webhookId) {
      try {
        await db.send(
          new UpdateCommand({
            TableName: table,
            Key: webhookKey(orgId, webhookId),
            UpdateExpression: "REMOVE #since",
            ConditionExpression: "attribute_exists(pk)",
            ExpressionAttributeNames: { "#since": FAILING_SINCE_ATTRIBUTE },
          }),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    },

    async disable(orgId, webhookId, since, nowMs) {
      try {
        await db.send(
          new UpdateCommand({
            TableName: table,
            Key: webhookKey(orgId, webhookId),
            UpdateExpression: "SET #enabled = :false, #updatedAt = :now",
            ConditionExpression: "#since = :since AND #enabled = :true",
            ExpressionAttributeNames: {
              "#enabled": "enabled",
              "#updatedAt": "updatedAt",
              "#since": FAILING_SINCE_ATTRIBUTE,
            },
            ExpressionAttributeValues: {
              ":false": false,
              ":true": true,
              ":since": since,
              ":now": isoAt(nowMs),
            },
          }),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },
  };
}

/**
 * A page of one subscription's delivery attempts, newest first (`GET .../deliveries`). The
 * subscription must be the org's (not found otherwise); a cursor must come from this subscription's
 * log, and is refused before the subscription is looked for.
 */
export async function listDeliveries(
  deps: { db: DynamoDBDocumentClient; table: string },
  orgId: string,
  webhookId: string,
  page: { limit: number; cursor?: string },
): Promise<Outcome<Page<DeliveryAttempt>>> {
  const prefix = sk.delivery(webhookId, "");
  const after = startAfter(orgId, prefix, page.cursor);
  if (!after.ok) return after;
  const webhook = await getWebhook(deps, orgId, webhookId);
  if (!webhook.ok) return webhook;
  const result = await deps.db.send(
    new QueryCommand({
      TableName: deps.table,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
      ExpressionAttributeValues: { ":pk": orgPk(orgId), ":prefix": prefix },
      ExclusiveStartKey: after.value,
      ScanIndexForward: false,
      Limit: page.limit,
      ConsistentRead: true,
    }),
  );
  return ok({
    items: (result.Items ?? []).map((item) => resourceOf<DeliveryAttempt>(item)),
    nextCursor: nextCursorOf(orgId, result.LastEvaluatedKey),
  });
}
