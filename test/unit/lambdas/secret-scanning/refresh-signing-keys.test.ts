import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { allCustomMatcherWithAliases } from "aws-sdk-client-mock-vitest";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { GITHUB_SIGNING_KEYS_PK } from "../../../../contract/tables";
import {
  type Fetch,
  GITHUB_SIGNING_KEYS_URL,
  refreshSigningKeys,
} from "../../../../lambdas/secret-scanning/refresh-signing-keys.handler";
import { offlineDynamo } from "../../../offline-dynamo";

expect.extend(allCustomMatcherWithAliases);

const ddb = mockClient(DynamoDBDocumentClient);
afterEach(() => {
  ddb.reset();
});
afterAll(() => ddb.restore());

const NOW = Date.parse("2026-11-26T09:00:00.000Z");
const pem = (key: KeyObject) => key.export({ type: "spki", format: "pem" }).toString();
const current = pem(generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey);
const retiring = pem(generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey);

/** A fetch that answers one canned response and records what it was asked. */
function fetchAnswering(status: number, body: unknown, etag?: string) {
  return vi.fn<Fetch>(async () => ({
    status,
    headers: { get: (name: string) => (name.toLowerCase() === "etag" && etag ? etag : null) },
    json: async () => body,
  }));
}

const deps = (fetch: Fetch) => ({
  db: DynamoDBDocumentClient.from(offlineDynamo()),
  table: "keys",
  fetch,
  clock: () => NOW,
});

const PUBLISHED = {
  public_keys: [
    { key_identifier: "gh-current", key: current, is_current: true },
    { key_identifier: "gh-retiring", key: retiring, is_current: false },
  ],
};

describe("refreshSigningKeys", () => {
  it("stores GitHub's whole list, current and retiring keys, with its ETag", async () => {
    // Prepare
    ddb.on(GetCommand).resolves({});
    ddb.on(PutCommand).resolves({});
    const fetch = fetchAnswering(200, PUBLISHED, 'W/"abc"');

    // Act
    const result = await refreshSigningKeys(deps(fetch));

    // Assess
    expect(result).toEqual({ status: "updated", keyIds: ["gh-current", "gh-retiring"] });
    expect(fetch).toHaveBeenCalledWith(GITHUB_SIGNING_KEYS_URL, {
      headers: expect.objectContaining({
        "User-Agent": expect.any(String),
        Accept: "application/vnd.github+json",
      }),
      signal: expect.any(AbortSignal),
    });
    expect(fetch.mock.calls[0]?.[1].headers).not.toHaveProperty("If-None-Match");
    expect(ddb).toReceiveCommandWith(PutCommand, {
      TableName: "keys",
      Item: {
        pk: GITHUB_SIGNING_KEYS_PK,
        keys: { "gh-current": current, "gh-retiring": retiring },
        etag: 'W/"abc"',
        fetchedAt: "2026-11-26T09:00:00.000Z",
      },
    });
  });

  it("asks conditionally with the stored ETag, and writes nothing on 304", async () => {
    // Prepare
    ddb.on(GetCommand).resolves({
      Item: { pk: GITHUB_SIGNING_KEYS_PK, keys: { old: current }, etag: '"v1"', fetchedAt: "x" },
    });
    const fetch = fetchAnswering(304, undefined);

    // Act
    const result = await refreshSigningKeys(deps(fetch));

    // Assess
    expect(result).toEqual({ status: "unchanged", keyIds: ["old"] });
    expect(fetch.mock.calls[0]?.[1].headers).toMatchObject({ "If-None-Match": '"v1"' });
    expect(ddb).not.toReceiveCommand(PutCommand);
  });

  it("skips a published key that is not P-256, keeping the others", async () => {
    ddb.on(GetCommand).resolves({});
    ddb.on(PutCommand).resolves({});
    const rsa = pem(generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey);
    const fetch = fetchAnswering(200, {
      public_keys: [...PUBLISHED.public_keys, { key_identifier: "odd", key: rsa, is_current: false }],
    });

    const result = await refreshSigningKeys(deps(fetch));

    expect(result.keyIds).toEqual(["gh-current", "gh-retiring"]);
  });

  it.each([
    ["an error status", fetchAnswering(503, { message: "unavailable" }), /503/],
    ["a rate-limit refusal", fetchAnswering(403, { message: "API rate limit exceeded" }), /403/],
    ["an unexpected shape", fetchAnswering(200, { keys: [] }), /unexpected shape/],
    ["an empty list", fetchAnswering(200, { public_keys: [] }), /unexpected shape/],
    [
      "no usable key",
      fetchAnswering(200, { public_keys: [{ key_identifier: "x", key: "nope" }] }),
      /no usable key/,
    ],
  ])("keeps the last good list (writes nothing) and fails on %s", async (_, fetch, message) => {
    ddb
      .on(GetCommand)
      .resolves({ Item: { pk: GITHUB_SIGNING_KEYS_PK, keys: { old: current }, fetchedAt: "x" } });

    await expect(refreshSigningKeys(deps(fetch))).rejects.toThrow(message);

    expect(ddb).not.toReceiveCommand(PutCommand);
  });

  it("fails, writing nothing, when GitHub cannot be reached", async () => {
    ddb.on(GetCommand).resolves({});
    const fetch = vi.fn<Fetch>(async () => {
      throw new TypeError("fetch failed");
    });

    await expect(refreshSigningKeys(deps(fetch))).rejects.toThrow("fetch failed");

    expect(ddb).not.toReceiveCommand(PutCommand);
  });
});
