import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_CONSOLE_CLIENT_ID } from "../../contract/console";
import { createHandler } from "../../lambdas/key-management/doors/console.handler";
import type { LocalRuntime } from "../../lib/local/runtime";
import { consoleSignIn } from "./console-sign-in";
import { admin, call, type Reply, startLocal, withKey } from "./harness";
import { localTarget, type Target } from "./target";

/**
 * The console API (API.md §10) over real HTTP against the local runtime, whose gateway hands the
 * handler Cognito-shaped claims from the local OpenID provider's ID token; and the handler itself with the
 * claims a deployed Cognito authorizer would pass for people the local sign-in cannot make (another
 * group, no org, an email).
 */

let local: LocalRuntime;
let target: Target;
/** The console function as the local runtime builds it (its tables, its client id, its page's origin). */
let consoleFunction: ReturnType<typeof createHandler>;

beforeAll(async () => {
  local = await startLocal();
  target = localTarget(local);
  consoleFunction = createHandler(local.deps);
});
afterAll(() => local.close());

/** An ID token of the local OpenID provider for `orgId`, as the page gets one. */
async function session(orgId: string): Promise<string> {
  const signedIn = await consoleSignIn(local, orgId);
  expect(signedIn.status).toBe(200);
  return signedIn.tokens?.id_token as string;
}

function consoleCall(token: string, method: string, path: string, body?: unknown): Promise<Reply> {
  return call(local.url, path, { method, headers: [["Authorization", `Bearer ${token}`]], body });
}

/** A proxy event as API Gateway's Cognito user-pool authorizer hands it over: claims as strings. */
function cognitoEvent(
  claims: Record<string, string>,
  method: string,
  resource: string,
  options: { keyId?: string; body?: unknown } = {},
): APIGatewayProxyEvent {
  return {
    resource,
    path: resource.replace("{keyId}", options.keyId ?? ""),
    httpMethod: method,
    headers: { "Content-Type": "application/json" },
    multiValueHeaders: { "Content-Type": ["application/json"] },
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: options.keyId ? { keyId: options.keyId } : null,
    stageVariables: null,
    body: options.body === undefined ? null : JSON.stringify(options.body),
    isBase64Encoded: false,
    requestContext: {
      requestId: "req-console-1",
      resourcePath: resource,
      // As a stage's default URL is called: the stage leads the path.
      path: `/dev${resource.replace("{keyId}", options.keyId ?? "")}`,
      httpMethod: method,
      stage: "dev",
      identity: { sourceIp: "198.51.100.7", userArn: null },
      authorizer: { claims },
    },
  } as unknown as APIGatewayProxyEvent;
}

/** A fresh Lambda context per invocation, as Lambda gives (the door keeps its request state on it). */
const context = () => ({ awsRequestId: "req-console-1", getRemainingTimeInMillis: () => 10_000 }) as Context;

async function invoke(event: APIGatewayProxyEvent) {
  const result = (await consoleFunction(event, context())) as APIGatewayProxyResult;
  return { status: result.statusCode, json: JSON.parse(result.body), headers: result.headers };
}

const person = (orgId: string, extra: Record<string, string> = {}) => ({
  sub: "7c1e5b2a-93f4-4d7e-8a61-0f2d3c4b5a69",
  "cognito:groups": "key-admins",
  "custom:orgId": orgId,
  email: "ada@example.com",
  email_verified: "true",
  token_use: "id",
  // The client id the function is configured with (here the local runtime's).
  aud: LOCAL_CONSOLE_CLIENT_ID,
  ...extra,
});

describe("the local sign-in (the OpenID provider standing in for Cognito)", () => {
  it("signs in through the OpenID provider with the admin token and an org, refusing a wrong token", async () => {
    const good = await consoleSignIn(local, "console-signin");
    expect(good.status).toBe(200);
    expect(good.tokens?.refresh_token).toBeDefined();
    const bad = await consoleSignIn(local, "console-signin", "not-the-token");
    expect(bad.status).toBe(401);
    expect(bad.loginPage).toContain("The admin token is not valid.");
    const noOrg = await consoleSignIn(local, "not an org!");
    expect(noOrg.status).toBe(400);
    expect(noOrg.loginPage).toContain("Name an organization");
  });

  it("answers the console routes 401 without a session, as the Cognito authorizer does without a token", async () => {
    const none = await call(local.url, "/console/v1/api-keys");
    expect(none.status).toBe(401);
    const forged = await consoleCall("made-up-session", "GET", "/console/v1/api-keys");
    expect(forged.status).toBe(401);
    expect(forged.json.error.code).toBe("unauthorized");
  });
});

describe("the console API over the local gateway", () => {
  it("answers a key's usage history as the admin API does (API.md §11)", async () => {
    const token = await session("console-usage");
    const created = await consoleCall(token, "POST", "/console/v1/api-keys", {
      name: "Usage",
      scopes: ["accounts:read"],
    });
    expect((await withKey(target, created.json.key, "/api/v1/accounts")).status).toBe(200);
    const path = `/api-keys/${created.json.id}/usage?granularity=day`;
    const viaConsole = await consoleCall(token, "GET", `/console/v1${path}`);
    expect(viaConsole.status).toBe(200);
    expect(viaConsole.json.items.map((i: { count: number }) => i.count)).toEqual([1]);
    const viaAdmin = await admin(target, "GET", `/admin/v1/orgs/console-usage${path}`);
    expect(viaConsole.json).toEqual(viaAdmin.json);
  });

  it("creates, lists, gets, edits, rotates and revokes the session's org's keys, with the admin API's answers", async () => {
    const token = await session("console-crud");
    const created = await consoleCall(token, "POST", "/console/v1/api-keys", {
      name: "CRM sync",
      scopes: ["accounts:read"],
    });
    expect(created.status).toBe(201);
    expect(created.json.orgId).toBe("console-crud");
    expect(created.json.key).toMatch(/^fynex_k_[0-9A-Za-z]{49}$/);
    expect(created.headers.location).toBe(`/console/v1/api-keys/${created.json.id}`);
    expect((await withKey(target, created.json.key, "/api/v1/accounts")).status).toBe(200);

    // The admin API sees the same key in the same org.
    const viaAdmin = await admin(target, "GET", `/admin/v1/orgs/console-crud/api-keys/${created.json.id}`);
    expect(viaAdmin.status).toBe(200);

    const list = await consoleCall(token, "GET", "/console/v1/api-keys");
    expect(list.status).toBe(200);
    expect(list.json.items.map((k: { id: string }) => k.id)).toEqual([created.json.id]);
    expect(list.json.items[0].usage.count).toBe(1);

    const edited = await consoleCall(token, "PATCH", `/console/v1/api-keys/${created.json.id}`, {
      name: "CRM sync (prod)",
      rateLimit: { limit: 50 },
    });
    expect(edited.status).toBe(200);
    expect(edited.json.name).toBe("CRM sync (prod)");
    expect(edited.json.rateLimit.limit).toBe(50);

    const rotated = await consoleCall(token, "POST", `/console/v1/api-keys/${created.json.id}/rotate`, {
      gracePeriodSeconds: 3600,
    });
    expect(rotated.status).toBe(201);
    expect(rotated.json.replaces).toBe(created.json.id);

    const revoked = await consoleCall(token, "POST", `/console/v1/api-keys/${rotated.json.id}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.json.status).toBe("revoked");
    expect((await withKey(target, rotated.json.key, "/api/v1/accounts")).status).toBe(401);

    // The person is the actor: user:local-admin locally, with no email; the admin token stays local-admin.
    const audit = await consoleCall(token, "GET", "/console/v1/audit-events");
    expect(audit.status).toBe(200);
    const types = audit.json.items.map((e: { type: string }) => e.type);
    expect(types).toEqual([
      "key.revoked",
      "key.rotated",
      "key.expired_by_rotation",
      "key.updated",
      "key.created",
    ]);
    for (const event of audit.json.items) {
      expect(event.actor).toBe("user:local-admin");
      expect(event.actorEmail).toBeNull();
    }
  });

  it("answers 404 for another org's key, as the admin API does", async () => {
    const mine = await session("console-mine");
    const theirs = await admin(target, "POST", "/admin/v1/orgs/console-theirs/api-keys", {
      name: "Theirs",
      scopes: ["export"],
    });
    expect(theirs.status).toBe(201);
    for (const [method, path] of [
      ["GET", `/console/v1/api-keys/${theirs.json.id}`],
      ["PATCH", `/console/v1/api-keys/${theirs.json.id}`],
      ["POST", `/console/v1/api-keys/${theirs.json.id}/revoke`],
      ["POST", `/console/v1/api-keys/${theirs.json.id}/rotate`],
    ] as const) {
      const reply = await consoleCall(mine, method, path);
      expect(reply.status, `${method} ${path}`).toBe(404);
      expect(reply.json.error.code).toBe("not_found");
    }
    expect((await withKey(target, theirs.json.key, "/api/v1/export/accounts")).status).toBe(200);
  });

  it("takes the org from the session only: an orgId in the body is an unknown field", async () => {
    const token = await session("console-body-org");
    const reply = await consoleCall(token, "POST", "/console/v1/api-keys", {
      name: "x",
      scopes: ["export"],
      orgId: "someone-else",
    });
    expect(reply.status).toBe(400);
    expect(reply.json.error.details.map((d: { path: string }) => d.path)).toContain("orgId");
  });
});

describe("the console handler with a deployed Cognito authorizer's claims", () => {
  it("serves the org in custom:orgId and records the person as user:<sub> with their email", async () => {
    const created = await invoke(
      cognitoEvent(person("console-cognito"), "POST", "/console/v1/api-keys", {
        body: { name: "Billing", scopes: ["payments:write"] },
      }),
    );
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    expect(created.json.orgId).toBe("console-cognito");
    expect(created.json.createdBy).toBe("user:7c1e5b2a-93f4-4d7e-8a61-0f2d3c4b5a69");
    expect(created.headers?.Location ?? created.headers?.location).toBe(
      `/dev/console/v1/api-keys/${created.json.id}`,
    );
    const audit = await invoke(cognitoEvent(person("console-cognito"), "GET", "/console/v1/audit-events"));
    expect(audit.json.items[0]).toMatchObject({
      type: "key.created",
      actor: "user:7c1e5b2a-93f4-4d7e-8a61-0f2d3c4b5a69",
      actorEmail: "ada@example.com",
      keyId: created.json.id,
    });
  });

  it("reads cognito:groups as API Gateway renders several groups", async () => {
    for (const groups of ["[readers, key-admins]", "[key-admins readers]", "key-admins"]) {
      const reply = await invoke(
        cognitoEvent(person("console-groups", { "cognito:groups": groups }), "GET", "/console/v1/api-keys"),
      );
      expect(reply.status, groups).toBe(200);
    }
  });

  it("answers 403 forbidden to a person outside key-admins, or with no org, and changes nothing", async () => {
    for (const claims of [
      person("console-outsider", { "cognito:groups": "readers" }),
      { ...person("console-outsider"), "cognito:groups": "" },
      Object.fromEntries(
        Object.entries(person("console-outsider")).filter(([name]) => name !== "cognito:groups"),
      ),
      Object.fromEntries(
        Object.entries(person("console-outsider")).filter(([name]) => name !== "custom:orgId"),
      ),
      person("not an org!"),
    ]) {
      const reply = await invoke(
        cognitoEvent(claims, "POST", "/console/v1/api-keys", { body: { name: "x", scopes: ["export"] } }),
      );
      expect(reply.status).toBe(403);
      expect(reply.json.error.code).toBe("forbidden");
    }
    const list = await admin(target, "GET", "/admin/v1/orgs/console-outsider/api-keys");
    expect(list.json.items).toEqual([]);
  });
});
