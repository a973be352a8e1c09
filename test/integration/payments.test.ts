import { describe, expect, it } from "vitest";
import {
  detailPaths,
  expectError,
  keyOf,
  listAll,
  newAccount,
  pathUnder,
  storedInteractions,
} from "./business";
import { ManualClock, useTarget, withKey } from "./harness";
import { org, remote } from "./target";

const T0 = Date.UTC(2026, 3, 14, 8, 30, 0);
const clock = new ManualClock(T0);
const target = useTarget({ clock: clock.now });

const pay = (key: string, accountId: string, body: unknown, headers: [string, string][] = []) =>
  withKey(target, key, `/api/v1/accounts/${accountId}/payments`, { method: "POST", body, headers });

const balanceOf = async (key: string, accountId: string) =>
  (await withKey(target, key, `/api/v1/accounts/${accountId}`)).json.balance as number;

describe("POST /api/v1/accounts/{accountId}/payments", () => {
  it("registers a payment: 201 with Location, the payment as §6 shapes it, and the balance lowered", async () => {
    const key = await keyOf(target, org("pay-happy"));
    const account = await newAccount(target, key, { name: "Payer", currency: "EUR", balance: 1000 });

    const reply = await pay(key, account.id, {
      amount: 250,
      currency: "EUR",
      method: "sepa",
      reference: "INV-7",
    });

    expect(reply.status).toBe(201);
    expect(reply.json).toEqual({
      id: expect.stringMatching(/^pay_[0-9A-Z]{26}$/),
      accountId: account.id,
      amount: 250,
      currency: "EUR",
      paidAt: remote ? expect.any(String) : new Date(T0).toISOString(),
      method: "sepa",
      reference: "INV-7",
      createdAt: reply.json.paidAt,
    });
    expect(pathUnder(target, reply.headers.location)).toBe(
      `/api/v1/accounts/${account.id}/payments/${reply.json.id}`,
    );
    expect(reply.headers["idempotent-replayed"]).toBeUndefined();
    expect(await balanceOf(key, account.id)).toBe(750);
    expect((await withKey(target, key, pathUnder(target, reply.headers.location))).json).toEqual(reply.json);
  });

  it("answers paidAt in UTC, takes no method or reference as null, and lets the balance go below 0", async () => {
    const key = await keyOf(target, org("pay-paidat"));
    const account = await newAccount(target, key, { name: "Payer", currency: "JPY" });

    const reply = await pay(key, account.id, {
      amount: 5000,
      currency: "JPY",
      paidAt: "2026-04-01T10:00:00+02:00",
    });

    expect(reply.status).toBe(201);
    expect(reply.json).toMatchObject({ paidAt: "2026-04-01T08:00:00.000Z", method: null, reference: null });
    expect(await balanceOf(key, account.id)).toBe(-5000);
  });

  it("names every invalid field and changes nothing", async () => {
    const key = await keyOf(target, org("pay-400"));
    const account = await newAccount(target, key);

    expect(detailPaths(await pay(key, account.id, { amount: 0, currency: "EUR" }))).toEqual(["amount"]);
    expect(detailPaths(await pay(key, account.id, { amount: -5, currency: "eur" }))).toEqual([
      "amount",
      "currency",
    ]);
    expect(
      detailPaths(await pay(key, account.id, { amount: 1.5, currency: "EUR", paidAt: "yesterday" })),
    ).toEqual(["amount", "paidAt"]);
    expect(detailPaths(await pay(key, account.id, { amount: "10", currency: "EUR", balance: 3 }))).toEqual([
      "amount",
      "balance",
    ]);
    expect(detailPaths(await pay(key, account.id, { currency: "EUR", method: "" }))).toEqual([
      "amount",
      "method",
    ]);
    expect(
      detailPaths(await withKey(target, key, `/api/v1/accounts/${account.id}/payments`, { method: "POST" })),
    ).toEqual(["body"]);
    expect(await balanceOf(key, account.id)).toBe(0);
  });

  it("refuses a currency other than the account's with 400 at currency", async () => {
    const key = await keyOf(target, org("pay-ccy"));
    const account = await newAccount(target, key, { name: "Euro", currency: "EUR", balance: 100 });

    const reply = await pay(key, account.id, { amount: 10, currency: "USD" });

    expect(expectError(reply, 400, "validation_error").details).toEqual([
      { path: "currency", message: expect.stringContaining("EUR") },
    ]);
    expect(await balanceOf(key, account.id)).toBe(100);
  });

  it("refuses a closed account with 409, and an unknown, malformed or foreign account with 404", async () => {
    const key = await keyOf(target, org("pay-refused"));
    const closed = await newAccount(target, key, { name: "Closed", currency: "EUR", balance: 100 });
    await withKey(target, key, `/api/v1/accounts/${closed.id}`, {
      method: "PATCH",
      body: { status: "closed" },
    });
    const foreignKey = await keyOf(target, org("pay-foreign"));
    const foreign = await newAccount(target, foreignKey, { name: "Theirs", currency: "EUR", balance: 100 });

    expectError(await pay(key, closed.id, { amount: 10, currency: "EUR" }), 409, "conflict");
    for (const id of ["acc_01JHKZ5V2R0000000000000000", "acc_nope", foreign.id]) {
      expectError(await pay(key, id, { amount: 10, currency: "EUR" }), 404, "not_found");
    }
    expect(await balanceOf(key, closed.id)).toBe(100);
    expect(await balanceOf(foreignKey, foreign.id)).toBe(100);
  });

  it("lands 20 concurrent payments on one account, every one 201, and the balance is exact", async () => {
    const orgId = org("pay-concurrent");
    const key = await keyOf(target, orgId);
    const account = await newAccount(target, key, { name: "Busy", currency: "EUR", balance: 10_000 });
    const amounts = Array.from({ length: 20 }, (_, index) => 100 + index);

    const replies = await Promise.all(
      amounts.map((amount) => pay(key, account.id, { amount, currency: "EUR" })),
    );

    expect(replies.map((reply) => reply.status)).toEqual(Array(20).fill(201));
    const total = amounts.reduce((sum, amount) => sum + amount, 0);
    expect(await balanceOf(key, account.id)).toBe(10_000 - total);
    const listed = await listAll(target, key, `/api/v1/accounts/${account.id}/payments`);
    expect(listed.map((payment) => payment.id).sort()).toEqual(replies.map((reply) => reply.json.id).sort());
    if (!remote) {
      const registered = (await storedInteractions(target, orgId)).filter(
        (event) => event.type === "payment.registered",
      );
      expect(
        registered.map((event) => event.data).sort((a, b) => String(a.id).localeCompare(String(b.id))),
      ).toEqual(replies.map((reply) => reply.json).sort((a, b) => a.id.localeCompare(b.id)));
      expect(new Set(registered.map((event) => event.accountId))).toEqual(new Set([account.id]));
    }
  });
});

describe("payments and account updates at once", () => {
  it("lets a PATCH land among 20 concurrent payments, keeping both the new name and the exact balance", async () => {
    const orgId = org("pay-and-patch");
    const key = await keyOf(target, orgId);
    const account = await newAccount(target, key, { name: "Before", currency: "EUR", externalRef: "pp-1" });

    const [patched, ...payments] = await Promise.all([
      withKey(target, key, `/api/v1/accounts/${account.id}`, {
        method: "PATCH",
        body: { name: "After", externalRef: "pp-2" },
      }),
      ...Array.from({ length: 20 }, () => pay(key, account.id, { amount: 10, currency: "EUR" })),
    ]);

    expect(patched?.status).toBe(200);
    expect(payments.map((reply) => reply.status)).toEqual(Array(20).fill(201));
    const final = (await withKey(target, key, `/api/v1/accounts/${account.id}`)).json;
    expect(final).toMatchObject({ name: "After", externalRef: "pp-2", balance: -200 });
    if (!remote) {
      // The interaction holds the account exactly as the PATCH answered it, balance of that moment included.
      const updated = (await storedInteractions(target, orgId)).filter(
        (event) => event.type === "account.updated",
      );
      expect(updated.map((event) => event.data)).toEqual([patched?.json]);
    }
  });
});

describe("Idempotency-Key on payments", () => {
  it("replays a JSON-equal body with the stored answer and Idempotent-Replayed: true, changing nothing", async () => {
    const orgId = org("idem-replay");
    const key = await keyOf(target, orgId);
    const account = await newAccount(target, key, { name: "Idem", currency: "EUR", balance: 1000 });
    const headers: [string, string][] = [["Idempotency-Key", "order-42"]];

    const first = await pay(key, account.id, { amount: 300, currency: "EUR", reference: "R" }, headers);
    clock.advance(60_000);
    const replay = await withKey(target, key, `/api/v1/accounts/${account.id}/payments`, {
      method: "POST",
      headers: [...headers, ["Content-Type", "application/json"]],
      rawBody: '{ "reference": "R",\n  "currency": "EUR", "amount": 300 }',
    });

    expect(first.status).toBe(201);
    expect(replay.status).toBe(201);
    expect(replay.json).toEqual(first.json);
    expect(replay.headers["idempotent-replayed"]).toBe("true");
    expect(replay.headers.location).toBe(first.headers.location);
    expect(await balanceOf(key, account.id)).toBe(700);
    expect(await listAll(target, key, `/api/v1/accounts/${account.id}/payments`)).toHaveLength(1);
    if (!remote) {
      const types = (await storedInteractions(target, orgId)).map((event) => event.type);
      expect(types.filter((type) => type === "payment.registered")).toHaveLength(1);
    }
  });

  it("answers 409 for the same key with another body, and stores nothing for it", async () => {
    const key = await keyOf(target, org("idem-mismatch"));
    const account = await newAccount(target, key, { name: "Idem", currency: "EUR" });
    const headers: [string, string][] = [["Idempotency-Key", "k-1"]];

    expect((await pay(key, account.id, { amount: 100, currency: "EUR" }, headers)).status).toBe(201);
    const other = await pay(key, account.id, { amount: 101, currency: "EUR" }, headers);
    const extra = await pay(key, account.id, { amount: 100, currency: "EUR", method: "card" }, headers);

    expectError(other, 409, "conflict");
    expectError(extra, 409, "conflict");
    expect(await balanceOf(key, account.id)).toBe(-100);
  });

  it("scopes keys to the org and the concrete path", async () => {
    const keyA = await keyOf(target, org("idem-scope-a"));
    const keyB = await keyOf(target, org("idem-scope-b"));
    const first = await newAccount(target, keyA);
    const second = await newAccount(target, keyA);
    const theirs = await newAccount(target, keyB);
    const headers: [string, string][] = [["Idempotency-Key", "shared-key"]];
    const body = { amount: 10, currency: "EUR" };

    const replies = [
      await pay(keyA, first.id, body, headers),
      await pay(keyA, second.id, body, headers),
      await pay(keyB, theirs.id, body, headers),
    ];

    expect(replies.map((reply) => reply.status)).toEqual([201, 201, 201]);
    expect(replies.map((reply) => reply.headers["idempotent-replayed"])).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    expect(new Set(replies.map((reply) => reply.json.id)).size).toBe(3);
    expect([
      await balanceOf(keyA, first.id),
      await balanceOf(keyA, second.id),
      await balanceOf(keyB, theirs.id),
    ]).toEqual([-10, -10, -10]);
  });

  it("stores only successful answers: a refused request does not use up its key", async () => {
    const key = await keyOf(target, org("idem-failure"));
    const account = await newAccount(target, key, { name: "Idem", currency: "EUR" });
    const headers: [string, string][] = [["Idempotency-Key", "retry-me"]];

    expectError(
      await pay(key, account.id, { amount: 10, currency: "USD" }, headers),
      400,
      "validation_error",
    );
    const fixed = await pay(key, account.id, { amount: 10, currency: "EUR" }, headers);

    expect(fixed.status).toBe(201);
    expect(fixed.headers["idempotent-replayed"]).toBeUndefined();
  });

  it("keeps replaying after the account is closed: the stored answer is the answer", async () => {
    const key = await keyOf(target, org("idem-closed"));
    const account = await newAccount(target, key, { name: "Idem", currency: "EUR" });
    const headers: [string, string][] = [["Idempotency-Key", "before-close"]];
    const first = await pay(key, account.id, { amount: 10, currency: "EUR" }, headers);
    await withKey(target, key, `/api/v1/accounts/${account.id}`, {
      method: "PATCH",
      body: { status: "closed" },
    });

    const replay = await pay(key, account.id, { amount: 10, currency: "EUR" }, headers);

    expect(replay.status).toBe(201);
    expect(replay.json).toEqual(first.json);
    expect(replay.headers["idempotent-replayed"]).toBe("true");
  });

  it("registers one payment for 8 concurrent requests with one key and one body", async () => {
    const key = await keyOf(target, org("idem-race"));
    const account = await newAccount(target, key, { name: "Idem", currency: "EUR" });
    const headers: [string, string][] = [["Idempotency-Key", "race"]];

    const replies = await Promise.all(
      Array.from({ length: 8 }, () => pay(key, account.id, { amount: 5, currency: "EUR" }, headers)),
    );

    expect(replies.map((reply) => reply.status)).toEqual(Array(8).fill(201));
    expect(new Set(replies.map((reply) => reply.json.id)).size).toBe(1);
    expect(replies.filter((reply) => reply.headers["idempotent-replayed"] === "true")).toHaveLength(7);
    expect(await balanceOf(key, account.id)).toBe(-5);
  });

  it("refuses a key that is empty, longer than 255 characters, not printable ASCII or given twice", async () => {
    const key = await keyOf(target, org("idem-400"));
    const account = await newAccount(target, key);
    const body = { amount: 1, currency: "EUR" };

    const bad: [string, string][][] = [
      [["Idempotency-Key", "k".repeat(256)]],
      [["Idempotency-Key", "café"]],
      [
        ["Idempotency-Key", "one"],
        ["Idempotency-Key", "two"],
      ],
    ];
    for (const headers of bad) {
      expect(detailPaths(await pay(key, account.id, body, headers))).toEqual(["headers.Idempotency-Key"]);
    }
    expect((await pay(key, account.id, body, [["Idempotency-Key", "k".repeat(255)]])).status).toBe(201);
    expect(
      (await pay(key, account.id, body, [["Idempotency-Key", "~ !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}"]])).status,
    ).toBe(201);
    expect(await balanceOf(key, account.id)).toBe(-2);
  });

  it.skipIf(remote)("replays for 24 hours, then treats the key as new", async () => {
    const key = await keyOf(target, org("idem-expiry"));
    const account = await newAccount(target, key, { name: "Idem", currency: "EUR" });
    const headers: [string, string][] = [["Idempotency-Key", "daily"]];
    const body = { amount: 1, currency: "EUR" };
    const start = clock.now();

    const first = await pay(key, account.id, body, headers);
    clock.set(start + 24 * 3600 * 1000 - 1000);
    const late = await pay(key, account.id, body, headers);
    clock.set(start + 24 * 3600 * 1000);
    const fresh = await pay(key, account.id, body, headers);

    expect(late.json.id).toBe(first.json.id);
    expect(late.headers["idempotent-replayed"]).toBe("true");
    expect(fresh.status).toBe(201);
    expect(fresh.json.id).not.toBe(first.json.id);
    expect(fresh.headers["idempotent-replayed"]).toBeUndefined();
  });
});

describe("GET /api/v1/accounts/{accountId}/payments[/{paymentId}]", () => {
  it("lists an account's payments oldest first, page by page, and only that account's", async () => {
    const key = await keyOf(target, org("pay-list"));
    const account = await newAccount(target, key);
    const neighbour = await newAccount(target, key);
    const ids: string[] = [];
    for (let index = 0; index < 5; index++) {
      ids.push((await pay(key, account.id, { amount: index + 1, currency: "EUR" })).json.id);
    }
    await pay(key, neighbour.id, { amount: 1, currency: "EUR" });

    const firstPage = await withKey(target, key, `/api/v1/accounts/${account.id}/payments?limit=2`);
    const all = await listAll(target, key, `/api/v1/accounts/${account.id}/payments`, 2);

    expect(firstPage.json.items).toHaveLength(2);
    expect(firstPage.json.nextCursor).toEqual(expect.any(String));
    expect(all.map((payment) => payment.id)).toEqual(ids);
    const foreignCursor = await withKey(
      target,
      key,
      `/api/v1/accounts/${neighbour.id}/payments?cursor=${firstPage.json.nextCursor}`,
    );
    expect(detailPaths(foreignCursor)).toEqual(["query.cursor"]);
    expect(
      detailPaths(await withKey(target, key, `/api/v1/accounts/${account.id}/payments?limit=0`)),
    ).toEqual(["query.limit"]);
  });

  it("answers 404 for another org's account and payment, and for a payment under the wrong account", async () => {
    const ownerKey = await keyOf(target, org("pay-owner"));
    const account = await newAccount(target, ownerKey);
    const other = await newAccount(target, ownerKey);
    const payment = (await pay(ownerKey, account.id, { amount: 1, currency: "EUR" })).json;
    const strangerKey = await keyOf(target, org("pay-stranger"));

    expectError(
      await withKey(target, strangerKey, `/api/v1/accounts/${account.id}/payments`),
      404,
      "not_found",
    );
    expectError(
      await withKey(target, strangerKey, `/api/v1/accounts/${account.id}/payments/${payment.id}`),
      404,
      "not_found",
    );
    expectError(
      await withKey(target, ownerKey, `/api/v1/accounts/${other.id}/payments/${payment.id}`),
      404,
      "not_found",
    );
    expectError(
      await withKey(target, ownerKey, `/api/v1/accounts/${account.id}/payments/pay_x`),
      404,
      "not_found",
    );
    expect(
      (await withKey(target, ownerKey, `/api/v1/accounts/${account.id}/payments/${payment.id}`)).json,
    ).toEqual(payment);
  });
});
