import { createHash, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { GetCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { lintSource } from "@secretlint/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateApiKey } from "../../lambdas/shared/api-keys/api-key";
import { documentClient } from "../../lambdas/shared/dynamo/document-client";
import { RULE_ID, creator as secretlintRule } from "../../packages/secretlint-rule-fynex/src/index";
import { admin, call, createKey, ManualClock, type Reply, startLocal, withKey } from "./harness";

/**
 * Leaked-key reports over real HTTP (API.md §8), signed with a P-256 key this file generates and the
 * local runtime trusts (as `FYNEX_SECRET_SCANNING_KEYS` would make it). Local only: a deployed stage
 * trusts GitHub's keys alone, which no test can sign with.
 */
const ROUTE = "/security/v1/secret-scanning";
const TRUSTED_ID = "90a421169f0a406205f1563a953312f0be898d3c7b6c06b681aa86a874555f4a";

const trusted = generateKeyPairSync("ec", { namedCurve: "P-256" });
const stranger = generateKeyPairSync("ec", { namedCurve: "P-256" });
const pem = (key: KeyObject) => key.export({ type: "spki", format: "pem" }).toString();

const clock = new ManualClock(Date.UTC(2026, 10, 26, 9, 0, 0));
let local: Awaited<ReturnType<typeof startLocal>>;
let target: { url: string; adminHeaders: () => Promise<[string, string][]> };

beforeAll(async () => {
  local = await startLocal({
    clock: clock.now,
    secretScanningKeys: { [TRUSTED_ID]: pem(trusted.publicKey) },
  });
  target = { url: local.url, adminHeaders: async () => [["Authorization", `Bearer ${local.adminToken}`]] };
});
afterAll(async () => {
  await local?.close();
});

interface Match {
  token: string;
  type?: string;
  url?: string;
  source?: string;
}

const report = (matches: Match[]) =>
  JSON.stringify(
    matches.map((match) => ({
      type: "fynex_api_key",
      url: "https://github.com/octo/leaky/blob/abc123/config.env",
      source: "content",
      ...match,
    })),
  );

/** GitHub's signature: base64 of a DER ECDSA P-256 signature over SHA-256 of the raw body. */
const signatureOf = (body: string, privateKey: KeyObject) =>
  sign("sha256", Buffer.from(body), { key: privateKey, dsaEncoding: "der" }).toString("base64");

function post(
  body: string,
  options: { keyId?: string | null; signature?: string | null; contentType?: string } = {},
): Promise<Reply> {
  const headers: [string, string][] = [["Content-Type", options.contentType ?? "application/json"]];
  const keyId = options.keyId === undefined ? TRUSTED_ID : options.keyId;
  const signature =
    options.signature === undefined ? signatureOf(body, trusted.privateKey) : options.signature;
  if (keyId !== null) headers.push(["Github-Public-Key-Identifier", keyId]);
  if (signature !== null) headers.push(["Github-Public-Key-Signature", signature]);
  return call(local.url, ROUTE, { method: "POST", headers, rawBody: body });
}

const sha256Hex = (text: string) => createHash("sha256").update(text).digest("hex");

/** Every item of the audit table, as stored. */
async function auditItems(): Promise<Record<string, unknown>[]> {
  const { Items } = await documentClient(local.deps.dynamo).send(
    new ScanCommand({ TableName: local.deps.settings.auditTable }),
  );
  return Items ?? [];
}

/** The org's active-key counter as stored. */
async function activeKeysCounter(orgId: string): Promise<number> {
  const { Item } = await documentClient(local.deps.dynamo).send(
    new GetCommand({
      TableName: local.deps.settings.keysTable,
      Key: { pk: `ACTIVE_KEYS#${orgId}` },
      ConsistentRead: true,
    }),
  );
  return Number(Item?.activeKeys ?? 0);
}

async function liveKey(orgId: string) {
  const created = await createKey(target, orgId, { scopes: ["accounts:read"] });
  expect((await withKey(target, created.key, "/api/v1/accounts")).status).toBe(200);
  return created;
}

describe("leaked-key reports (API.md §8)", () => {
  it("revokes a reported live key at once, labels it true_positive, and records the report's url", async () => {
    // Prepare
    const leaked = await liveKey("leak-acme");
    const body = report([{ token: leaked.key, url: "https://github.com/octo/leaky/blob/1/.env" }]);
    expect(await activeKeysCounter("leak-acme")).toBe(1);

    // Act
    const reply = await post(body);
    const again = await post(body);

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual([
      { token_hash: sha256Hex(leaked.key), token_type: "fynex_api_key", label: "true_positive" },
    ]);
    expect(reply.text).not.toContain(leaked.key);
    // Off its org's active-key counter in the revocation itself, once (API.md §5 cap; #209).
    expect(again.status).toBe(200);
    expect(await activeKeysCounter("leak-acme")).toBe(0);
    expect((await withKey(target, leaked.key, "/api/v1/accounts")).status).toBe(401);
    const record = await admin(target, "GET", `/admin/v1/orgs/leak-acme/api-keys/${leaked.id}`);
    expect(record.json.status).toBe("revoked");
    const events = (await auditItems()).filter((event) => event.keyId === leaked.id);
    expect(events).toContainEqual(
      expect.objectContaining({
        type: "key.leak_reported",
        actor: "secret-scanning",
        orgId: "leak-acme",
        changes: expect.objectContaining({
          url: "https://github.com/octo/leaky/blob/1/.env",
          source: "content",
        }),
      }),
    );
  });

  it("labels each match in order: live, revoked, not a Fynex key, never issued, bad checksum, live again", async () => {
    // Prepare
    const live = await liveKey("leak-mixed");
    const revoked = await liveKey("leak-mixed");
    expect(
      (await admin(target, "POST", `/admin/v1/orgs/leak-mixed/api-keys/${revoked.id}/revoke`)).status,
    ).toBe(200);
    const unknown = generateApiKey(); // well-formed, checksum right, never issued
    const badChecksum = `${live.key.slice(0, -1)}${live.key.endsWith("a") ? "b" : "a"}`;
    const body = report([
      { token: live.key },
      { token: revoked.key, type: "fynex_api_key_v1" },
      { token: "ghp_notours0123456789" },
      { token: unknown },
      { token: badChecksum },
      { token: live.key },
    ]);

    // Act
    const reply = await post(body);

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.json.map((entry: { label: string }) => entry.label)).toEqual([
      "true_positive",
      "true_positive",
      "false_positive",
      "false_positive",
      "false_positive",
      "true_positive",
    ]);
    expect(reply.json[1]).toEqual({
      token_hash: sha256Hex(revoked.key),
      token_type: "fynex_api_key_v1",
      label: "true_positive",
    });
    expect((await withKey(target, live.key, "/api/v1/accounts")).status).toBe(401);
    // One report of a key, however often it names it, records one event; the revoked key none.
    const events = (await auditItems()).filter((event) => event.type === "key.leak_reported");
    expect(events.filter((event) => event.keyId === live.id)).toHaveLength(1);
    expect(events.filter((event) => event.keyId === revoked.id)).toHaveLength(0);
  });

  it("agrees with secretlint-rule-fynex on the keys Fynex issued: live and revoked are found, a bad checksum is not", async () => {
    // Prepare: what a repository's .env might hold. The revoked key no longer works.
    const live = await liveKey("leak-lint");
    const revoked = await liveKey("leak-lint");
    expect(
      (await admin(target, "POST", `/admin/v1/orgs/leak-lint/api-keys/${revoked.id}/revoke`)).status,
    ).toBe(200);
    expect((await withKey(target, revoked.key, "/api/v1/accounts")).status).toBe(401);
    const unknown = generateApiKey(); // well-formed, never issued
    const badChecksum = `${live.key.slice(0, -1)}${live.key.endsWith("a") ? "b" : "a"}`;
    const env = [`LIVE=${live.key}`, `OLD=${revoked.key}`, `UNISSUED=${unknown}`, `TYPO=${badChecksum}`, ""];

    // Act: secretlint's core with the rule, on the text in memory; then the same tokens reported here.
    const linted = await lintSource({
      source: { content: env.join("\n"), filePath: ".env", ext: ".env", contentType: "text" },
      options: { config: { rules: [{ id: RULE_ID, rule: secretlintRule }] }, maskSecrets: true },
    });
    const reply = await post(
      report([live, revoked, { key: unknown }, { key: badChecksum }].map(({ key }) => ({ token: key }))),
    );

    // Assess: the rule finds both keys Fynex issued, as this route labels them, and misses no
    // well-formed key: offline, it cannot tell the one never issued (README, "What is reported").
    expect(linted.messages.map((message) => [message.loc.start.line, message.messageId])).toEqual([
      [1, "FYNEX_API_KEY"],
      [2, "FYNEX_API_KEY"],
      [3, "FYNEX_API_KEY"],
    ]);
    expect(reply.json.map((entry: { label: string }) => entry.label)).toEqual([
      "true_positive",
      "true_positive",
      "false_positive",
      "false_positive",
    ]);
    const said = JSON.stringify(linted.messages);
    for (const key of [live.key, revoked.key, unknown]) expect(said).not.toContain(key);
  });

  it("labels an expired key true_positive and leaves it expired: it no longer works", async () => {
    // Prepare
    const expiring = await createKey(target, "leak-expired", {
      scopes: ["accounts:read"],
      expiresAt: new Date(clock.nowMs + 60_000).toISOString(),
    });
    clock.advance(120_000);

    // Act
    const reply = await post(report([{ token: expiring.key }]));

    // Assess
    expect(reply.json).toEqual([expect.objectContaining({ label: "true_positive" })]);
    const record = await admin(target, "GET", `/admin/v1/orgs/leak-expired/api-keys/${expiring.id}`);
    expect(record.json).toMatchObject({ status: "expired", revokedAt: null });
    const events = (await auditItems()).filter((event) => event.keyId === expiring.id);
    expect(events.filter((event) => event.type === "key.leak_reported")).toEqual([]);
  });

  it("keeps every reported token out of the audit table and out of the answer", async () => {
    // Prepare
    const leaked = await liveKey("leak-nothing-kept");
    const unknown = generateApiKey();

    // Act
    const reply = await post(report([{ token: leaked.key }, { token: unknown }]));

    // Assess
    expect(reply.status).toBe(200);
    const everything = JSON.stringify(await auditItems());
    expect(everything).not.toContain(leaked.key);
    expect(everything).not.toContain(unknown);
    expect(reply.text).not.toContain(leaked.key);
    expect(reply.text).not.toContain(unknown);
  });

  describe("refuses a report that does not verify (401), and changes nothing", () => {
    let victim: { id: string; key: string };
    let body: string;

    beforeAll(async () => {
      victim = await liveKey("leak-forged");
      body = report([{ token: victim.key }]);
    });

    const assertUntouched = async (reply: Reply) => {
      expect(reply.status).toBe(401);
      expect(reply.json.error.code).toBe("unauthorized");
      expect(reply.text).not.toContain(victim.key);
      expect((await withKey(target, victim.key, "/api/v1/accounts")).status).toBe(200);
      const events = (await auditItems()).filter((event) => event.keyId === victim.id);
      expect(events.filter((event) => event.type === "key.leak_reported")).toEqual([]);
    };

    it("signed by a key nobody trusts, under a trusted key's id", async () => {
      await assertUntouched(await post(body, { signature: signatureOf(body, stranger.privateKey) }));
    });

    it("with the body altered after signing", async () => {
      const signature = signatureOf(body, trusted.privateKey);
      const altered = body.replace("config.env", "config.txt");
      await assertUntouched(await post(altered, { signature }));
    });

    it("re-serialised: the signature covers the raw bytes, whitespace included", async () => {
      const signature = signatureOf(body, trusted.privateKey);
      await assertUntouched(await post(JSON.stringify(JSON.parse(body), null, 1), { signature }));
    });

    it("naming a key id that is not trusted", async () => {
      await assertUntouched(await post(body, { keyId: "0".repeat(64) }));
    });

    it("without the key id header, or without the signature header", async () => {
      await assertUntouched(await post(body, { keyId: null }));
      await assertUntouched(await post(body, { signature: null }));
    });

    it("with a signature that is not base64 DER", async () => {
      await assertUntouched(await post(body, { signature: "not a signature!" }));
      await assertUntouched(await post(body, { signature: Buffer.from("garbage").toString("base64") }));
    });
  });

  describe("validates a signed report after its signature", () => {
    it("answers 400 for a body that is not a JSON array of matches", async () => {
      for (const body of ['{"token":"x"}', "[1, 2]", '[{"type":"t"}]', "not json"]) {
        const reply = await post(body);
        expect(reply.status, body).toBe(400);
        expect(reply.json.error.code).toBe("validation_error");
      }
    });

    it("answers 400 for more than 1000 matches", async () => {
      const body = report(Array.from({ length: 1001 }, (_, i) => ({ token: `tok_${i}` })));

      const reply = await post(body);

      expect(reply.status).toBe(400);
      expect(reply.json.error.details[0].message).toMatch(/at most 1000/);
    });

    it("answers 415 for a signed body that is not JSON", async () => {
      const reply = await post("[]", { contentType: "text/plain" });

      expect(reply.status).toBe(415);
    });

    it("answers an empty report with an empty list, and ignores fields GitHub may add", async () => {
      expect((await post("[]")).json).toEqual([]);
      const reply = await post(JSON.stringify([{ token: "abc", type: "t", url: "", future_field: 1 }]));
      expect(reply.status).toBe(200);
      expect(reply.json).toEqual([
        { token_hash: sha256Hex("abc"), token_type: "t", label: "false_positive" },
      ]);
    });
  });

  it("needs no API key, and is not behind the admin token", async () => {
    const reply = await call(local.url, ROUTE, { method: "POST", body: [] });

    expect(reply.status).toBe(401);
    expect(reply.json.error.message).toMatch(/signed/);
  });
});
