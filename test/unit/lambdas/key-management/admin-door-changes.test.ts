import { GetCommand, QueryCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it, vi } from "vitest";
import { digestApiKey } from "../../../../lambdas/shared/api-keys/api-key";
import { encodeCursor } from "../../../../lambdas/shared/dynamo/cursor";
import {
  auditPuts,
  CONDITION,
  CONFLICT,
  cancelled,
  ddb,
  http,
  json,
  logged,
  NONE,
  useDoorTestSetup,
} from "./door-support";
import {
  type AdminRequest,
  AUDIT_RESOURCE,
  FIXTURE_USER_ARN,
  KEY_PATTERN,
  KEY_RESOURCE,
  keyIdFor,
  NOW,
  ROTATE_RESOURCE,
  storedKey,
} from "./helpers";

/** The admin door (API Gateway, IAM): changing keys (PATCH, rotate) and reading the audit trail. */
useDoorTestSetup();

describe("PATCH /admin/v1/orgs/{orgId}/api-keys/{keyId}", () => {
  const patchRequest = (body?: unknown, keyId = keyIdFor(1)): AdminRequest => ({
    method: "PATCH",
    resource: KEY_RESOURCE,
    pathParameters: { orgId: "acme", keyId },
    ...(body === undefined ? {} : { body: JSON.stringify(body), contentType: "application/json" }),
  });

  it("changes the key and answers the record, recording key.updated by the IAM principal", async () => {
    ddb.on(GetCommand).resolves({ Item: storedKey(1) });
    ddb.on(TransactWriteCommand).resolves({});

    const result = await http(
      patchRequest({ scopes: ["export"], rateLimit: { limit: 3 }, allowedIps: ["10.0.0.0/8"] }),
    );

    expect(result.statusCode).toBe(200);
    expect(json(result)).toMatchObject({
      id: keyIdFor(1),
      scopes: ["export"],
      rateLimit: { limit: 3, windowSeconds: 900 },
      allowedIps: ["10.0.0.0/8"],
    });
    expect(auditPuts()[0]).toMatchObject({
      type: "key.updated",
      actor: FIXTURE_USER_ARN,
      changes: {
        scopes: { from: ["accounts:read"], to: ["export"] },
        rateLimit: { from: null, to: { limit: 3 } },
        allowedIps: { from: null, to: ["10.0.0.0/8"] },
      },
    });
  });

  it("takes no body as an empty PATCH: 200, nothing written", async () => {
    ddb.on(GetCommand).resolves({ Item: storedKey(1) });

    const result = await http(patchRequest());

    expect(result.statusCode).toBe(200);
    expect(json(result).id).toBe(keyIdFor(1));
    expect(ddb).not.toReceiveCommand(TransactWriteCommand);
  });

  it("answers 409 for a revoked key and 404 for a missing one", async () => {
    ddb
      .on(GetCommand)
      .resolvesOnce({ Item: storedKey(1, { revokedAt: NOW - 1 }) })
      .resolves({});

    const revoked = await http(patchRequest({ name: "x" }));
    const missing = await http(patchRequest({ name: "x" }));

    expect([revoked.statusCode, json(revoked).error.code]).toEqual([409, "conflict"]);
    expect(json(revoked).error.message).toBe("The API key is revoked; only an active key can be changed.");
    expect([missing.statusCode, json(missing).error.code]).toEqual([404, "not_found"]);
  });

  it("refuses fields it cannot change, and invalid values, by path", async () => {
    const result = await http(patchRequest({ expiresAt: "2030-01-01", name: "", actor: "me" }));

    expect(result.statusCode).toBe(400);
    expect(
      json(result)
        .error.details.map((detail: { path: string }) => detail.path)
        .sort(),
    ).toEqual(["actor", "expiresAt", "name"]);
    expect(ddb).not.toReceiveAnyCommand();
  });

  it("answers 503 with Retry-After when concurrent changes keep cancelling it", async () => {
    ddb.on(GetCommand).resolves({ Item: storedKey(1) });
    ddb.on(TransactWriteCommand).rejects(cancelled(CONFLICT, NONE));
    // No jitter: the backoff's waits are all 0 ms, so the retries take no time.
    vi.spyOn(Math, "random").mockReturnValue(0);

    const result = await http(patchRequest({ name: "x" }));

    expect(result.statusCode).toBe(503);
    expect(json(result).error.code).toBe("unavailable");
    expect(result.headers).toMatchObject({ "Retry-After": "1" });
  });
});

describe("POST /admin/v1/orgs/{orgId}/api-keys/{keyId}/rotate", () => {
  const rotateRequest = (body?: unknown, keyId = keyIdFor(1)): AdminRequest => ({
    method: "POST",
    resource: ROTATE_RESOURCE,
    pathParameters: { orgId: "acme", keyId },
    ...(body === undefined ? {} : { body: JSON.stringify(body), contentType: "application/json" }),
  });

  it("answers 201 with the new record, the key once, replaces and Location", async () => {
    ddb.on(GetCommand).resolves({ Item: storedKey(1, { rateLimit: 9 }) });
    ddb.on(TransactWriteCommand).resolves({});

    const result = await http(rotateRequest({ gracePeriodSeconds: 300 }));

    expect(result.statusCode).toBe(201);
    const body = json(result);
    expect(body.key).toMatch(KEY_PATTERN);
    expect(digestApiKey(body.key).id).toBe(body.id);
    expect(body).toMatchObject({
      replaces: keyIdFor(1),
      name: "Key 1",
      scopes: ["accounts:read"],
      rateLimit: { limit: 9, windowSeconds: 900 },
      createdBy: FIXTURE_USER_ARN,
      status: "active",
    });
    expect(result.headers).toMatchObject({ Location: `/prod/admin/v1/orgs/acme/api-keys/${body.id}` });
    expect(auditPuts().map((event) => event.type)).toEqual(["key.rotated", "key.expired_by_rotation"]);
    expect(logged()).not.toContain("fynex_k_");
  });

  it("answers 409 for a key rotated before, with no key in the body", async () => {
    ddb.on(GetCommand).resolves({ Item: storedKey(1, { replacedBy: keyIdFor(2) }) });

    const result = await http(rotateRequest());

    expect([result.statusCode, json(result).error.code]).toEqual([409, "conflict"]);
    expect(json(result).error.message).toContain(keyIdFor(2));
    expect(ddb).not.toReceiveCommand(TransactWriteCommand);
  });

  it("answers 409 when a concurrent rotation commits first", async () => {
    ddb
      .on(GetCommand)
      .resolvesOnce({ Item: storedKey(1) })
      .resolves({ Item: storedKey(1, { replacedBy: keyIdFor(2), revokedAt: NOW }) });
    ddb.on(TransactWriteCommand).rejects(cancelled(NONE, CONDITION, NONE, NONE));

    const result = await http(rotateRequest({ gracePeriodSeconds: 0 }));

    expect([result.statusCode, json(result).error.code]).toEqual([409, "conflict"]);
  });

  it("refuses a bad grace period and a past expiresAt", async () => {
    const result = await http(rotateRequest({ gracePeriodSeconds: 604_801, expiresAt: "2020-01-01" }));

    expect(result.statusCode).toBe(400);
    expect(json(result).error.details.map((detail: { path: string }) => detail.path)).toEqual([
      "gracePeriodSeconds",
      "expiresAt",
    ]);
  });
});

describe("GET /admin/v1/orgs/{orgId}/audit-events", () => {
  const auditRequest = (query: Record<string, string> = {}): AdminRequest => ({
    method: "GET",
    resource: AUDIT_RESOURCE,
    pathParameters: { orgId: "acme" },
    query,
  });
  const event = {
    orgId: "acme",
    id: `evt_${"0".repeat(26)}`,
    at: "2025-06-17T15:07:42.123Z",
    type: "key.created",
    actor: "direct-invoke",
    claimedActor: "ops-bot",
    keyId: keyIdFor(1),
    changes: { name: "n" },
    ttl: 1,
  };

  it("answers {items, nextCursor} with the events as admins read them", async () => {
    ddb.on(QueryCommand).resolves({ Items: [event] });

    const result = await http(auditRequest({ keyId: keyIdFor(1), limit: "10" }));

    expect(result.statusCode).toBe(200);
    const { orgId: _org, ttl: _ttl, ...shown } = event;
    expect(json(result)).toEqual({ items: [shown], nextCursor: null });
    expect(ddb).toReceiveCommandWith(QueryCommand, {
      TableName: "audit",
      FilterExpression: "keyId = :keyId",
    });
  });

  it("refuses a foreign cursor at query.cursor and a bad keyId at query.keyId", async () => {
    const cursor = await http(auditRequest({ cursor: encodeCursor("globex", { id: event.id }) }));
    const keyId = await http(auditRequest({ keyId: "nope" }));

    expect(json(cursor).error.details).toEqual([
      { path: "query.cursor", message: "The cursor is not valid for this list." },
    ]);
    expect(json(keyId).error.details[0].path).toBe("query.keyId");
    expect(ddb).not.toReceiveAnyCommand();
  });
});
