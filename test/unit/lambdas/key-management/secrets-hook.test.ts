import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  InvalidRequestException,
  ResourceNotFoundException,
  SecretsManagerClient,
  SecretsManagerServiceException,
} from "@aws-sdk/client-secrets-manager";
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import type { APIGatewayProxyResult } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { allCustomMatcherWithAliases } from "aws-sdk-client-mock-vitest";
import { afterAll, afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import { createHandler } from "../../../../lambdas/key-management/doors/http.handler";
import { digestApiKey } from "../../../../lambdas/shared/api-keys/api-key";
import {
  commitWithSecret,
  type KeySecretStore,
  keySecretStoreFor,
  SECRET_RECOVERY_WINDOW_DAYS,
  secretsManagerKeyStore,
} from "../../../../lambdas/shared/api-keys/key-secrets";
import { failureError } from "../../../../lambdas/shared/http/failures";
import { OutageError } from "../../../../lambdas/shared/outcome";
import { unstub } from "../../../client-stubs";
import { offlineDynamo } from "../../../offline-dynamo";
import {
  type AdminRequest,
  adminEvent,
  KEY_PATTERN,
  KEYS_RESOURCE,
  keyIdFor,
  lambdaContext,
  NOW,
  REVOKE_RESOURCE,
  ROTATE_RESOURCE,
  SETTINGS,
  storedKey,
} from "./helpers";
import { answerPolicyReads, resetPolicyReads } from "./policy-reads";

/**
 * The Secrets Manager hook (API.md §5) through the management Lambda, with DynamoDB and Secrets
 * Manager mocked: the copy is written before the key's item, and no failure at either point leaves
 * an active key without its copy.
 */
expect.extend(allCustomMatcherWithAliases);

const ddb = mockClient(DynamoDBDocumentClient);
answerPolicyReads();
const sm = mockClient(SecretsManagerClient);
const ARN_OF = (name: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}-AbCdEf`;
let logs: MockInstance[] = [];

/** The order commands reached the two services, by command name. */
let sent: string[] = [];

/** The admin door with the hook on or off, built as a cold start builds it from the stack's settings. */
const adminDoor = (on: boolean) =>
  createHandler({
    clock: () => NOW,
    dynamo: offlineDynamo(),
    settings: { ...SETTINGS, envName: "staging", secretsManagerHook: on },
  });
const handler = adminDoor(true);

beforeEach(() => {
  sent = [];
  logs = [vi.spyOn(console, "log"), vi.spyOn(console, "warn"), vi.spyOn(console, "error")].map((spy) =>
    spy.mockImplementation(() => undefined),
  );
  sm.on(CreateSecretCommand).callsFake((input: { Name: string }) => {
    sent.push("CreateSecret");
    return { ARN: ARN_OF(input.Name), Name: input.Name };
  });
  sm.on(DeleteSecretCommand).callsFake(() => {
    sent.push("DeleteSecret");
    return {};
  });
  ddb.on(TransactWriteCommand).callsFake(() => {
    sent.push("TransactWriteItems");
    return {};
  });
});

afterEach(() => {
  ddb.reset();
  resetPolicyReads();
  sm.reset();
  vi.restoreAllMocks();
});
afterAll(() => {
  unstub(DynamoDBDocumentClient);
  sm.restore();
});

const logged = () => logs.flatMap((spy) => spy.mock.calls.map((args) => args.join(" "))).join("\n");
const json = (result: APIGatewayProxyResult) => JSON.parse(result.body);
const http = (request: AdminRequest) => handler(adminEvent(request), lambdaContext());

const createRequest = (): AdminRequest => ({
  method: "POST",
  resource: KEYS_RESOURCE,
  pathParameters: { orgId: "acme" },
  body: JSON.stringify({ name: "Billing sync", scopes: ["accounts:read"] }),
  contentType: "application/json",
});

/** What the copy holds, as CreateSecret was asked to store it. */
const storedCopy = () => {
  const input = sm.commandCalls(CreateSecretCommand)[0]?.args[0].input;
  return { input, value: JSON.parse(input?.SecretString ?? "{}") };
};

const awsError = (name: string, message = name) =>
  new SecretsManagerServiceException({ name, message, $fault: "server", $metadata: {} });

describe("create with the hook on", () => {
  it("writes the tagged copy first, then the key, and answers the copy's ARN", async () => {
    // Act
    const result = await http(createRequest());

    // Assess
    expect(result.statusCode).toBe(201);
    const body = json(result);
    expect(body.key).toMatch(KEY_PATTERN);
    const name = `fynex/staging/api-keys/acme/${body.id}`;
    expect(body.secretArn).toBe(ARN_OF(name));
    expect(sent).toEqual(["CreateSecret", "TransactWriteItems"]);
    const { input, value } = storedCopy();
    expect(input).toMatchObject({
      Name: name,
      Tags: [
        { Key: "fynex:env", Value: "staging" },
        { Key: "fynex:orgId", Value: "acme" },
        { Key: "fynex:keyId", Value: body.id },
      ],
    });
    expect(value).toEqual({ key: body.key, orgId: "acme", keyId: body.id });
    expect(digestApiKey(value.key).id).toBe(body.id);
  });

  it("fails cleanly with 502 when the copy cannot be written: no key item is ever written", async () => {
    // Prepare: CreateSecret with tags needs secretsmanager:TagResource too; a role without it is refused.
    sm.on(CreateSecretCommand).rejects(
      awsError("AccessDeniedException", "not authorized to perform TagResource"),
    );

    // Act
    const result = await http(createRequest());

    // Assess
    expect(result.statusCode).toBe(502);
    expect(json(result).error).toMatchObject({
      code: "bad_gateway",
      message: expect.stringMatching(/no key was created/),
    });
    expect(result.body).not.toMatch(/fynex_k_/);
    expect(ddb).not.toReceiveCommand(TransactWriteCommand);
    expect(sm).not.toReceiveCommand(DeleteSecretCommand);
  });

  it("removes the copy when the key's item cannot be written, and answers 500: nothing half-made", async () => {
    // Prepare
    ddb.on(TransactWriteCommand).rejects(Object.assign(new Error("boom"), { name: "InternalServerError" }));
    ddb.on(GetCommand).resolves({});

    // Act
    const result = await http(createRequest());

    // Assess
    expect(result.statusCode).toBe(500);
    expect(json(result).error.code).toBe("internal_error");
    const name = storedCopy().input?.Name;
    expect(sm).toReceiveCommandWith(DeleteSecretCommand, {
      SecretId: name,
      ForceDeleteWithoutRecovery: true,
    });
    // The read that decided it was strongly consistent, on the new key's id.
    expect(ddb).toReceiveCommandWith(GetCommand, {
      Key: { pk: name?.split("/").at(-1) },
      ConsistentRead: true,
    });
  });

  it("keeps the copy when the item did commit after all (an ambiguous failure): the key is never left without it", async () => {
    // Prepare: the transaction committed, but its answer was lost
    ddb
      .on(TransactWriteCommand)
      .rejects(Object.assign(new Error("socket hang up"), { name: "TimeoutError" }));
    ddb.on(GetCommand).callsFake((input: { Key: { pk: string } }) => ({
      Item: storedKey(1, { pk: input.Key.pk, orgId: "acme" }),
    }));

    // Act
    const result = await http(createRequest());

    // Assess
    expect(result.statusCode).toBe(500);
    expect(sm).not.toReceiveCommand(DeleteSecretCommand);
  });

  it("keeps the copy when it cannot tell whether the item committed", async () => {
    ddb.on(TransactWriteCommand).rejects(Object.assign(new Error("boom"), { name: "InternalServerError" }));
    ddb.on(GetCommand).rejects(Object.assign(new Error("down"), { name: "ServiceUnavailable" }));

    const result = await http(createRequest());

    expect(result.statusCode).toBe(500);
    expect(sm).not.toReceiveCommand(DeleteSecretCommand);
    expect(logged()).toMatch(/its copy is kept/);
  });

  it("still answers 500 (and logs) when removing the copy fails too: a copy of a key that never worked", async () => {
    ddb.on(TransactWriteCommand).rejects(Object.assign(new Error("boom"), { name: "InternalServerError" }));
    ddb.on(GetCommand).resolves({});
    sm.on(DeleteSecretCommand).rejects(awsError("InternalServiceError"));

    const result = await http(createRequest());

    expect(result.statusCode).toBe(500);
    expect(logged()).toMatch(/never created is left in Secrets Manager/);
  });

  it("removes the copy of a create that a replayed Idempotency-Key turned into a 409", async () => {
    // Prepare
    ddb.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: "cancelled",
        $metadata: {},
        CancellationReasons: [
          { Code: "None" },
          { Code: "None" },
          { Code: "ConditionalCheckFailed", Item: { keyId: { S: keyIdFor(7) } } },
        ],
      }),
    );
    const event = adminEvent(createRequest());
    event.headers["Idempotency-Key"] = "order-42";
    event.multiValueHeaders["Idempotency-Key"] = ["order-42"];

    // Act
    const result = await handler(event, lambdaContext());

    // Assess
    expect(result.statusCode).toBe(409);
    expect(json(result)).not.toHaveProperty("secretArn");
    expect(sm).toReceiveCommandWith(DeleteSecretCommand, { ForceDeleteWithoutRecovery: true });
  });

  it("never logs the key, whatever fails", async () => {
    ddb.on(TransactWriteCommand).rejects(Object.assign(new Error("boom"), { name: "InternalServerError" }));
    ddb.on(GetCommand).resolves({});
    sm.on(DeleteSecretCommand).rejects(awsError("InternalServiceError"));

    await http(createRequest());

    expect(storedCopy().value.key).toMatch(KEY_PATTERN);
    expect(logged()).not.toContain(storedCopy().value.key);
    expect(logged()).not.toMatch(/fynex_k_/);
  });
});

describe("revoke with the hook on", () => {
  const revoke = () =>
    http({
      method: "POST",
      resource: REVOKE_RESOURCE,
      pathParameters: { orgId: "acme", keyId: keyIdFor(3) },
    });

  beforeEach(() => {
    ddb.on(GetCommand).resolves({ Item: storedKey(3) });
  });

  it("schedules the copy's deletion with a recovery window", async () => {
    const result = await revoke();

    expect(result.statusCode).toBe(200);
    expect(sent).toEqual(["TransactWriteItems", "DeleteSecret"]);
    expect(sm).toReceiveCommandWith(DeleteSecretCommand, {
      SecretId: `fynex/staging/api-keys/acme/${keyIdFor(3)}`,
      RecoveryWindowInDays: SECRET_RECOVERY_WINDOW_DAYS,
    });
    expect(sm.commandCalls(DeleteSecretCommand)[0]?.args[0].input).not.toHaveProperty(
      "ForceDeleteWithoutRecovery",
    );
  });

  it.each([
    [
      "no copy (a key made before the hook was on)",
      new ResourceNotFoundException({ message: "x", $metadata: {} }),
    ],
    [
      "a copy already scheduled for deletion",
      new InvalidRequestException({ message: "marked for deletion", $metadata: {} }),
    ],
  ])("answers 200 when there is %s", async (_, error) => {
    sm.on(DeleteSecretCommand).rejects(error);

    expect((await revoke()).statusCode).toBe(200);
  });

  it("answers 502 when the deletion cannot be scheduled: the key is revoked, and a repeat retries", async () => {
    sm.on(DeleteSecretCommand).rejects(awsError("ThrottlingException"));

    const result = await revoke();

    expect(result.statusCode).toBe(502);
    expect(json(result).error).toMatchObject({
      code: "bad_gateway",
      message: expect.stringMatching(/revoked/),
    });
    expect(ddb).toReceiveCommand(TransactWriteCommand);
  });

  it("schedules the deletion again when the key was revoked before", async () => {
    ddb.on(GetCommand).resolves({ Item: storedKey(3, { revokedAt: NOW - 1000 }) });

    expect((await revoke()).statusCode).toBe(200);

    expect(ddb).not.toReceiveCommand(TransactWriteCommand);
    expect(sm).toReceiveCommand(DeleteSecretCommand);
  });
});

describe("rotate with the hook on", () => {
  const rotate = (body?: unknown) =>
    http({
      method: "POST",
      resource: ROTATE_RESOURCE,
      pathParameters: { orgId: "acme", keyId: keyIdFor(4) },
      ...(body === undefined ? {} : { body: JSON.stringify(body), contentType: "application/json" }),
    });

  beforeEach(() => {
    ddb.on(GetCommand).resolves({ Item: storedKey(4) });
  });

  it("copies the new key before the rotation commits, and schedules the revoked old key's copy for deletion", async () => {
    const result = await rotate();

    expect(result.statusCode).toBe(201);
    const body = json(result);
    expect(body.secretArn).toBe(ARN_OF(`fynex/staging/api-keys/acme/${body.id}`));
    expect(sent).toEqual(["CreateSecret", "TransactWriteItems", "DeleteSecret"]);
    expect(storedCopy().value).toEqual({ key: body.key, orgId: "acme", keyId: body.id });
    expect(sm).toReceiveCommandWith(DeleteSecretCommand, {
      SecretId: `fynex/staging/api-keys/acme/${keyIdFor(4)}`,
      RecoveryWindowInDays: SECRET_RECOVERY_WINDOW_DAYS,
    });
  });

  it("leaves the old key's copy while it works through a grace period", async () => {
    const result = await rotate({ gracePeriodSeconds: 3600 });

    expect(result.statusCode).toBe(201);
    expect(sent).toEqual(["CreateSecret", "TransactWriteItems"]);
  });

  it("still answers the new key when the old copy's deletion fails: the new key must not be lost", async () => {
    sm.on(DeleteSecretCommand).rejects(awsError("InternalServiceError"));

    const result = await rotate();

    expect(result.statusCode).toBe(201);
    expect(json(result).key).toMatch(KEY_PATTERN);
    expect(logged()).toMatch(/not scheduled for deletion/);
  });

  it("creates nothing when the new key's copy cannot be written", async () => {
    sm.on(CreateSecretCommand).rejects(awsError("InternalServiceError"));

    const result = await rotate();

    expect(result.statusCode).toBe(502);
    expect(ddb).not.toReceiveCommand(TransactWriteCommand);
  });

  it("removes the new copy when the old key changed meanwhile and the rotation is refused", async () => {
    ddb.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: "cancelled",
        $metadata: {},
        CancellationReasons: [{ Code: "None" }, { Code: "ConditionalCheckFailed" }],
      }),
    );
    ddb
      .on(GetCommand)
      .resolvesOnce({ Item: storedKey(4) })
      .resolves({ Item: storedKey(4, { revokedAt: NOW - 1 }) });

    const result = await rotate();

    expect(result.statusCode).toBe(409);
    expect(sm).toReceiveCommandWith(DeleteSecretCommand, { ForceDeleteWithoutRecovery: true });
  });
});

describe("with the hook off", () => {
  it("touches no secret and answers no secretArn", async () => {
    const unhooked = adminDoor(false);
    ddb.on(GetCommand).resolves({ Item: storedKey(3) });

    const created = await unhooked(adminEvent(createRequest()), lambdaContext());
    await unhooked(
      adminEvent({
        method: "POST",
        resource: REVOKE_RESOURCE,
        pathParameters: { orgId: "acme", keyId: keyIdFor(3) },
      }),
      lambdaContext(),
    );

    expect(created.statusCode).toBe(201);
    expect(json(created)).not.toHaveProperty("secretArn");
    expect(sm.calls()).toHaveLength(0);
    expect(keySecretStoreFor({ secretsManagerHook: false, envName: "dev" })).toBeUndefined();
  });
});

describe("commitWithSecret", () => {
  const store = (overrides: Partial<KeySecretStore> = {}): KeySecretStore => ({
    write: vi.fn(async () => "arn"),
    discard: vi.fn(async () => undefined),
    scheduleDeletion: vi.fn(async () => undefined),
    ...overrides,
  });
  const ref = { orgId: "acme", keyId: keyIdFor(1) };

  it("only commits when there is no store (the hook off)", async () => {
    const commit = vi.fn(async () => "done");

    expect(
      await commitWithSecret({ store: undefined, ref, key: "k", commit, exists: async () => false }),
    ).toEqual({
      result: "done",
    });
  });

  it("never commits when the copy fails", async () => {
    const commit = vi.fn(async () => "done");
    const failing = store({ write: vi.fn(async () => Promise.reject(new Error("no"))) });

    const error = await commitWithSecret({
      store: failing,
      ref,
      key: "k",
      commit,
      exists: async () => false,
    }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(OutageError);
    expect(failureError((error as OutageError).outage).statusCode).toBe(502);
    expect(commit).not.toHaveBeenCalled();
  });
});

describe("secretsManagerKeyStore", () => {
  const client = () =>
    new SecretsManagerClient({
      region: "eu-west-1",
      credentials: { accessKeyId: "a", secretAccessKey: "b" },
    });

  it("fails the write when Secrets Manager answers no ARN", async () => {
    sm.on(CreateSecretCommand).resolves({});

    await expect(
      secretsManagerKeyStore(client(), "dev").write({ orgId: "o", keyId: "k" }, "x"),
    ).rejects.toThrow(/no ARN/);
  });

  it("treats a copy that is already gone as discarded", async () => {
    sm.on(DeleteSecretCommand).rejects(new ResourceNotFoundException({ message: "x", $metadata: {} }));

    await expect(
      secretsManagerKeyStore(client(), "dev").discard({ orgId: "o", keyId: "k" }),
    ).resolves.toBeUndefined();
  });

  it("takes its own recovery window", async () => {
    await secretsManagerKeyStore(client(), "dev", { recoveryWindowDays: 30 }).scheduleDeletion({
      orgId: "o",
      keyId: "k",
    });

    expect(sm).toReceiveCommandWith(DeleteSecretCommand, {
      SecretId: "fynex/dev/api-keys/o/k",
      RecoveryWindowInDays: 30,
    });
  });
});
