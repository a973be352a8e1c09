import { generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { GITHUB_SIGNING_KEYS_PK } from "../../../../contract/tables";
import {
  SIGNING_KEYS_CACHE_MS,
  signingKeySource,
  UNKNOWN_SIGNING_KEY_REREAD_MS,
  verifyReportSignature,
} from "../../../../lambdas/secret-scanning/github-signing-keys";
import { offlineDynamo } from "../../../offline-dynamo";

const p256 = generateKeyPairSync("ec", { namedCurve: "P-256" });
const pem = (key: KeyObject) => key.export({ type: "spki", format: "pem" }).toString();
const BODY = Buffer.from('[{"token":"x","type":"t","url":"","source":"content"}]');
const signed = (body: Buffer, key: KeyObject = p256.privateKey) =>
  sign("sha256", body, { key, dsaEncoding: "der" }).toString("base64");

const ddb = mockClient(DynamoDBDocumentClient);
afterEach(() => {
  ddb.reset();
});
afterAll(() => ddb.restore());

describe("verifyReportSignature", () => {
  it("accepts GitHub's form: base64 DER ECDSA P-256 over SHA-256 of the raw body", () => {
    expect(verifyReportSignature(BODY, signed(BODY), pem(p256.publicKey))).toBe(true);
  });

  it("refuses another body, another key, and a raw r||s signature", () => {
    const other = Buffer.from(`${BODY.toString()} `);
    expect(verifyReportSignature(other, signed(BODY), pem(p256.publicKey))).toBe(false);
    const stranger = generateKeyPairSync("ec", { namedCurve: "P-256" });
    expect(verifyReportSignature(BODY, signed(BODY, stranger.privateKey), pem(p256.publicKey))).toBe(false);
    const ieee = sign("sha256", BODY, { key: p256.privateKey, dsaEncoding: "ieee-p1363" }).toString("base64");
    expect(verifyReportSignature(BODY, ieee, pem(p256.publicKey))).toBe(false);
  });

  it("answers false, never throws, for garbage signatures or keys", () => {
    expect(verifyReportSignature(BODY, "", pem(p256.publicKey))).toBe(false);
    expect(verifyReportSignature(BODY, "%%%", pem(p256.publicKey))).toBe(false);
    expect(verifyReportSignature(BODY, "AAAA", pem(p256.publicKey))).toBe(false);
    expect(verifyReportSignature(BODY, signed(BODY), "not a pem")).toBe(false);
  });
});

describe("signingKeySource", () => {
  const storedItem = (keys: Record<string, string>) => ({
    Item: { pk: GITHUB_SIGNING_KEYS_PK, keys, fetchedAt: "2026-11-26T08:00:00.000Z" },
  });

  it("answers configured keys without reading the table", async () => {
    // Prepare
    const source = signingKeySource({
      configured: { local: "PEM" },
      store: { db: DynamoDBDocumentClient.from(offlineDynamo()), table: "keys" },
      clock: () => 0,
    });

    // Act
    const found = await source.lookup("local");

    // Assess
    expect(found).toBe("PEM");
    expect(ddb.calls()).toHaveLength(0);
  });

  it("reads the refresher's item once, then serves it from cache for a minute", async () => {
    // Prepare
    ddb.on(GetCommand, { Key: { pk: GITHUB_SIGNING_KEYS_PK } }).resolves(storedItem({ gh1: "PEM1" }));
    let now = 1_000_000;
    const source = signingKeySource({
      configured: {},
      store: { db: DynamoDBDocumentClient.from(offlineDynamo()), table: "keys" },
      clock: () => now,
    });

    // Act and assess
    expect(await source.lookup("gh1")).toBe("PEM1");
    expect(await source.lookup("gh1")).toBe("PEM1");
    expect(ddb.commandCalls(GetCommand)).toHaveLength(1);
    now += SIGNING_KEYS_CACHE_MS;
    expect(await source.lookup("gh1")).toBe("PEM1");
    expect(ddb.commandCalls(GetCommand)).toHaveLength(2);
  });

  it("re-reads for an unknown key id at most every few seconds, so forged ids cannot hammer the table", async () => {
    // Prepare
    ddb
      .on(GetCommand)
      .resolvesOnce(storedItem({ gh1: "PEM1" }))
      .resolves(storedItem({ gh1: "PEM1", gh2: "PEM2" }));
    let now = 0;
    const source = signingKeySource({
      configured: {},
      store: { db: DynamoDBDocumentClient.from(offlineDynamo()), table: "keys" },
      clock: () => now,
    });
    await source.lookup("gh1");

    // Act and assess: within the window, an unknown id is simply unknown
    expect(await source.lookup("gh2")).toBeUndefined();
    expect(await source.lookup("forged")).toBeUndefined();
    expect(ddb.commandCalls(GetCommand)).toHaveLength(1);
    // after it, one re-read finds a key GitHub just added
    now += UNKNOWN_SIGNING_KEY_REREAD_MS;
    expect(await source.lookup("gh2")).toBe("PEM2");
    expect(ddb.commandCalls(GetCommand)).toHaveLength(2);
  });

  it("trusts nothing when nothing is configured or stored", async () => {
    ddb.on(GetCommand).resolves({});
    const source = signingKeySource({
      configured: {},
      store: { db: DynamoDBDocumentClient.from(offlineDynamo()), table: "keys" },
      clock: () => 0,
    });

    expect(await source.lookup("anything")).toBeUndefined();
    expect(await source.lookup("__proto__")).toBeUndefined();
    expect(await source.lookup("constructor")).toBeUndefined();
  });
});
