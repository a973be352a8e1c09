import { createHash, generateKeyPairSync, sign } from "node:crypto";
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  SecretsManagerClient,
  SecretsManagerServiceException,
} from "@aws-sdk/client-secrets-manager";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { allCustomMatcherWithAliases } from "aws-sdk-client-mock-vitest";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { documentClient } from "../../lambdas/shared/dynamo/document-client";
import { admin, call, createKey, startLocal, withKey } from "./harness";

/**
 * The Secrets Manager hook against the local runtime's real DynamoDB protocol. `npm start` runs with
 * the hook off (Secrets Manager is not emulated); this file starts its runtime with the hook on and
 * answers Secrets Manager with a mock, so that "nothing half-made" is checked against the tables
 * themselves, not against mocked DynamoDB calls.
 */
expect.extend(allCustomMatcherWithAliases);

const sm = mockClient(SecretsManagerClient);
const scanning = generateKeyPairSync("ec", { namedCurve: "P-256" });
let local: Awaited<ReturnType<typeof startLocal>>;
let target: { url: string; adminHeaders: () => Promise<[string, string][]> };
/** Set to make the next TransactWriteItems fail before it reaches DynamoDB. */
let failNextTransaction = false;

beforeAll(async () => {
  local = await startLocal({
    secretScanningKeys: { scanner: scanning.publicKey.export({ type: "spki", format: "pem" }).toString() },
    secretsManagerHook: true,
  });
  target = { url: local.url, adminHeaders: async () => [["Authorization", `Bearer ${local.adminToken}`]] };
  // The functions' client: the next transaction of theirs fails, when the test says so.
  local.deps.dynamo.middlewareStack.add(
    (next, context) => async (args) => {
      if (failNextTransaction && /TransactWrite/.test(context.commandName ?? "")) {
        failNextTransaction = false;
        throw Object.assign(new Error("injected failure"), { name: "InternalServerError" });
      }
      return next(args);
    },
    { step: "initialize", name: "failNextTransaction" },
  );
});
afterAll(async () => {
  await local?.close();
  sm.restore();
});

beforeEach(() => {
  sm.on(CreateSecretCommand).callsFake((input: { Name: string }) => ({
    ARN: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${input.Name}-AbCdEf`,
  }));
  sm.on(DeleteSecretCommand).resolves({});
});
afterEach(() => {
  sm.reset();
  failNextTransaction = false;
});

const keysOf = async (orgId: string) =>
  (await admin(target, "GET", `/admin/v1/orgs/${orgId}/api-keys`)).json.items as {
    id: string;
    status: string;
  }[];

const auditOf = async (orgId: string) => {
  const { Items } = await documentClient(local.deps.dynamo).send(
    new ScanCommand({ TableName: local.deps.settings.auditTable }),
  );
  return (Items ?? []).filter((item) => item.orgId === orgId);
};

const failure = (name: string) =>
  new SecretsManagerServiceException({ name, message: name, $fault: "server", $metadata: {} });

describe("Secrets Manager hook over the local runtime's tables", () => {
  it("creates a working key with its copy, and answers the copy's ARN", async () => {
    const created = await createKey(target, "hook-ok", { scopes: ["accounts:read"] });

    expect(created.secretArn).toMatch(new RegExp(`:secret:fynex/local/api-keys/hook-ok/${created.id}-`));
    expect((await withKey(target, created.key, "/api/v1/accounts")).status).toBe(200);
    const copy = JSON.parse(sm.commandCalls(CreateSecretCommand)[0]?.args[0].input.SecretString ?? "{}");
    expect(copy.key).toBe(created.key);
  });

  it("leaves no key and no event when the copy cannot be written", async () => {
    sm.on(CreateSecretCommand).rejects(failure("InternalServiceError"));

    const reply = await admin(target, "POST", "/admin/v1/orgs/hook-nocopy/api-keys", {
      name: "x",
      scopes: ["accounts:read"],
    });

    expect(reply.status).toBe(502);
    expect(reply.json.error.code).toBe("bad_gateway");
    expect(await keysOf("hook-nocopy")).toEqual([]);
    expect(await auditOf("hook-nocopy")).toEqual([]);
  });

  it("leaves no key and no copy when the key's item cannot be written", async () => {
    failNextTransaction = true;

    const reply = await admin(target, "POST", "/admin/v1/orgs/hook-noitem/api-keys", {
      name: "x",
      scopes: ["accounts:read"],
    });

    expect(reply.status).toBe(500);
    expect(await keysOf("hook-noitem")).toEqual([]);
    const name = sm.commandCalls(CreateSecretCommand)[0]?.args[0].input.Name;
    expect(name).toMatch(/^fynex\/local\/api-keys\/hook-noitem\/key_/);
    expect(sm).toReceiveCommandWith(DeleteSecretCommand, {
      SecretId: name,
      ForceDeleteWithoutRecovery: true,
    });
  });

  it("schedules a revoked key's copy for deletion", async () => {
    const created = await createKey(target, "hook-revoke", { scopes: ["accounts:read"] });

    const reply = await admin(target, "POST", `/admin/v1/orgs/hook-revoke/api-keys/${created.id}/revoke`);

    expect(reply.status).toBe(200);
    expect(sm).toReceiveCommandWith(DeleteSecretCommand, {
      SecretId: `fynex/local/api-keys/hook-revoke/${created.id}`,
      RecoveryWindowInDays: 7,
    });
  });

  it("schedules a leaked key's copy for deletion, and labels it even when that fails", async () => {
    const created = await createKey(target, "hook-leak", { scopes: ["accounts:read"] });
    sm.on(DeleteSecretCommand).rejects(failure("InternalServiceError"));
    const body = JSON.stringify([{ token: created.key, type: "fynex_api_key", url: "", source: "content" }]);
    const signature = sign("sha256", Buffer.from(body), { key: scanning.privateKey, dsaEncoding: "der" });

    const reply = await call(local.url, "/security/v1/secret-scanning", {
      method: "POST",
      headers: [
        ["Content-Type", "application/json"],
        ["Github-Public-Key-Identifier", "scanner"],
        ["Github-Public-Key-Signature", signature.toString("base64")],
      ],
      rawBody: body,
    });

    expect(reply.status).toBe(200);
    expect(reply.json).toEqual([
      {
        token_hash: createHash("sha256").update(created.key).digest("hex"),
        token_type: "fynex_api_key",
        label: "true_positive",
      },
    ]);
    expect(sm).toReceiveCommandWith(DeleteSecretCommand, {
      SecretId: `fynex/local/api-keys/hook-leak/${created.id}`,
    });
    expect((await withKey(target, created.key, "/api/v1/accounts")).status).toBe(401);
  });
});
