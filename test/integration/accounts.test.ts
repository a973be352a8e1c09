import { describe, expect, it } from "vitest";
import { detailPaths, expectError, keyOf, listAll, newAccount, storedInteractions } from "./business";
import { ManualClock, useTarget, withKey } from "./harness";
import { org, remote } from "./target";

const T0 = Date.UTC(2026, 2, 2, 9, 0, 0);
const clock = new ManualClock(T0);
const target = useTarget({ clock: clock.now });

const json = (body: unknown) => ({ method: "PATCH", body });

describe("GET /api/v1/accounts/{accountId}", () => {
  it("answers the account as it was created", async () => {
    const key = await keyOf(target, org("acc-get"));
    const created = await newAccount(target, key, { name: "Globex", currency: "USD", balance: 1500 });

    const reply = await withKey(target, key, `/api/v1/accounts/${created.id}`);

    expect(reply.status).toBe(200);
    expect(reply.json).toEqual(created);
    expect(reply.json).toEqual({
      id: expect.stringMatching(/^acc_[0-9A-Z]{26}$/),
      name: "Globex",
      externalRef: null,
      currency: "USD",
      balance: 1500,
      status: "open",
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
  });

  it("answers 404 for an unknown id, a malformed id and another org's account", async () => {
    const key = await keyOf(target, org("acc-404-a"));
    const other = await newAccount(target, await keyOf(target, org("acc-404-b")));

    for (const id of ["acc_01JHKZ5V2R0000000000000000", "nope", "x".repeat(2000), other.id]) {
      const reply = await withKey(target, key, `/api/v1/accounts/${id}`);
      expectError(reply, 404, "not_found");
    }
  });
});

describe("PATCH /api/v1/accounts/{accountId}", () => {
  it("changes name and status, moves updatedAt, and keeps currency and balance", async () => {
    const key = await keyOf(target, org("acc-patch"));
    const created = await newAccount(target, key, { name: "Acme", currency: "EUR", balance: 700 });
    clock.advance(1_000);

    const reply = await withKey(
      target,
      key,
      `/api/v1/accounts/${created.id}`,
      json({ name: " Acme GmbH ", status: "closed" }),
    );

    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({
      ...created,
      name: "Acme GmbH",
      status: "closed",
      updatedAt: remote ? expect.any(String) : new Date(clock.now()).toISOString(),
    });
    expect((await withKey(target, key, `/api/v1/accounts/${created.id}`)).json).toEqual(reply.json);
    const reopened = await withKey(target, key, `/api/v1/accounts/${created.id}`, json({ status: "open" }));
    expect(reopened.json.status).toBe("open");
  });

  it("changes nothing and answers 200 for no body, {} and a patch equal to the account", async () => {
    const orgId = org("acc-noop");
    const key = await keyOf(target, orgId);
    const created = await newAccount(target, key, { name: "Same", currency: "EUR", externalRef: "same-1" });
    clock.advance(1_000);

    const none = await withKey(target, key, `/api/v1/accounts/${created.id}`, { method: "PATCH" });
    const empty = await withKey(target, key, `/api/v1/accounts/${created.id}`, json({}));
    const equal = await withKey(
      target,
      key,
      `/api/v1/accounts/${created.id}`,
      json({ name: "Same", externalRef: "same-1", status: "open" }),
    );

    for (const reply of [none, empty, equal]) {
      expect(reply.status).toBe(200);
      expect(reply.json).toEqual(created);
    }
    if (!remote)
      expect((await storedInteractions(target, orgId)).map((event) => event.type)).toEqual([
        "account.created",
      ]);
  });

  it("refuses currency, balance and unknown fields, naming each", async () => {
    const key = await keyOf(target, org("acc-patch-400"));
    const created = await newAccount(target, key);
    const path = `/api/v1/accounts/${created.id}`;

    expect(detailPaths(await withKey(target, key, path, json({ currency: "USD" })))).toEqual(["currency"]);
    expect(detailPaths(await withKey(target, key, path, json({ balance: 0, orgId: "x" })))).toEqual([
      "balance",
      "orgId",
    ]);
    expect(detailPaths(await withKey(target, key, path, json({ name: "", status: "frozen" })))).toEqual([
      "name",
      "status",
    ]);
    expect(detailPaths(await withKey(target, key, path, json({ externalRef: "" })))).toEqual(["externalRef"]);
    expect(
      detailPaths(
        await withKey(target, key, path, {
          method: "PATCH",
          rawBody: "[1]",
          headers: [["Content-Type", "application/json"]],
        }),
      ),
    ).toEqual(["body"]);
    expectError(
      await withKey(target, key, path, {
        method: "PATCH",
        rawBody: "{}",
        headers: [["Content-Type", "text/plain"]],
      }),
      415,
      "unsupported_media_type",
    );
    expect((await withKey(target, key, path)).json).toEqual(created);
  });

  it("moves the externalRef guard: the old ref is free again, a taken ref is 409, null removes it", async () => {
    const key = await keyOf(target, org("acc-ref"));
    const first = await newAccount(target, key, { name: "First", currency: "EUR", externalRef: "crm-1" });
    const second = await newAccount(target, key, { name: "Second", currency: "EUR", externalRef: "crm-2" });

    const moved = await withKey(target, key, `/api/v1/accounts/${first.id}`, json({ externalRef: "crm-9" }));
    expect(moved.status).toBe(200);
    expect(moved.json.externalRef).toBe("crm-9");
    const reuse = await withKey(target, key, "/api/v1/accounts", {
      method: "POST",
      body: { name: "Reuse", currency: "EUR", externalRef: "crm-1" },
    });
    expect(reuse.status).toBe(201);

    const taken = await withKey(
      target,
      key,
      `/api/v1/accounts/${second.id}`,
      json({ externalRef: "crm-9", name: "X" }),
    );
    expectError(taken, 409, "conflict");
    expect((await withKey(target, key, `/api/v1/accounts/${second.id}`)).json).toEqual(second);
    const createTaken = await withKey(target, key, "/api/v1/accounts", {
      method: "POST",
      body: { name: "Dup", currency: "EUR", externalRef: "crm-9" },
    });
    expectError(createTaken, 409, "conflict");

    const cleared = await withKey(target, key, `/api/v1/accounts/${first.id}`, json({ externalRef: null }));
    expect(cleared.json.externalRef).toBeNull();
    const freed = await withKey(target, key, `/api/v1/accounts/${second.id}`, json({ externalRef: "crm-9" }));
    expect(freed.status).toBe(200);
  });

  it("answers 404 for another org's account and leaves it as it was", async () => {
    const victimKey = await keyOf(target, org("acc-victim"));
    const victim = await newAccount(target, victimKey, {
      name: "Victim",
      currency: "EUR",
      externalRef: "v-1",
    });
    const key = await keyOf(target, org("acc-attacker"));

    const reply = await withKey(
      target,
      key,
      `/api/v1/accounts/${victim.id}`,
      json({ name: "Owned", status: "closed" }),
    );

    expectError(reply, 404, "not_found");
    expect((await withKey(target, victimKey, `/api/v1/accounts/${victim.id}`)).json).toEqual(victim);
  });

  it.skipIf(remote)("records account.created and account.updated with the account as answered", async () => {
    const orgId = org("acc-events");
    const key = await keyOf(target, orgId);
    const created = await newAccount(target, key, { name: "Events", currency: "EUR" });
    clock.advance(5);
    const updated = (await withKey(target, key, `/api/v1/accounts/${created.id}`, json({ name: "Events 2" })))
      .json;

    const interactions = await storedInteractions(target, orgId);

    expect(interactions).toEqual([
      {
        id: expect.stringMatching(/^int_/),
        accountId: created.id,
        type: "account.created",
        at: created.createdAt,
        data: created,
      },
      {
        id: expect.stringMatching(/^int_/),
        accountId: created.id,
        type: "account.updated",
        at: updated.updatedAt,
        data: updated,
      },
    ]);
  });
});

describe("externalRef under concurrency", () => {
  it("lets exactly one of 10 concurrent creates with one externalRef through; the rest are 409", async () => {
    const key = await keyOf(target, org("acc-race"));

    const replies = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        withKey(target, key, "/api/v1/accounts", {
          method: "POST",
          body: { name: `Racer ${index}`, currency: "EUR", externalRef: "race-1" },
        }),
      ),
    );

    expect(replies.map((reply) => reply.status).sort()).toEqual([201, ...Array(9).fill(409)]);
    for (const reply of replies.filter((r) => r.status === 409)) expectError(reply, 409, "conflict");
    const accounts = await listAll(target, key, "/api/v1/accounts");
    expect(accounts.filter((account) => account.externalRef === "race-1")).toHaveLength(1);
  });

  it("lets exactly one of 6 accounts take one externalRef by concurrent PATCHes", async () => {
    const key = await keyOf(target, org("acc-race-patch"));
    const accounts = await Promise.all(
      Array.from({ length: 6 }, (_, index) =>
        newAccount(target, key, { name: `P${index}`, currency: "EUR" }),
      ),
    );

    const replies = await Promise.all(
      accounts.map((account) =>
        withKey(target, key, `/api/v1/accounts/${account.id}`, json({ externalRef: "wanted" })),
      ),
    );

    expect(replies.map((reply) => reply.status).sort()).toEqual([200, 409, 409, 409, 409, 409]);
    const listed = await listAll(target, key, "/api/v1/accounts");
    expect(listed.filter((account) => account.externalRef === "wanted")).toHaveLength(1);
  });
});

describe("GET /api/v1/accounts across orgs", () => {
  it("lists only the caller's org's accounts, page after page", async () => {
    const keyA = await keyOf(target, org("acc-list-a"));
    const keyB = await keyOf(target, org("acc-list-b"));
    const mine = [];
    for (let index = 0; index < 5; index++)
      mine.push((await newAccount(target, keyA, { name: `A${index}`, currency: "EUR" })).id);
    const theirs = (await newAccount(target, keyB)).id;

    const listed = await listAll(target, keyA, "/api/v1/accounts", 2);

    expect(listed.map((account) => account.id)).toEqual(mine);
    expect(listed.map((account) => account.id)).not.toContain(theirs);
  });
});

describe("tampered cursors (issue 12 point 5)", () => {
  it("answer 400 at query.cursor on every list, an over-long sort key included, never a 500", async () => {
    const orgId = org("acc-tampered");
    const key = await keyOf(target, orgId);
    const account = await newAccount(target, key);
    const cursor = (sk: string) => Buffer.from(JSON.stringify({ o: orgId, p: { sk } })).toString("base64url");
    const lists = {
      "/api/v1/accounts": "ACCOUNT#",
      "/api/v1/contacts": "CONTACT#",
      "/api/v1/webhooks": "WEBHOOK#",
      [`/api/v1/accounts/${account.id}/payments`]: `PAYMENT#${account.id}#`,
    };
    for (const [path, prefix] of Object.entries(lists)) {
      for (const sk of [
        `${prefix}${"A".repeat(1100)}`,
        `${prefix}x`,
        `${prefix}${account.id}#${account.id}`,
      ]) {
        const reply = await withKey(target, key, `${path}?cursor=${cursor(sk)}`);
        expect(detailPaths(reply), `${path} ${sk.slice(0, 40)}`).toEqual(["query.cursor"]);
      }
    }
  });
});
