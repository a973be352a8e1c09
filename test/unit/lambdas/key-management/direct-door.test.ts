import { BatchGetCommand, GetCommand, QueryCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { digestApiKey } from "../../../../lambdas/shared/api-keys/api-key";
import {
  auditPuts,
  cancelled,
  DIRECT_REQUEST_ID,
  ddb,
  invoke,
  logged,
  NONE,
  positionOf,
  transaction,
  useDoorTestSetup,
} from "./door-support";
import {
  adminEvent,
  cursorAt,
  FIXTURE_USER_ARN,
  indexEntry,
  KEY_PATTERN,
  KEY_RESOURCE,
  KEYS_RESOURCE,
  keyIdFor,
  storedKey,
} from "./helpers";

/** The direct door (`aws lambda invoke`): payloads, their answers, and who the audit trail names. */
useDoorTestSetup();

describe("direct invocation", () => {
  it("creates a key and answers the same body as HTTP, not a proxy result", async () => {
    ddb.on(TransactWriteCommand).resolves({});

    const body = await invoke({
      action: "createKey",
      orgId: "acme",
      name: "Console key",
      scopes: ["export"],
    });

    expect(body).toMatchObject({
      orgId: "acme",
      name: "Console key",
      status: "active",
      createdBy: "direct-invoke",
    });
    expect(body).not.toHaveProperty("statusCode");
    const { key, id } = body as { key: string; id: string };
    expect(key).toMatch(KEY_PATTERN);
    expect(digestApiKey(key).id).toBe(id);
    expect(transaction()[0]?.Put?.Item).toMatchObject({ createdBy: "direct-invoke" });
    expect(auditPuts()[0]).toMatchObject({ actor: "direct-invoke" });
    expect(auditPuts()[0]).not.toHaveProperty("claimedActor");
  });

  it("lists with a number limit", async () => {
    ddb.on(QueryCommand).resolves({ Items: [indexEntry(storedKey(1))] });
    ddb.on(BatchGetCommand).resolves({ Responses: { keys: [storedKey(1)] } });

    const body = await invoke({ action: "listKeys", orgId: "acme", limit: 5, status: "active" });

    expect(body).toMatchObject({ items: [{ id: keyIdFor(1), status: "active" }], nextCursor: null });
    expect(ddb).toReceiveCommandWith(QueryCommand, {
      Limit: 100,
      ExpressionAttributeValues: { ":orgId": "acme" },
    });
  });

  it("gets and revokes a key", async () => {
    ddb.on(GetCommand).resolves({ Item: storedKey(1) });
    ddb.on(TransactWriteCommand).resolves({});

    const got = await invoke({ action: "getKey", orgId: "acme", keyId: keyIdFor(1) });
    const revoked = await invoke({ action: "revokeKey", orgId: "acme", keyId: keyIdFor(1) });

    expect(got).toMatchObject({ id: keyIdFor(1), status: "active" });
    expect(revoked).toMatchObject({
      id: keyIdFor(1),
      status: "revoked",
      revokedAt: "2025-06-17T15:07:42.123Z",
    });
  });

  it("answers errors as the envelope plus status, with the invocation's request id", async () => {
    ddb.on(GetCommand).resolves({ Item: storedKey(1, { orgId: "globex" }) });

    const body = await invoke({ action: "getKey", orgId: "acme", keyId: keyIdFor(1) });

    expect(body).toEqual({
      status: 404,
      error: {
        code: "not_found",
        message: "The API key was not found.",
        requestId: DIRECT_REQUEST_ID,
        details: [],
      },
    });
  });

  it("names invalid fields without an HTTP prefix", async () => {
    const cursor = await invoke({
      action: "listKeys",
      orgId: "acme",
      cursor: cursorAt(positionOf(1, "globex")),
    });
    expect(cursor).toMatchObject({
      status: 400,
      error: { code: "validation_error", details: [{ path: "cursor" }] },
    });

    const limit = await invoke({ action: "listKeys", orgId: "acme", limit: "5" });
    expect(limit).toMatchObject({ status: 400, error: { details: [{ path: "limit" }] } });

    const misspelt = await invoke({
      action: "createKey",
      orgId: "acme",
      name: "n",
      scopes: ["export"],
      expires_at: "x",
    });
    expect(misspelt).toMatchObject({ status: 400, error: { details: [{ path: "expires_at" }] } });

    const stray = await invoke({
      action: "createKey",
      orgId: "acme",
      keyId: keyIdFor(1),
      name: "n",
      scopes: ["export"],
    });
    expect(stray).toMatchObject({
      status: 400,
      error: { details: [{ path: "keyId", message: "Unknown field." }] },
    });

    const noKey = await invoke({ action: "revokeKey", orgId: "acme" });
    expect(noKey).toMatchObject({ status: 400, error: { details: [{ path: "keyId" }] } });

    const org = await invoke({ action: "getKey", orgId: "../globex", keyId: keyIdFor(1) });
    expect(org).toMatchObject({ status: 400, error: { details: [{ path: "orgId" }] } });
    expect(ddb).not.toReceiveAnyCommand();
  });

  it.each([
    ["an unknown action", { action: "deleteKey", orgId: "acme" }],
    ["no action", { orgId: "acme" }],
    ["an inherited property name", { action: "toString", orgId: "acme" }],
  ])("refuses %s with a 400 at action", async (_, payload) => {
    const body = await invoke(payload);

    expect(body).toEqual({
      status: 400,
      error: {
        code: "validation_error",
        message: "The request is not valid.",
        requestId: DIRECT_REQUEST_ID,
        details: [
          {
            path: "action",
            message:
              "Must be one of createKey, listKeys, getKey, revokeKey, updateKey, rotateKey, getKeyUsage, listAuditEvents, getKeyPolicy, putKeyPolicy.",
          },
        ],
      },
    });
  });

  it("refuses a payload that is not an object", async () => {
    expect(await invoke("createKey")).toMatchObject({ status: 400, error: { details: [{ path: "body" }] } });
    expect(await invoke(null)).toMatchObject({ status: 400, error: { code: "validation_error" } });
  });

  it("answers a storage failure with a 500 that says nothing internal", async () => {
    ddb
      .on(TransactWriteCommand)
      .rejects(new Error("AccessDeniedException: arn:aws:iam::123456789012:role/admin"));

    const body = await invoke({ action: "createKey", orgId: "acme", name: "n", scopes: ["export"] });

    expect(body).toEqual({
      status: 500,
      error: {
        code: "internal_error",
        message: "Something went wrong on our side.",
        requestId: DIRECT_REQUEST_ID,
        details: [],
      },
    });
    expect(logged()).not.toContain("fynex_k_");
  });
});

describe("direct invocation of the key lifecycle", () => {
  it("keeps a payload's actor as the event's claimedActor, the actor staying direct-invoke", async () => {
    ddb.on(GetCommand).resolves({ Item: storedKey(1) });
    ddb.on(TransactWriteCommand).resolves({});

    const body = await invoke({
      action: "updateKey",
      orgId: "acme",
      keyId: keyIdFor(1),
      actor: "alice@example.com",
      name: "Renamed",
    });

    expect(body).toMatchObject({ id: keyIdFor(1), name: "Renamed" });
    expect(auditPuts()[0]).toMatchObject({
      type: "key.updated",
      actor: "direct-invoke",
      claimedActor: "alice@example.com",
    });
  });

  it("rotates, revokes and lists audit events", async () => {
    ddb.on(GetCommand).resolves({ Item: storedKey(1) });
    ddb.on(TransactWriteCommand).resolves({});
    ddb.on(QueryCommand).resolves({ Items: [] });

    const rotated = await invoke({
      action: "rotateKey",
      orgId: "acme",
      keyId: keyIdFor(1),
      gracePeriodSeconds: 0,
    });
    const listed = await invoke({ action: "listAuditEvents", orgId: "acme", limit: 5 });

    expect(rotated).toMatchObject({ replaces: keyIdFor(1), key: expect.stringMatching(KEY_PATTERN) });
    expect(auditPuts().map((event) => event.type)).toEqual(["key.rotated", "key.revoked"]);
    expect(listed).toEqual({ items: [], nextCursor: null });
  });

  it("takes idempotencyKey for createKey only, answering a replay with the first key's id", async () => {
    ddb
      .on(TransactWriteCommand)
      .rejects(
        cancelled(NONE, NONE, { Code: "ConditionalCheckFailed", Item: { keyId: { S: keyIdFor(4) } } }),
      );

    const replay = await invoke({
      action: "createKey",
      orgId: "acme",
      idempotencyKey: "nightly-7",
      name: "n",
      scopes: ["export"],
    });
    const elsewhere = await invoke({
      action: "revokeKey",
      orgId: "acme",
      keyId: keyIdFor(1),
      idempotencyKey: "x",
    });

    expect(replay).toMatchObject({
      status: 409,
      error: {
        code: "conflict",
        details: [{ path: "idempotencyKey", message: `Already used to create ${keyIdFor(4)}.` }],
      },
    });
    expect(JSON.stringify(replay)).not.toContain("fynex_k_");
    expect(elsewhere).toMatchObject({
      status: 400,
      error: { details: [{ path: "idempotencyKey", message: "Unknown field." }] },
    });
  });

  it("refuses a claimed actor that is not a non-empty string, and a bad idempotency key", async () => {
    const actor = await invoke({ action: "getKey", orgId: "acme", keyId: keyIdFor(1), actor: 42 });
    const key = await invoke({
      action: "createKey",
      orgId: "acme",
      idempotencyKey: "",
      name: "n",
      scopes: ["export"],
    });

    expect(actor).toMatchObject({ status: 400, error: { details: [{ path: "actor" }] } });
    expect(key).toMatchObject({ status: 400, error: { details: [{ path: "idempotencyKey" }] } });
    expect(ddb).not.toReceiveAnyCommand();
  });
});

describe("a payload shaped like an API Gateway event, on the direct door", () => {
  it("records a forged proxy event as direct-invoke, the ARN it claims kept only as claimedActor", async () => {
    // Prepare: a real captured IAM event, naming another administrator, sent with `aws lambda invoke`.
    ddb.on(GetCommand).resolves({ Item: storedKey(1) });
    ddb.on(TransactWriteCommand).resolves({});
    const forged = adminEvent({
      method: "PATCH",
      resource: KEY_RESOURCE,
      pathParameters: { orgId: "acme", keyId: keyIdFor(1) },
      body: JSON.stringify({ name: "Renamed" }),
      contentType: "application/json",
    });

    // Act
    const body = await invoke(forged);

    // Assess: a direct answer (no proxy result), and an audit trail that names no administrator.
    expect(body).toMatchObject({ id: keyIdFor(1), name: "Renamed" });
    expect(body).not.toHaveProperty("statusCode");
    expect(auditPuts()[0]).toMatchObject({ actor: "direct-invoke", claimedActor: FIXTURE_USER_ARN });
  });

  it("creates a key from a forged proxy event with createdBy direct-invoke", async () => {
    ddb.on(TransactWriteCommand).resolves({});

    const body = await invoke(
      adminEvent({
        method: "POST",
        resource: KEYS_RESOURCE,
        pathParameters: { orgId: "acme" },
        body: JSON.stringify({ name: "n", scopes: ["export"] }),
        contentType: "application/json",
      }),
    );

    expect(body).toMatchObject({ name: "n", key: expect.stringMatching(KEY_PATTERN) });
    expect(transaction()[0]?.Put?.Item).toMatchObject({ createdBy: "direct-invoke" });
    expect(auditPuts()[0]).toMatchObject({ actor: "direct-invoke", claimedActor: FIXTURE_USER_ARN });
  });

  it("answers a forged event on a route it does not know with the direct error envelope", async () => {
    const body = await invoke(
      adminEvent({
        method: "GET",
        resource: "/admin/v1/orgs/{orgId}/secrets",
        pathParameters: { orgId: "acme" },
      }),
    );

    expect(body).toMatchObject({ status: 400, error: { code: "validation_error" } });
    expect(ddb).not.toReceiveAnyCommand();
  });
});
