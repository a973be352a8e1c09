import { deliveryAttemptSchema } from "../schemas/deliveries";
import { listQuerySchema, pageSchema } from "../schemas/lists";
import {
  createdWebhookSchema,
  createWebhookSchema,
  updateWebhookSchema,
  webhookSchema,
} from "../schemas/webhooks";
import { json, location, type Route } from "./route";

/** `GET /api/v1/webhooks`: the org's subscriptions, oldest first, never their secrets. */
export const listWebhooksRoute = {
  method: "GET",
  path: "/api/v1/webhooks",
  handler: "lambdas/webhooks/list-webhooks.handler",
  auth: "apiKey",
  scope: "webhooks:manage",
  operationId: "listWebhooks",
  summary: "List webhook subscriptions, oldest first",
  tag: "Webhooks",
  query: listQuerySchema,
  success: {
    status: 200,
    description: "A page of subscriptions (never their secrets).",
    content: json(pageSchema(webhookSchema)),
  },
} satisfies Route;

/**
 * `POST /api/v1/webhooks`: a new subscription; the answer holds its signing secret, the only time it
 * is shown. What its URL may point at is the deployment's (loopback only locally): the schema is
 * built for each request from that policy.
 */
export const createWebhookRoute = {
  method: "POST",
  path: "/api/v1/webhooks",
  handler: "lambdas/webhooks/create-webhook.handler",
  auth: "apiKey",
  scope: "webhooks:manage",
  operationId: "createWebhook",
  summary: "Subscribe a URL to events",
  description:
    "The URL must be https and must not name an internal address (loopback, private, link-local, " +
    "unique-local) or localhost. The answer holds the signing secret, the only time it is shown.",
  tag: "Webhooks",
  body: { json: ({ webhookUrls }) => createWebhookSchema(webhookUrls) },
  success: {
    status: 201,
    description: "The subscription and its signing secret.",
    content: json(createdWebhookSchema),
    headers: location,
  },
} satisfies Route;

/** `GET /api/v1/webhooks/{webhookId}`: one subscription, without its secret. */
export const getWebhookRoute = {
  method: "GET",
  path: "/api/v1/webhooks/{webhookId}",
  handler: "lambdas/webhooks/get-webhook.handler",
  auth: "apiKey",
  scope: "webhooks:manage",
  operationId: "getWebhook",
  summary: "Read a subscription",
  tag: "Webhooks",
  success: { status: 200, description: "The subscription.", content: json(webhookSchema) },
} satisfies Route;

/** `PATCH /api/v1/webhooks/{webhookId}`: url, events, description, enabled; no body changes nothing. */
export const updateWebhookRoute = {
  method: "PATCH",
  path: "/api/v1/webhooks/{webhookId}",
  handler: "lambdas/webhooks/update-webhook.handler",
  auth: "apiKey",
  scope: "webhooks:manage",
  operationId: "updateWebhook",
  summary: "Update a subscription's url, events, description or enabled",
  tag: "Webhooks",
  body: { json: ({ webhookUrls }) => updateWebhookSchema(webhookUrls), optional: true },
  success: { status: 200, description: "The subscription.", content: json(webhookSchema) },
} satisfies Route;

/** `DELETE /api/v1/webhooks/{webhookId}`: the subscription and its secret are gone; 204. */
export const deleteWebhookRoute = {
  method: "DELETE",
  path: "/api/v1/webhooks/{webhookId}",
  handler: "lambdas/webhooks/delete-webhook.handler",
  auth: "apiKey",
  scope: "webhooks:manage",
  operationId: "deleteWebhook",
  summary: "Delete a subscription",
  tag: "Webhooks",
  success: { status: 204, description: "Deleted; no body." },
} satisfies Route;

/** `GET /api/v1/webhooks/{webhookId}/deliveries`: the subscription's delivery attempts, newest first. */
export const listDeliveriesRoute = {
  method: "GET",
  path: "/api/v1/webhooks/{webhookId}/deliveries",
  handler: "lambdas/webhooks/list-deliveries.handler",
  auth: "apiKey",
  scope: "webhooks:manage",
  operationId: "listWebhookDeliveries",
  summary: "List a subscription's delivery attempts, newest first",
  description:
    "Each attempt with its event's id and type, the receiver's status code (null when none came), " +
    "when it started, how long it took, why it failed, and when the next retry is due. Kept 30 days.",
  tag: "Webhooks",
  query: listQuerySchema,
  success: {
    status: 200,
    description: "A page of delivery attempts.",
    content: json(pageSchema(deliveryAttemptSchema)),
  },
} satisfies Route;
