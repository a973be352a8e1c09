import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
} from "@aws-sdk/lib-dynamodb";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { Runtime, Settings } from "../../../../contract/runtime";
import { createHandler as createWebhook } from "../../../../lambdas/webhooks/create-webhook.handler";
import { createHandler as updateWebhook } from "../../../../lambdas/webhooks/update-webhook.handler";
import { lambdaAuthorizerProxyFixture, withHeaders } from "../../../fixtures/events";
import { offlineDynamo } from "../../../offline-dynamo";

/**
 * The subscription routes' bodies, as their declarations give them (`contract/routes/webhooks.ts`):
 * built for each request from the deployment's URL policy, and validated by the business chain before
 * the query, as every route's body is (docs/DECISIONS.md #264).
 */
const NOW = Date.UTC(2025, 0, 15, 10, 7, 30, 250);
const db = mockClient(DynamoDBDocumentClient);

const runtimeWith = (settings: Partial<Settings> = {}): Runtime => ({
  clock: () => NOW,
  dynamo: offlineDynamo(),
  settings: {
    keysTable: "",
    dataTable: "data",
    auditTable: "",
    rateLimit: 100,
    rateWindowSeconds: 900,
    ...settings,
  },
});

interface WebhookRequest {
  method: "POST" | "PATCH";
  body: string;
  query?: Record<string, string>;
}

/** A proxy event for a subscription route, from a live key holding `webhooks:manage`. */
function webhookEvent({ method, body, query }: WebhookRequest): APIGatewayProxyEvent {
  const fixture = lambdaAuthorizerProxyFixture();
  const resource = method === "POST" ? "/api/v1/webhooks" : "/api/v1/webhooks/{webhookId}";
  return {
    ...withHeaders(fixture, { "Content-Type": ["application/json"] }),
    resource,
    httpMethod: method,
    pathParameters: method === "POST" ? null : { webhookId: "wh_01JHKZ5V2R0000000000000000" },
    queryStringParameters: query ?? null,
    multiValueQueryStringParameters: query
      ? Object.fromEntries(Object.entries(query).map(([name, value]) => [name, [value]]))
      : null,
    body,
    requestContext: {
      ...fixture.requestContext,
      authorizer: {
        orgId: "org_acme",
        keyId: "key_5u1a57vZeyw1x9yto1mqYA",
        scopes: "webhooks:manage",
        limit: "100",
        remaining: "58",
        resetAt: String(Date.UTC(2025, 0, 15, 10, 15) / 1000),
        windowSeconds: "900",
        throttled: "false",
        ipAllowed: "true",
      },
    },
  };
}

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<unknown>;

async function call(handler: Handler, request: WebhookRequest) {
  const result = (await handler(webhookEvent(request), {} as Context)) as APIGatewayProxyResult;
  return { status: result.statusCode, body: JSON.parse(result.body || "{}") };
}

const LOOPBACK = JSON.stringify({ url: "http://127.0.0.1:4000/hook", events: ["account.created"] });

afterEach(() => {
  db.reset();
});
afterAll(() => db.restore());

describe("the subscription routes' bodies", () => {
  it("refuse a loopback URL where the deployment does not allow one, naming the field", async () => {
    // Act
    const created = await call(createWebhook(runtimeWith()), { method: "POST", body: LOOPBACK });
    const updated = await call(updateWebhook(runtimeWith()), { method: "PATCH", body: LOOPBACK });

    // Assess
    for (const answer of [created, updated]) {
      expect(answer.status).toBe(400);
      expect(answer.body.error.details.map((detail: { path: string }) => detail.path)).toEqual(["url"]);
    }
    expect(db.calls()).toHaveLength(0);
  });

  it("take a loopback URL where the local runtime allows one", async () => {
    // Prepare
    db.on(GetCommand).resolves({});
    db.on(QueryCommand).resolves({ Items: [], Count: 0 });
    db.on(TransactWriteCommand).resolves({});

    // Act
    const created = await call(createWebhook(runtimeWith({ webhooksAllowLoopback: true })), {
      method: "POST",
      body: LOOPBACK,
    });

    // Assess
    expect(created.status).toBe(201);
    expect(created.body.url).toBe("http://127.0.0.1:4000/hook");
  });

  it("are checked before the query: an oversized body is a 413 even beside an unknown parameter", async () => {
    // Act
    const oversized = await call(createWebhook(runtimeWith()), {
      method: "POST",
      body: "x".repeat(1024 * 1024 + 1),
      query: { orgId: "org_other" },
    });
    const valid = await call(createWebhook(runtimeWith()), {
      method: "POST",
      body: JSON.stringify({ url: "https://hooks.example.com/in", events: ["account.created"] }),
      query: { orgId: "org_other" },
    });

    // Assess
    expect(oversized.status).toBe(413);
    expect(valid.status).toBe(400);
    expect(valid.body.error.details).toEqual([{ path: "query.orgId", message: expect.any(String) }]);
    expect(db.calls()).toHaveLength(0);
  });
});
