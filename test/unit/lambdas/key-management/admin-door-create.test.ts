import { GetCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { digestApiKey } from "../../../../lambdas/shared/api-keys/api-key";
import { ttlFor } from "../../../../lambdas/shared/api-keys/key-record";
import {
  auditPuts,
  cancelled,
  createRequest,
  ddb,
  http,
  httpHandler,
  invoke,
  json,
  logged,
  NONE,
  transaction,
  useDoorTestSetup,
} from "./door-support";
import {
  adminEvent,
  FIXTURE_REQUEST_ID,
  FIXTURE_USER_ARN,
  KEY_PATTERN,
  KEY_RESOURCE,
  keyIdFor,
  lambdaContext,
  storedKey,
  WINDOW_START,
} from "./helpers";
import { givenPolicy } from "./policy-reads";

/** The admin door (API Gateway, IAM): creating keys. */
useDoorTestSetup();

describe("POST /admin/v1/orgs/{orgId}/api-keys", () => {
  it("creates a key: 201, Location, the record and the key exactly once", async () => {
    // Prepare
    ddb.on(TransactWriteCommand).resolves({});

    // Act
    const result = await http(
      createRequest({ name: " Billing sync ", scopes: ["accounts:read", "accounts:read"] }),
    );

    // Assess
    expect(result.statusCode).toBe(201);
    const body = json(result);
    expect(body.key).toMatch(KEY_PATTERN);
    expect(digestApiKey(body.key).id).toBe(body.id);
    expect(result.body.split(body.key)).toHaveLength(2);
    expect(result.headers).toEqual({
      "Content-Type": "application/json",
      Location: `/prod/admin/v1/orgs/acme/api-keys/${body.id}`,
      "X-Request-Id": FIXTURE_REQUEST_ID,
    });
    expect(body).toEqual({
      id: body.id,
      orgId: "acme",
      name: "Billing sync",
      scopes: ["accounts:read"],
      hint: `${body.key.slice(0, 12)}…${body.key.slice(-4)}`,
      status: "active",
      createdAt: "2025-06-17T15:07:42.123Z",
      createdBy: FIXTURE_USER_ARN,
      expiresAt: null,
      revokedAt: null,
      lastUsedAt: null,
      rateLimit: { limit: 100, windowSeconds: 900 },
      allowedIps: null,
      replacedBy: null,
      usage: { windowStart: "2025-06-17T15:00:00.000Z", count: 0 },
      policyViolations: [],
      key: body.key,
    });
  });

  it("stores the hash and never the key, with its key.created event", async () => {
    ddb.on(TransactWriteCommand).resolves({});

    const body = json(await http(createRequest({ name: "n", scopes: ["export"], expiresAt: "2025-12-31" })));

    const sent = transaction();
    const expiresAt = Date.parse("2025-12-31T00:00:00Z");
    expect(sent[0]?.Put).toEqual({
      TableName: "keys",
      ConditionExpression: "attribute_not_exists(pk)",
      Item: {
        pk: body.id,
        hash: digestApiKey(body.key).hashHex,
        orgId: "acme",
        name: "n",
        scopes: ["export"],
        hint: body.hint,
        createdAt: "2025-06-17T15:07:42.123Z",
        createdBy: FIXTURE_USER_ARN,
        expiresAt,
        ttl: ttlFor(expiresAt),
        // The key's entry in the expiry reminders' index (API.md §11).
        expiryDay: "2025-12-31",
        counted: 1,
        // Its rotation reminder, under the default policy's 90 days (API.md §12).
        rotationDueDay: "2025-09-15",
        windowStart: WINDOW_START,
        windowCount: 0,
      },
    });
    expect(auditPuts()).toEqual([
      expect.objectContaining({ type: "key.created", actor: FIXTURE_USER_ARN, keyId: body.id }),
    ]);
    expect(JSON.stringify(sent)).not.toContain(body.key);
    expect(logged()).not.toContain("fynex_k_");
  });

  it("creates with a per-key limit and an allowlist, normalised", async () => {
    ddb.on(TransactWriteCommand).resolves({});

    const result = await http(
      createRequest({
        name: "n",
        scopes: ["export"],
        rateLimit: { limit: 3 },
        allowedIps: ["::ffff:192.0.2.10", "2001:DB8::/32"],
      }),
    );

    expect(result.statusCode).toBe(201);
    expect(json(result)).toMatchObject({
      rateLimit: { limit: 3, windowSeconds: 900 },
      allowedIps: ["192.0.2.10", "2001:db8::/32"],
    });
    expect(transaction()[0]?.Put?.Item).toMatchObject({
      rateLimit: 3,
      allowedIps: ["192.0.2.10", "2001:db8::/32"],
    });
  });

  it("refuses bad limits and allowlists by path, writing nothing", async () => {
    const result = await http(
      createRequest({
        name: "n",
        scopes: ["export"],
        rateLimit: { limit: 10_001 },
        allowedIps: ["10.0.0.0/8", "nope"],
      }),
    );

    expect(result.statusCode).toBe(400);
    expect(json(result).error.details.map((detail: { path: string }) => detail.path)).toEqual([
      "rateLimit.limit",
      "allowedIps[1]",
    ]);
    expect(ddb).not.toReceiveAnyCommand();
  });

  it("honours Idempotency-Key: the record joins the transaction; a replay is 409 naming the first key", async () => {
    // Prepare: the first create commits; the replay finds the record.
    ddb
      .on(TransactWriteCommand)
      .resolvesOnce({})
      .rejects(
        cancelled(NONE, NONE, { Code: "ConditionalCheckFailed", Item: { keyId: { S: keyIdFor(3) } } }),
      );
    const withKey = (body: unknown) => {
      const event = adminEvent(createRequest(body));
      event.headers["Idempotency-Key"] = "create-ci-key-1";
      event.multiValueHeaders["Idempotency-Key"] = ["create-ci-key-1"];
      return httpHandler(event, lambdaContext());
    };

    // Act
    const first = await withKey({ name: "n", scopes: ["export"] });
    const replay = await withKey({ name: "n", scopes: ["export"] });

    // Assess
    expect(first.statusCode).toBe(201);
    expect(transaction(1)[2]?.Put?.Item).toMatchObject({ keyId: json(first).id });
    expect(replay.statusCode).toBe(409);
    expect(json(replay).error).toEqual({
      code: "conflict",
      message: `This idempotency key was already used to create the API key ${keyIdFor(3)}; the key is not shown again.`,
      requestId: FIXTURE_REQUEST_ID,
      details: [{ path: "headers.Idempotency-Key", message: `Already used to create ${keyIdFor(3)}.` }],
    });
    expect(replay.body).not.toContain("fynex_k_");
  });

  it.each([
    ["empty", [""]],
    ["too long", ["k".repeat(256)]],
    ["not printable ASCII", ["clé"]],
    ["given twice, differently", ["a", "b"]],
  ])("refuses an Idempotency-Key that is %s", async (_, values) => {
    const event = adminEvent(createRequest({ name: "n", scopes: ["export"] }));
    event.headers["Idempotency-Key"] = values.at(-1) ?? "";
    event.multiValueHeaders["Idempotency-Key"] = values;

    const result = await httpHandler(event, lambdaContext());

    expect(result.statusCode).toBe(400);
    expect(json(result).error.details[0].path).toBe("headers.Idempotency-Key");
    expect(ddb).not.toReceiveAnyCommand();
  });

  it("answers a storage failure with a 500 that says nothing internal, and logs no key", async () => {
    ddb
      .on(TransactWriteCommand)
      .rejects(
        new Error("ProvisionedThroughputExceededException: table arn:aws:dynamodb:eu-west-1:1:table/keys"),
      );

    const result = await http(createRequest({ name: "n", scopes: ["export"] }));

    expect(result.statusCode).toBe(500);
    expect(json(result)).toEqual({
      error: {
        code: "internal_error",
        message: "Something went wrong on our side.",
        requestId: FIXTURE_REQUEST_ID,
        details: [],
      },
    });
    expect(result.headers).toMatchObject({ "X-Request-Id": FIXTURE_REQUEST_ID });
    expect(logged()).toContain("ProvisionedThroughputExceededException");
    expect(logged()).not.toContain("fynex_k_");
  });

  it("refuses a misspelt field by its path", async () => {
    const result = await http(createRequest({ name: "n", scopes: ["export"], expires_at: "2030-01-01" }));

    expect(result.statusCode).toBe(400);
    expect(json(result).error).toMatchObject({
      code: "validation_error",
      requestId: FIXTURE_REQUEST_ID,
      details: [{ path: "expires_at", message: "Unknown field." }],
    });
    expect(ddb).not.toReceiveAnyCommand();
  });

  it("refuses an org id outside the allowed characters at orgId", async () => {
    const result = await http(createRequest({ name: "n", scopes: ["export"] }, "acme corp"));

    expect(result.statusCode).toBe(400);
    expect(json(result).error.details[0].path).toBe("orgId");
  });

  it("refuses a missing body, a non-JSON content type and query parameters", async () => {
    const missing = await http({ ...createRequest({}), body: undefined });
    expect([missing.statusCode, json(missing).error.details[0].path]).toEqual([400, "body"]);

    const text = await http({
      ...createRequest({ name: "n", scopes: ["export"] }),
      contentType: "text/plain",
    });
    expect([text.statusCode, json(text).error.code]).toEqual([415, "unsupported_media_type"]);

    const query = await http({ ...createRequest({ name: "n", scopes: ["export"] }), query: { dryRun: "1" } });
    expect([query.statusCode, json(query).error.details[0].path]).toEqual([400, "query.dryRun"]);
    expect(ddb).not.toReceiveAnyCommand();
  });

  it("takes a JSON content type with parameters", async () => {
    ddb.on(TransactWriteCommand).resolves({});

    const result = await http({
      ...createRequest({ name: "n", scopes: ["export"] }),
      contentType: "application/json; charset=utf-8",
    });

    expect(result.statusCode).toBe(201);
  });

  it("refuses an event without an IAM principal", async () => {
    const result = await http({ ...createRequest({ name: "n", scopes: ["export"] }), userArn: null });

    expect([result.statusCode, json(result).error.code]).toEqual([403, "forbidden"]);
    expect(ddb).not.toReceiveAnyCommand();
  });
});

describe("a scope the key policy refuses, at its index as sent (API.md §12)", () => {
  const policy = {
    maxLifetimeDays: null,
    allowedScopes: ["accounts:read" as const],
    requireAllowlist: false,
    rotateAfterDays: null,
  };
  // A duplicate before the refused scope: folded, it would be at index 1.
  const scopes = ["accounts:read", "accounts:read", "payments:write"];
  const paths = (body: { error: { details: { path: string }[] } }) =>
    body.error.details.map((detail) => detail.path);

  it("counts positions in the body, duplicates included, on a create and a PATCH over HTTP and direct invocation", async () => {
    // Prepare
    givenPolicy(policy);
    ddb.on(GetCommand).resolves({ Item: storedKey(1) });

    // Act
    const created = await http(createRequest({ name: "n", scopes }));
    const patched = await http({
      method: "PATCH",
      resource: KEY_RESOURCE,
      pathParameters: { orgId: "acme", keyId: keyIdFor(1) },
      body: JSON.stringify({ scopes }),
      contentType: "application/json",
    });
    const direct = await invoke({ action: "createKey", orgId: "acme", name: "n", scopes });

    // Assess
    expect([created.statusCode, paths(json(created))]).toEqual([400, ["scopes[2]"]]);
    expect([patched.statusCode, paths(json(patched))]).toEqual([400, ["scopes[2]"]]);
    expect(paths(direct as { error: { details: { path: string }[] } })).toEqual(["scopes[2]"]);
    expect(ddb).not.toReceiveCommand(TransactWriteCommand);
  });

  it("reports a refused scope sent twice at each of its positions, and stores an allowed one once", async () => {
    // Prepare
    givenPolicy(policy);
    ddb.on(TransactWriteCommand).resolves({});

    // Act
    const refused = await http(createRequest({ name: "n", scopes: ["export", "accounts:read", "export"] }));
    const allowed = await http(createRequest({ name: "n", scopes: ["accounts:read", "accounts:read"] }));

    // Assess
    expect(paths(json(refused))).toEqual(["scopes[0]", "scopes[2]"]);
    expect([allowed.statusCode, json(allowed).scopes]).toEqual([201, ["accounts:read"]]);
    expect(transaction()[0]?.Put?.Item?.scopes).toEqual(["accounts:read"]);
  });
});
