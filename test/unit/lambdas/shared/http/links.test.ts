import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from "@aws-sdk/lib-dynamodb";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Runtime } from "../../../../../contract/runtime";
import { createHandler as createAccountHandler } from "../../../../../lambdas/accounts/create-account.handler";
import { createHandler as createContactHandler } from "../../../../../lambdas/contacts/create-contact.handler";
import { createHandler as registerPaymentHandler } from "../../../../../lambdas/payments/register-payment.handler";
import { calledPrefix, linkTo, nextLink } from "../../../../../lambdas/shared/http/links";
import { createHandler as createWebhookHandler } from "../../../../../lambdas/webhooks/create-webhook.handler";
import { lambdaAuthorizerProxyFixture, noAuthProxyFixture, withHeaders } from "../../../../fixtures/events";
import { offlineDynamo } from "../../../../offline-dynamo";

/**
 * Where the client called from, as API Gateway tells a function (see `test/fixtures/apigw-rest/`): on
 * the bare stage URL `requestContext.path` carries the stage and `path` does not; on a custom domain
 * both carry the base path, if any; the route's own path is `resource` with its parameters filled in.
 */
type Door = "stage URL" | "custom domain at its root" | "custom domain under /crm";

function calledThrough(door: Door, resource: string, concrete: string): APIGatewayProxyEvent {
  const fixture = lambdaAuthorizerProxyFixture();
  const custom = door !== "stage URL";
  const base = door === "custom domain under /crm" ? "/crm" : "";
  const calledPath = custom ? `${base}${concrete}` : `/${fixture.requestContext.stage}${concrete}`;
  const domainName = custom ? "api.fynex.solutions" : fixture.requestContext.domainName;
  return {
    ...withHeaders(fixture, { Host: [domainName ?? ""], "Content-Type": ["application/json"] }),
    resource,
    path: custom ? calledPath : concrete,
    requestContext: { ...fixture.requestContext, resourcePath: resource, path: calledPath, domainName },
  };
}

const PREFIX: Record<Door, string> = {
  "stage URL": "/prod",
  "custom domain at its root": "",
  "custom domain under /crm": "/crm",
};
const DOORS = Object.keys(PREFIX) as Door[];

describe("links resolve against the URL the client called (API.md §6)", () => {
  it("take the stage from the real stage-URL fixture and nothing from the console's test event", () => {
    const real = lambdaAuthorizerProxyFixture();
    expect(calledPrefix(real)).toBe("/prod");
    expect(linkTo(real, "/api/v1/accounts/acc_1")).toBe("/prod/api/v1/accounts/acc_1");
    const consoleTest = noAuthProxyFixture();
    expect(
      calledPrefix({ ...consoleTest, requestContext: { ...consoleTest.requestContext, path: "/no-auth" } }),
    ).toBe("");
  });

  it.each(DOORS)("keep what stands in front of the route on a %s, whatever the parameters hold", (door) => {
    const event = calledThrough(
      door,
      "/api/v1/accounts/{accountId}/payments",
      "/api/v1/accounts/acc%2F1/payments/",
    );
    expect(calledPrefix(event)).toBe(PREFIX[door]);
    const resolved = new URL(
      linkTo(event, "/api/v1/accounts/acc_1"),
      `https://host${event.requestContext.path}`,
    );
    expect(resolved.pathname).toBe(`${PREFIX[door]}/api/v1/accounts/acc_1`);
  });

  it("never echo a prefix API Gateway could not have matched", () => {
    const event = calledThrough("stage URL", "/api/v1/accounts", "/api/v1/accounts");
    expect(linkTo({ ...event, requestContext: { path: "/a b/api/v1/accounts" } }, "/x")).toBe("/x");
    expect(linkTo({ ...event, requestContext: { path: "/%0d%0a/api/v1/accounts" } }, "/x")).toBe("/x");
  });

  it.each(DOORS)("give the export's next page under the same prefix on a %s", (door) => {
    const event = calledThrough(door, "/api/v1/export/accounts", "/api/v1/export/accounts");
    expect(nextLink(linkTo(event, event.resource), { format: "csv", cursor: "old" }, "abc")).toBe(
      `<${PREFIX[door]}/api/v1/export/accounts?format=csv&cursor=abc>; rel="next"`,
    );
  });
});

const CONTEXT: Record<string, string> = {
  orgId: "org_acme",
  keyId: "key_5u1a57vZeyw1x9yto1mqYA",
  scopes: "accounts:write contacts:write payments:write webhooks:manage",
  limit: "100",
  remaining: "58",
  resetAt: String(Date.UTC(2025, 0, 15, 10, 15) / 1000),
  windowSeconds: "900",
  throttled: "false",
  ipAllowed: "true",
};
const NOW = Date.UTC(2025, 0, 15, 10, 7, 30);
const ACCOUNT = "acc_01JHFPZ3G0ABCDEFGHJKMNPQRS";

const db = mockClient(DynamoDBDocumentClient);
const consoleSpies = (["log", "info", "warn", "error", "debug"] as const).map((method) =>
  vi.spyOn(console, method).mockImplementation(() => undefined),
);

const runtime: Runtime = {
  clock: () => NOW,
  dynamo: offlineDynamo(),
  settings: { keysTable: "", dataTable: "data", auditTable: "", rateLimit: 100, rateWindowSeconds: 900 },
};
const createAccount = createAccountHandler(runtime);
const createContact = createContactHandler(runtime);
const registerPayment = registerPaymentHandler(runtime);
const createWebhook = createWebhookHandler(runtime);

beforeEach(() => {
  db.on(TransactWriteCommand).resolves({});
  db.on(PutCommand).resolves({});
  // A webhook create reads the subscription set's version and counts the org's subscriptions first.
  db.on(GetCommand).resolves({});
  db.on(QueryCommand).resolves({ Count: 0 });
});
afterEach(() => {
  db.reset();
  for (const spy of consoleSpies) spy.mockClear();
});
afterAll(() => {
  db.restore();
  for (const spy of consoleSpies) spy.mockRestore();
});

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<unknown>;

const CREATES: {
  name: string;
  handler: Handler;
  resource: string;
  concrete: string;
  body: unknown;
  at: RegExp;
}[] = [
  {
    name: "an account",
    handler: createAccount as Handler,
    resource: "/api/v1/accounts",
    concrete: "/api/v1/accounts",
    body: { name: "Globex", currency: "EUR" },
    at: /^\/api\/v1\/accounts\/acc_\w+$/,
  },
  {
    name: "a contact",
    handler: createContact as Handler,
    resource: "/api/v1/contacts",
    concrete: "/api/v1/contacts",
    body: { accountId: ACCOUNT, name: "Ada" },
    at: /^\/api\/v1\/contacts\/con_\w+$/,
  },
  {
    name: "a payment",
    handler: registerPayment as Handler,
    resource: "/api/v1/accounts/{accountId}/payments",
    concrete: `/api/v1/accounts/${ACCOUNT}/payments`,
    body: { amount: 100, currency: "EUR" },
    at: new RegExp(`^/api/v1/accounts/${ACCOUNT}/payments/pay_\\w+$`),
  },
  {
    name: "a webhook",
    handler: createWebhook as Handler,
    resource: "/api/v1/webhooks",
    concrete: "/api/v1/webhooks",
    body: { url: "https://hooks.example.com/fynex", events: ["account.created"] },
    at: /^\/api\/v1\/webhooks\/wh_\w+$/,
  },
];

describe("Location of a created resource", () => {
  for (const create of CREATES) {
    it.each(DOORS)(`points at ${create.name} through the URL called on a %s`, async (door) => {
      const base = calledThrough(door, create.resource, create.concrete);
      const event: APIGatewayProxyEvent = {
        ...base,
        httpMethod: "POST",
        pathParameters: create.resource.includes("{accountId}") ? { accountId: ACCOUNT } : null,
        body: JSON.stringify(create.body),
        requestContext: {
          ...base.requestContext,
          httpMethod: "POST",
          authorizer: { principalId: CONTEXT.keyId, ...CONTEXT },
        },
      };
      const result = (await create.handler(event, {} as Context)) as APIGatewayProxyResult;
      expect(result.statusCode, result.body).toBe(201);
      const location = String(result.headers?.Location);
      expect(location.startsWith(PREFIX[door])).toBe(true);
      expect(location.slice(PREFIX[door].length)).toMatch(create.at);
    });
  }
});
