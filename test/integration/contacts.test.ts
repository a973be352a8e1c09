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

const T0 = Date.UTC(2026, 4, 5, 14, 0, 0);
const clock = new ManualClock(T0);
const target = useTarget({ clock: clock.now });

const post = (key: string, body: unknown) =>
  withKey(target, key, "/api/v1/contacts", { method: "POST", body });
const patch = (key: string, id: string, body?: unknown) =>
  withKey(target, key, `/api/v1/contacts/${id}`, { method: "PATCH", body });

async function newContact(key: string, body: Record<string, unknown>) {
  const reply = await post(key, body);
  if (reply.status !== 201) throw new Error(`create contact failed: ${reply.status} ${reply.text}`);
  return reply.json as { id: string; [field: string]: unknown };
}

describe("POST /api/v1/contacts", () => {
  it("creates a contact on the org's account: 201, Location, the contact as §6 shapes it", async () => {
    const key = await keyOf(target, org("con-create"));
    const account = await newAccount(target, key);

    const reply = await post(key, {
      accountId: account.id,
      name: "Ana Lima",
      email: "ana@example.com",
      phone: "+351912345678",
      role: "Finance",
    });

    expect(reply.status).toBe(201);
    expect(reply.json).toEqual({
      id: expect.stringMatching(/^con_[0-9A-Z]{26}$/),
      accountId: account.id,
      name: "Ana Lima",
      email: "ana@example.com",
      phone: "+351912345678",
      role: "Finance",
      createdAt: expect.any(String),
      updatedAt: reply.json.createdAt,
    });
    expect(pathUnder(target, reply.headers.location)).toBe(`/api/v1/contacts/${reply.json.id}`);
    expect((await withKey(target, key, pathUnder(target, reply.headers.location))).json).toEqual(reply.json);
    const minimal = await post(key, { accountId: account.id, name: "Bo" });
    expect(minimal.json).toMatchObject({ email: null, phone: null, role: null });
  });

  it("validates email and phone (E.164), and names every problem", async () => {
    const key = await keyOf(target, org("con-400"));
    const account = await newAccount(target, key);

    for (const phone of ["912345678", "+351 912 345 678", "+0123456789", "+12345", "+1234567890123456"]) {
      expect(detailPaths(await post(key, { accountId: account.id, name: "P", phone })), phone).toEqual([
        "phone",
      ]);
    }
    for (const email of ["ana", "ana@", "@example.com", "ana example@x.com"]) {
      expect(detailPaths(await post(key, { accountId: account.id, name: "E", email })), email).toEqual([
        "email",
      ]);
    }
    expect(detailPaths(await post(key, { name: "", role: "", orgId: "x" }))).toEqual([
      "accountId",
      "name",
      "orgId",
      "role",
    ]);
    expect(detailPaths(await withKey(target, key, "/api/v1/contacts", { method: "POST" }))).toEqual(["body"]);
    expect(await listAll(target, key, "/api/v1/contacts")).toEqual([]);
  });

  it("answers 404 naming accountId for an unknown, malformed or foreign account", async () => {
    const key = await keyOf(target, org("con-404"));
    const foreign = await newAccount(target, await keyOf(target, org("con-404-other")));

    for (const accountId of ["acc_01JHKZ5V2R0000000000000000", "acc_x", foreign.id]) {
      const error = expectError(await post(key, { accountId, name: "Nobody" }), 404, "not_found");
      expect(error.details).toEqual([{ path: "accountId", message: expect.any(String) }]);
    }
    expect(await listAll(target, key, "/api/v1/contacts")).toEqual([]);
  });
});

describe("PATCH /api/v1/contacts/{contactId}", () => {
  it("updates fields, clears optional ones with null, and moves updatedAt", async () => {
    const key = await keyOf(target, org("con-patch"));
    const account = await newAccount(target, key);
    const contact = await newContact(key, {
      accountId: account.id,
      name: "Cy",
      email: "cy@example.com",
      role: "CEO",
    });
    clock.advance(2_000);

    const reply = await patch(key, contact.id, { name: "Cy Young", email: null, phone: "+14155550123" });

    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({
      ...contact,
      name: "Cy Young",
      email: null,
      phone: "+14155550123",
      updatedAt: remote ? expect.any(String) : new Date(clock.now()).toISOString(),
    });
    expect((await withKey(target, key, `/api/v1/contacts/${contact.id}`)).json).toEqual(reply.json);
  });

  it("changes nothing for no body or {}, refuses accountId and bad values", async () => {
    const key = await keyOf(target, org("con-patch-400"));
    const account = await newAccount(target, key);
    const other = await newAccount(target, key);
    const contact = await newContact(key, { accountId: account.id, name: "Di" });

    expect((await patch(key, contact.id)).json).toEqual(contact);
    expect((await patch(key, contact.id, {})).json).toEqual(contact);
    expect(detailPaths(await patch(key, contact.id, { accountId: other.id }))).toEqual(["accountId"]);
    expect(detailPaths(await patch(key, contact.id, { name: null, phone: "0800" }))).toEqual([
      "name",
      "phone",
    ]);
    expect((await withKey(target, key, `/api/v1/contacts/${contact.id}`)).json).toEqual(contact);
  });

  it("answers 404 for another org's contact and leaves it as it was", async () => {
    const ownerKey = await keyOf(target, org("con-owner"));
    const contact = await newContact(ownerKey, {
      accountId: (await newAccount(target, ownerKey)).id,
      name: "Ed",
    });
    const strangerKey = await keyOf(target, org("con-stranger"));

    expectError(await patch(strangerKey, contact.id, { name: "Owned" }), 404, "not_found");
    expectError(await withKey(target, strangerKey, `/api/v1/contacts/${contact.id}`), 404, "not_found");
    expectError(await withKey(target, strangerKey, "/api/v1/contacts/con_nope"), 404, "not_found");
    expect((await withKey(target, ownerKey, `/api/v1/contacts/${contact.id}`)).json).toEqual(contact);
  });

  it.skipIf(remote)("records contact.created and contact.updated on the contact's account", async () => {
    const orgId = org("con-events");
    const key = await keyOf(target, orgId);
    const account = await newAccount(target, key);
    const contact = await newContact(key, { accountId: account.id, name: "Fay" });
    clock.advance(1);
    const updated = (await patch(key, contact.id, { role: "Buyer" })).json;

    const events = (await storedInteractions(target, orgId)).filter((event) =>
      event.type.startsWith("contact."),
    );

    expect(events).toEqual([
      {
        id: expect.any(String),
        accountId: account.id,
        type: "contact.created",
        at: contact.createdAt,
        data: contact,
      },
      {
        id: expect.any(String),
        accountId: account.id,
        type: "contact.updated",
        at: updated.updatedAt,
        data: updated,
      },
    ]);
  });
});

describe("GET /api/v1/contacts", () => {
  it("lists the org's contacts oldest first, ?accountId= filters, an unknown account lists nothing", async () => {
    const key = await keyOf(target, org("con-list"));
    const [first, second] = [await newAccount(target, key), await newAccount(target, key)];
    const ofFirst: string[] = [];
    const all: string[] = [];
    for (let index = 0; index < 7; index++) {
      const account = index % 3 === 0 ? first : second;
      const { id } = await newContact(key, { accountId: account?.id, name: `C${index}` });
      all.push(id);
      if (account === first) ofFirst.push(id);
    }
    const theirs = await newContact(await keyOf(target, org("con-list-other")), {
      accountId: (await newAccount(target, await keyOf(target, org("con-list-other")))).id,
      name: "Hidden",
    });

    expect((await listAll(target, key, "/api/v1/contacts", 3)).map((contact) => contact.id)).toEqual(all);
    for (const size of [1, 2, 25]) {
      const filtered = await listAll(target, key, `/api/v1/contacts?accountId=${first?.id}`, size);
      expect(filtered.map((contact) => contact.id)).toEqual(ofFirst);
    }
    for (const accountId of ["acc_01JHKZ5V2R0000000000000000", "garbage", theirs.accountId]) {
      const reply = await withKey(target, key, `/api/v1/contacts?accountId=${accountId}`);
      expect(reply.json).toEqual({ items: [], nextCursor: null });
    }
    expect(detailPaths(await withKey(target, key, "/api/v1/contacts?accountid=x"))).toEqual([
      "query.accountid",
    ]);
    expect(detailPaths(await withKey(target, key, "/api/v1/contacts?cursor=abc"))).toEqual(["query.cursor"]);
  });
});
