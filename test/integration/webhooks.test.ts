import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { SCOPES } from "../../contract/scopes";
import { pathUnder } from "./business";
import { createKey, ManualClock, type Reply, useTarget, withKey } from "./harness";
import { org, remote } from "./target";

const T0 = Date.UTC(2026, 2, 1, 9, 0, 0);
const clock = new ManualClock(T0);
const target = useTarget({ clock: clock.now });

const ACME = org("hooks-acme");
const GLOBEX = org("hooks-globex");

/**
 * The org of the test running: one per test, so that no test meets another's subscriptions or the
 * per-org cap of 16 (API.md §6).
 */
function testOrg(): string {
  const name = expect.getState().currentTestName ?? "";
  return org(`hooks-${createHash("sha256").update(name).digest("hex").slice(0, 12)}`);
}

/** A fresh `webhooks:manage` key of the test's org: each test stays well inside one key's rate limit. */
async function manageKey(orgId = testOrg()): Promise<string> {
  return (await createKey(target, orgId, { scopes: ["webhooks:manage"] })).key;
}

const SUBSCRIPTION = {
  url: "https://hooks.example.com/fynex",
  events: ["account.created", "payment.registered"],
};

async function create(key: string, body: unknown = SUBSCRIPTION): Promise<Reply> {
  return withKey(target, key, "/api/v1/webhooks", { method: "POST", body });
}

function expectValidation(reply: Reply, path: string) {
  expect(reply.status, reply.text).toBe(400);
  expect(reply.json.error.code).toBe("validation_error");
  expect(reply.json.error.details.map((d: { path: string }) => d.path)).toContain(path);
}

describe("POST /api/v1/webhooks", () => {
  it("creates a subscription, answering 201 with Location and the signing secret", async () => {
    const reply = await create(await manageKey(), {
      url: "https://Hooks.Example.com:443/fynex?source=crm",
      events: ["account.created", "payment.registered", "account.created"],
      description: "  CRM sync  ",
    });

    expect(reply.status, reply.text).toBe(201);
    expect(reply.json).toEqual({
      id: expect.stringMatching(/^wh_[0-9A-Z]{26}$/),
      url: "https://hooks.example.com/fynex?source=crm",
      events: ["account.created", "payment.registered"],
      description: "CRM sync",
      enabled: true,
      createdAt: remote ? expect.any(String) : new Date(T0).toISOString(),
      updatedAt: remote ? expect.any(String) : new Date(T0).toISOString(),
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9_-]{43}$/),
    });
    expect(pathUnder(target, reply.headers.location)).toBe(`/api/v1/webhooks/${reply.json.id}`);
    expect(reply.headers["content-type"]).toBe("application/json");
  });

  it("gives every subscription its own secret", async () => {
    const key = await manageKey();
    const secrets = new Set<string>();
    for (let i = 0; i < 3; i++) secrets.add((await create(key)).json.secret);
    expect(secrets.size).toBe(3);
  });

  it.each([
    [{ events: ["account.created"] }, "url"],
    [{ url: "https://example.com/" }, "events"],
    [{ ...SUBSCRIPTION, events: [] }, "events"],
    [{ ...SUBSCRIPTION, events: ["account.deleted"] }, "events[0]"],
    [{ ...SUBSCRIPTION, events: "account.created" }, "events"],
    [{ ...SUBSCRIPTION, url: "http://hooks.example.com/" }, "url"],
    [{ ...SUBSCRIPTION, url: "ftp://hooks.example.com/" }, "url"],
    [{ ...SUBSCRIPTION, url: "hooks.example.com/fynex" }, "url"],
    [{ ...SUBSCRIPTION, url: "https://user:secret@hooks.example.com/" }, "url"],
    [{ ...SUBSCRIPTION, url: `https://example.com/${"x".repeat(2048)}` }, "url"],
    [{ ...SUBSCRIPTION, url: 42 }, "url"],
    [{ ...SUBSCRIPTION, description: "x".repeat(501) }, "description"],
    [{ ...SUBSCRIPTION, enabled: false }, "enabled"],
    [{ ...SUBSCRIPTION, secret: "whsec_mine" }, "secret"],
  ])("answers 400 for %j at %s", async (body, path) => {
    expectValidation(await create(await manageKey(), body), path);
  });

  it("answers 400 at body for a missing or non-object body, and 415 for another media type", async () => {
    const key = await manageKey();
    expectValidation(await withKey(target, key, "/api/v1/webhooks", { method: "POST" }), "body");
    expectValidation(
      await withKey(target, key, "/api/v1/webhooks", {
        method: "POST",
        rawBody: "[]",
        headers: [["Content-Type", "application/json"]],
      }),
      "body",
    );
    const form = await withKey(target, key, "/api/v1/webhooks", {
      method: "POST",
      rawBody: "url=https://example.com",
      headers: [["Content-Type", "application/x-www-form-urlencoded"]],
    });
    expect(form.status).toBe(415);
    expect(form.json.error.code).toBe("unsupported_media_type");
  });

  describe("refuses URLs that lead inside (API.md §9), whatever the address's spelling", () => {
    const inside = [
      "https://localhost/hook",
      "https://LOCALHOST:8443/hook",
      "https://localhost./hook",
      "https://api.localhost/hook",
      "https://127.0.0.1/hook",
      "https://127.0.0.1./hook",
      "https://127.1/hook",
      "https://127.255.255.254/",
      "https://2130706433/hook",
      "https://0x7f000001/hook",
      "https://0x7f.0.0.1/hook",
      "https://0177.0.0.1/hook",
      "https://017700000001/hook",
      "https://127.000.000.001/",
      "https://%31%32%37.0.0.1/",
      "https://0/hook",
      "https://0.0.0.0/hook",
      "https://10.0.0.1/hook",
      "https://10.255.255.255/",
      "https://172.16.0.1/hook",
      "https://172.31.0.1/",
      "https://192.168.0.1/hook",
      "https://0xc0a80001/",
      "https://3232235521/",
      "https://100.64.0.1/",
      "https://169.254.169.254/latest/meta-data/",
      "https://169.254.170.2/v2/credentials",
      "https://0xa9fea9fe/",
      "https://2852039166/",
      "https://[::1]/hook",
      "https://[0:0:0:0:0:0:0:1]/hook",
      "https://[::]/hook",
      "https://[::ffff:127.0.0.1]/hook",
      "https://[::ffff:7f00:1]/hook",
      "https://[::ffff:169.254.169.254]/",
      "https://[::ffff:10.0.0.1]/",
      "https://[::127.0.0.1]/",
      "https://[fe80::1]/hook",
      "https://[fc00::1]/hook",
      "https://[fd00:ec2::254]/latest/meta-data/",
      "https://[fec0::1]/",
      "https://[64:ff9b::7f00:1]/",
      "https://[2002:7f00:1::1]/",
      "https://224.0.0.1/",
      "https://255.255.255.255/",
    ];
    let key: string;
    beforeAll(async () => {
      key = await manageKey(org("hooks-inside"));
    });

    it.each(inside)("answers 400 at url for %s", async (url) => {
      const reply = await create(key, { ...SUBSCRIPTION, url });
      expectValidation(reply, "url");
    });

    it("keeps nothing of a refused subscription", async () => {
      const reply = await withKey(target, key, "/api/v1/webhooks?limit=100");
      expect(reply.status).toBe(200);
      expect(reply.json.items).toEqual([]);
    });
  });

  it("accepts public addresses, and names (resolved only at delivery)", async () => {
    const key = await manageKey();
    for (const url of [
      "https://8.8.8.8/hook",
      "https://[2606:4700:4700::1111]/hook",
      "https://hooks.example.com:8443/x",
      "https://127.0.0.1.nip.io/hook",
    ]) {
      const reply = await create(key, { ...SUBSCRIPTION, url });
      expect(reply.status, `${url}: ${reply.text}`).toBe(201);
    }
  });
});

describe("ports (API.md §9)", () => {
  it("takes 443 (answered without it) and 8443, and answers 400 at url for any other port", async () => {
    const key = await manageKey();
    const plain = await create(key, { ...SUBSCRIPTION, url: "https://hooks.example.com:443/x" });
    expect(plain.json.url).toBe("https://hooks.example.com/x");
    expect((await create(key, { ...SUBSCRIPTION, url: "https://hooks.example.com:8443/x" })).status).toBe(
      201,
    );
    for (const port of [80, 22, 25, 3306, 6379, 8080, 9200, 65535]) {
      const reply = await create(key, { ...SUBSCRIPTION, url: `https://hooks.example.com:${port}/x` });
      expectValidation(reply, "url");
      expect(reply.json.error.details[0].message).toMatch(/443 or 8443/);
    }
    const patched = await withKey(target, key, `/api/v1/webhooks/${plain.json.id}`, {
      method: "PATCH",
      body: { url: "https://hooks.example.com:8080/x" },
    });
    expectValidation(patched, "url");
  });
});

describe("reading and listing subscriptions", () => {
  it("never shows the secret again: not in a read, a list or an update", async () => {
    const key = await manageKey(org("hooks-secret"));
    const created = await create(key);
    const { secret, ...subscription } = created.json;

    const read = await withKey(target, key, `/api/v1/webhooks/${subscription.id}`);
    const list = await withKey(target, key, "/api/v1/webhooks");
    const patched = await withKey(target, key, `/api/v1/webhooks/${subscription.id}`, {
      method: "PATCH",
      body: { description: "x" },
    });

    expect(read.status).toBe(200);
    expect(read.json).toEqual(subscription);
    expect(list.json).toEqual({ items: [subscription], nextCursor: null });
    expect(patched.status).toBe(200);
    for (const reply of [read, list, patched]) {
      expect(reply.text).not.toContain(secret);
      expect(reply.text).not.toContain("secret");
    }
  });

  it("lists the org's subscriptions oldest first, a page at a time", async () => {
    const orgId = org("hooks-list");
    const key = await manageKey(orgId);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      clock.advance(1);
      ids.push((await create(key, { ...SUBSCRIPTION, description: `#${i}` })).json.id);
    }
    const seen: string[] = [];
    let path: string | undefined = "/api/v1/webhooks?limit=2";
    while (path) {
      const page = await withKey(target, key, path);
      expect(page.status).toBe(200);
      seen.push(...page.json.items.map((w: { id: string }) => w.id));
      path = page.json.nextCursor ? `/api/v1/webhooks?limit=2&cursor=${page.json.nextCursor}` : undefined;
    }
    expect(seen).toEqual(ids);
  });

  it("answers 400 for a bad limit, an unknown parameter, or a cursor of another org", async () => {
    const key = await manageKey();
    expectValidation(await withKey(target, key, "/api/v1/webhooks?limit=0"), "query.limit");
    expectValidation(await withKey(target, key, "/api/v1/webhooks?limit=101"), "query.limit");
    expectValidation(await withKey(target, key, "/api/v1/webhooks?enabled=true"), "query.enabled");
    expectValidation(await withKey(target, key, "/api/v1/webhooks?cursor=abc"), "query.cursor");

    const otherKey = await manageKey(org("hooks-cursor-owner"));
    await create(otherKey);
    await create(otherKey);
    const page = await withKey(target, otherKey, "/api/v1/webhooks?limit=1");
    expect(page.json.nextCursor).toEqual(expect.any(String));
    expectValidation(
      await withKey(target, key, `/api/v1/webhooks?limit=1&cursor=${page.json.nextCursor}`),
      "query.cursor",
    );
  });

  it("answers 404 for an unknown id and for an id no subscription could have", async () => {
    const key = await manageKey();
    for (const id of [
      "wh_01HZZZZZZZZZZZZZZZZZZZZZZZ",
      "nope",
      "acc_01HZZZZZZZZZZZZZZZZZZZZZZZ",
      "x".repeat(2000),
    ]) {
      const reply = await withKey(target, key, `/api/v1/webhooks/${id}`);
      expect(reply.status, id.slice(0, 20)).toBe(404);
      expect(reply.json.error.code).toBe("not_found");
    }
  });
});

describe("PATCH /api/v1/webhooks/{webhookId}", () => {
  it("changes url, events, description and enabled, stamping updatedAt", async () => {
    const key = await manageKey();
    const created = (await create(key, { ...SUBSCRIPTION, description: "old" })).json;
    clock.advance(5_000);

    const reply = await withKey(target, key, `/api/v1/webhooks/${created.id}`, {
      method: "PATCH",
      body: {
        url: "https://other.example.com/in",
        events: ["import.completed"],
        description: null,
        enabled: false,
      },
    });

    expect(reply.status, reply.text).toBe(200);
    expect(reply.json).toEqual({
      id: created.id,
      url: "https://other.example.com/in",
      events: ["import.completed"],
      description: null,
      enabled: false,
      createdAt: created.createdAt,
      updatedAt: remote ? expect.any(String) : new Date(clock.nowMs).toISOString(),
    });
    const read = await withKey(target, key, `/api/v1/webhooks/${created.id}`);
    expect(read.json).toEqual(reply.json);
  });

  it("changes nothing for an empty body or none at all", async () => {
    const key = await manageKey();
    const { secret: _secret, ...created } = (await create(key)).json;
    clock.advance(1_000);

    const none = await withKey(target, key, `/api/v1/webhooks/${created.id}`, { method: "PATCH" });
    const empty = await withKey(target, key, `/api/v1/webhooks/${created.id}`, { method: "PATCH", body: {} });

    expect(none.status).toBe(200);
    expect(none.json).toEqual(created);
    expect(empty.json).toEqual(created);
  });

  it.each([
    [{ url: "https://169.254.169.254/" }, "url"],
    [{ url: "http://hooks.example.com/" }, "url"],
    [{ url: null }, "url"],
    [{ events: [] }, "events"],
    [{ events: ["nope"] }, "events[0]"],
    [{ enabled: "yes" }, "enabled"],
    [{ secret: "whsec_x" }, "secret"],
    [{ createdAt: "2020-01-01T00:00:00Z" }, "createdAt"],
  ])("answers 400 for %j at %s and keeps the subscription as it was", async (body, path) => {
    const key = await manageKey();
    const { secret: _secret, ...created } = (await create(key)).json;
    const reply = await withKey(target, key, `/api/v1/webhooks/${created.id}`, { method: "PATCH", body });
    expectValidation(reply, path);
    expect((await withKey(target, key, `/api/v1/webhooks/${created.id}`)).json).toEqual(created);
  });

  it("answers 404 for an unknown subscription", async () => {
    const reply = await withKey(target, await manageKey(), "/api/v1/webhooks/wh_01HZZZZZZZZZZZZZZZZZZZZZZZ", {
      method: "PATCH",
      body: { enabled: false },
    });
    expect(reply.status).toBe(404);
  });
});

describe("DELETE /api/v1/webhooks/{webhookId}", () => {
  it("deletes with 204 and an empty body; the subscription is gone", async () => {
    const key = await manageKey();
    const created = (await create(key)).json;

    const reply = await withKey(target, key, `/api/v1/webhooks/${created.id}`, { method: "DELETE" });

    expect(reply.status).toBe(204);
    expect(reply.text).toBe("");
    expect((await withKey(target, key, `/api/v1/webhooks/${created.id}`)).status).toBe(404);
    const again = await withKey(target, key, `/api/v1/webhooks/${created.id}`, { method: "DELETE" });
    expect(again.status).toBe(404);
    expect(again.json.error.code).toBe("not_found");
  });
});

describe("another org's subscriptions", () => {
  it("are 404 to read, update and delete, and never listed", async () => {
    const owner = await manageKey(GLOBEX);
    const stranger = await manageKey(org("hooks-stranger"));
    const theirs = (await create(owner)).json;
    const path = `/api/v1/webhooks/${theirs.id}`;

    const read = await withKey(target, stranger, path);
    const patched = await withKey(target, stranger, path, { method: "PATCH", body: { enabled: false } });
    const deleted = await withKey(target, stranger, path, { method: "DELETE" });
    const list = await withKey(target, stranger, "/api/v1/webhooks");

    for (const reply of [read, patched, deleted]) {
      expect(reply.status).toBe(404);
      expect(reply.json.error.code).toBe("not_found");
    }
    expect(list.json.items).toEqual([]);
    const stillThere = await withKey(target, owner, path);
    expect(stillThere.status).toBe(200);
    expect(stillThere.json.enabled).toBe(true);
  });
});

describe("webhooks:manage scope", () => {
  it("answers 403 insufficient_scope naming webhooks:manage to a key with every other scope, on every route", async () => {
    const { key } = await createKey(target, ACME, {
      scopes: SCOPES.filter((scope) => scope !== "webhooks:manage"),
    });
    const id = "wh_01HZZZZZZZZZZZZZZZZZZZZZZZ";
    const calls: [string, string, unknown][] = [
      ["GET", "/api/v1/webhooks", undefined],
      ["POST", "/api/v1/webhooks", SUBSCRIPTION],
      ["GET", `/api/v1/webhooks/${id}`, undefined],
      ["PATCH", `/api/v1/webhooks/${id}`, { enabled: false }],
      ["DELETE", `/api/v1/webhooks/${id}`, undefined],
    ];
    for (const [method, path, body] of calls) {
      const reply = await withKey(target, key, path, { method, body });
      expect(reply.status, `${method} ${path}`).toBe(403);
      expect(reply.json.error.code).toBe("insufficient_scope");
      expect(reply.json.error.message).toContain('"webhooks:manage"');
    }
  });
});

describe("at most 16 subscriptions per org (API.md §6)", () => {
  it("answers the 17th with 409 conflict naming the cap, and takes one again after a delete", async () => {
    const key = await manageKey(org("hooks-cap"));
    const created: string[] = [];
    for (let index = 0; index < 16; index++) {
      const reply = await create(key);
      expect(reply.status, reply.text).toBe(201);
      created.push(reply.json.id);
    }

    const seventeenth = await create(key);

    expect(seventeenth.status).toBe(409);
    expect(seventeenth.json.error.code).toBe("conflict");
    expect(seventeenth.json.error.message).toMatch(/\b16\b/);
    expect((await withKey(target, key, "/api/v1/webhooks?limit=100")).json.items).toHaveLength(16);
    expect((await withKey(target, key, `/api/v1/webhooks/${created[0]}`, { method: "DELETE" })).status).toBe(
      204,
    );
    expect((await create(key)).status).toBe(201);
    expect((await create(key)).status).toBe(409);
  });

  it("lets exactly as many concurrent creates through as there is room for, never a 17th", async () => {
    const key = await manageKey(org("hooks-cap-race"));
    for (let index = 0; index < 13; index++) expect((await create(key)).status).toBe(201);

    const racing = await Promise.all(Array.from({ length: 8 }, () => create(key)));

    expect(racing.map((reply) => reply.status).sort()).toEqual([201, 201, 201, 409, 409, 409, 409, 409]);
    expect((await withKey(target, key, "/api/v1/webhooks?limit=100")).json.items).toHaveLength(16);
  });
});
