import { describe, expect, it } from "vitest";
import { createFynexClient, FynexApiError, pages, paginate } from "../../src/index";
import { envelope, fakeFetch, json } from "./fake-fetch";

/** Walking every page of a list (`{ items, nextCursor }`) and of an export (`Link: rel="next"`). */
const BASE_URL = "https://api.fynex.test";
const KEY = "fynex_k_003aUlTJC7tjlCTQj2uNU3MFagCXG9LRKRcwGkBIDlf3oAV0y";
const account = (id: string) => ({ id, name: `Account ${id}` });

describe("paginate", () => {
  it("yields every item of a list across its pages, passing each nextCursor back, and stops at null", async () => {
    // Prepare
    const { fetch, sent } = fakeFetch(
      json(200, { items: [account("a1"), account("a2")], nextCursor: "c1" }),
      json(200, { items: [account("a3")], nextCursor: "c2" }),
      json(200, { items: [], nextCursor: "c3" }),
      json(200, { items: [account("a4")], nextCursor: null }),
    );
    const fynex = createFynexClient({ baseUrl: BASE_URL, apiKey: KEY, fetch });

    // Act
    const names: string[] = [];
    for await (const item of paginate((cursor) =>
      fynex.GET("/api/v1/accounts", { params: { query: { cursor } } }),
    )) {
      names.push(item.name);
    }

    // Assess
    expect(names).toEqual(["Account a1", "Account a2", "Account a3", "Account a4"]);
    expect(sent.map((request) => new URL(request.url).search)).toEqual([
      "",
      "?cursor=c1",
      "?cursor=c2",
      "?cursor=c3",
    ]);
  });

  it("follows an export's Link rel=next, relative to the URL called and with the stage in front", async () => {
    // Prepare
    const { fetch, sent } = fakeFetch(
      json(200, [account("a1")], {
        Link: '</prod/api/v1/export/accounts?format=json&cursor=eyJhIjoxfQ%3D%3D>; rel="next"',
      }),
      json(200, [account("a2"), account("a3")], { Link: '<https://elsewhere.test/x>; rel="prev"' }),
    );
    const fynex = createFynexClient({ baseUrl: `${BASE_URL}/prod`, apiKey: KEY, fetch });

    // Act
    const ids: string[] = [];
    for await (const item of paginate((cursor) =>
      fynex.GET("/api/v1/export/accounts", { params: { query: { format: "json", cursor } } }),
    )) {
      ids.push(item.id);
    }

    // Assess
    expect(ids).toEqual(["a1", "a2", "a3"]);
    expect(sent.map((request) => request.url)).toEqual([
      `${BASE_URL}/prod/api/v1/export/accounts?format=json`,
      `${BASE_URL}/prod/api/v1/export/accounts?format=json&cursor=eyJhIjoxfQ%3D%3D`,
    ]);
  });

  it("throws the FynexApiError of a failed page, after the pages before it", async () => {
    const { fetch } = fakeFetch(
      json(200, { items: [account("a1")], nextCursor: "c1" }),
      envelope(400, "validation_error", "The cursor is not valid.", {}, [
        { path: "query.cursor", message: "Invalid." },
      ]),
    );
    const fynex = createFynexClient({ baseUrl: BASE_URL, apiKey: KEY, fetch });

    const seen: string[] = [];
    const walk = async () => {
      for await (const item of paginate((cursor) =>
        fynex.GET("/api/v1/accounts", { params: { query: { cursor } } }),
      )) {
        seen.push(item.id);
      }
    };

    await expect(walk()).rejects.toThrow(FynexApiError);
    expect(seen).toEqual(["a1"]);
  });

  it("fetches a page only when the loop asks for it", async () => {
    const { fetch, sent } = fakeFetch(
      json(200, { items: [account("a1"), account("a2")], nextCursor: "c1" }),
      json(200, { items: [account("a3")], nextCursor: null }),
    );
    const fynex = createFynexClient({ baseUrl: BASE_URL, apiKey: KEY, fetch });

    for await (const item of paginate((cursor) =>
      fynex.GET("/api/v1/accounts", { params: { query: { cursor } } }),
    )) {
      if (item.id === "a2") break;
    }

    expect(sent).toHaveLength(1);
  });
});

describe("pages", () => {
  it("yields each page as the API answered it", async () => {
    const { fetch } = fakeFetch(
      json(200, { items: [account("a1")], nextCursor: "c1" }),
      json(200, { items: [account("a2")], nextCursor: null }),
    );
    const fynex = createFynexClient({ baseUrl: BASE_URL, apiKey: KEY, fetch });

    const seen = [];
    for await (const page of pages((cursor) =>
      fynex.GET("/api/v1/accounts", { params: { query: { cursor } } }),
    )) {
      seen.push(page);
    }

    expect(seen).toEqual([
      { items: [account("a1")], nextCursor: "c1" },
      { items: [account("a2")], nextCursor: null },
    ]);
  });
});
