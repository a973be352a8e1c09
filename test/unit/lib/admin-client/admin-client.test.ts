import { describe, expect, it } from "vitest";
import { AdminClient, apiErrorOf, bearerAuth, regionOfUrl } from "../../../../lib/admin-client/admin-client";

describe("regionOfUrl", () => {
  it.each([
    ["https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod", "eu-west-1"],
    ["https://a1b2c3d4e5.execute-api.us-gov-west-1.amazonaws.com/dev", "us-gov-west-1"],
    ["https://a1b2c3d4e5.execute-api.cn-north-1.amazonaws.com.cn/dev", "cn-north-1"],
  ])("reads the region of %s", (url, region) => {
    expect(regionOfUrl(new URL(url))).toBe(region);
  });

  it.each([
    "http://127.0.0.1:3000",
    "https://api.fynex.example/prod",
    "https://execute-api.eu-west-1.amazonaws.com.evil.example/prod",
  ])("finds none in %s", (url) => {
    expect(regionOfUrl(new URL(url))).toBeUndefined();
  });
});

describe("AdminClient.urlOf", () => {
  it("keeps the stage in the base URL and drops absent query values", () => {
    const client = new AdminClient("https://x.execute-api.eu-west-1.amazonaws.com/prod/", bearerAuth("t"));

    expect(client.urlOf("/admin/v1/orgs/acme/api-keys", { limit: "5", cursor: undefined }).href).toBe(
      "https://x.execute-api.eu-west-1.amazonaws.com/prod/admin/v1/orgs/acme/api-keys?limit=5",
    );
  });
});

describe("apiErrorOf", () => {
  it("reads the envelope of API.md §4, and nothing else", () => {
    const envelope = {
      error: { code: "not_found", message: "The API key was not found.", requestId: "r", details: [] },
    };

    expect(apiErrorOf(envelope)).toEqual(envelope.error);
    expect(apiErrorOf({ message: "Forbidden" })).toBeUndefined();
    expect(apiErrorOf(undefined)).toBeUndefined();
    expect(apiErrorOf({ error: "x" })).toBeUndefined();
  });
});
