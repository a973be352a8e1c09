import { describe, expect, it } from "vitest";
import type { ErrorDetail } from "../../../../contract/error-codes";
import {
  claimedActorSchema,
  createKeySchema,
  idempotencyKeySchema,
  isKeyId,
  listAuditEventsInputSchema,
  listAuditEventsQuerySchema,
  listKeysInputSchema,
  listKeysQuerySchema,
  orgIdSchema,
  revokeKeySchema,
  rotateKeySchema,
  updateKeySchema,
} from "../../../../contract/schemas/keys";
import { HttpError } from "../../../../lambdas/shared/http/errors";
import { within } from "../../../../lambdas/shared/http/failures";
import { parseQuery, validate } from "../../../../lambdas/shared/http/validation";
import { NOW } from "../../lambdas/key-management/helpers";

/** The details of the 400 that validating `run` raises. */
function detailsOf(run: () => unknown): ErrorDetail[] {
  try {
    run();
  } catch (error) {
    if (error instanceof HttpError && error.code === "validation_error") return error.details;
    throw error;
  }
  throw new Error("expected a validation error");
}

const create = (body: Record<string, unknown>) => validate(createKeySchema(NOW), body);
const base = { name: "Billing sync", scopes: ["accounts:read"] };

describe("create body: name", () => {
  it("is stored trimmed", () => {
    // Spaces only: a trailing newline is a control character, refused before trimming (API.md §4).
    expect(create({ ...base, name: "  Billing sync  " }).name).toBe("Billing sync");
  });

  it("must not be empty after trimming", () => {
    expect(detailsOf(() => create({ ...base, name: "   " }))).toEqual([
      { path: "name", message: "Must not be empty." },
    ]);
  });

  it("takes 100 characters, counted after trimming, and refuses 101", () => {
    expect(create({ ...base, name: ` ${"n".repeat(100)} ` }).name).toHaveLength(100);
    expect(detailsOf(() => create({ ...base, name: "n".repeat(101) }))[0]?.path).toBe("name");
  });

  it("counts characters, not UTF-16 units", () => {
    expect(create({ ...base, name: "🔑".repeat(100) }).name).toBe("🔑".repeat(100));
  });

  it("is required and must be a string", () => {
    expect(detailsOf(() => create({ scopes: ["export"] }))[0]?.path).toBe("name");
    expect(detailsOf(() => create({ ...base, name: 42 }))[0]?.path).toBe("name");
  });
});

describe("create body: scopes", () => {
  it("refuses an empty list", () => {
    expect(detailsOf(() => create({ ...base, scopes: [] }))).toEqual([
      { path: "scopes", message: "Give at least one scope." },
    ]);
  });

  it("names an unknown scope by its index", () => {
    const details = detailsOf(() => create({ ...base, scopes: ["accounts:read", "accounts:delete"] }));
    expect(details).toHaveLength(1);
    expect(details[0]?.path).toBe("scopes[1]");
    expect(details[0]?.message).toContain("Unknown scope");
  });

  it("keeps duplicates as sent: the key policy names scopes[i] in the body, and the verbs fold them", () => {
    const input = create({
      ...base,
      scopes: ["export", "accounts:read", "export", "import", "accounts:read"],
    });
    expect(input.scopes).toEqual(["export", "accounts:read", "export", "import", "accounts:read"]);
  });
});

describe("create body: expiresAt", () => {
  it("reads a date as 00:00:00Z that day", () => {
    expect(create({ ...base, expiresAt: "2025-07-01" }).expiresAt).toBe(
      Date.parse("2025-07-01T00:00:00.000Z"),
    );
  });

  it("reads a date-time with Z or a numeric offset", () => {
    expect(create({ ...base, expiresAt: "2025-07-01T12:30:00Z" }).expiresAt).toBe(
      Date.parse("2025-07-01T12:30:00Z"),
    );
    expect(create({ ...base, expiresAt: "2025-07-01T12:30:00.250+02:00" }).expiresAt).toBe(
      Date.parse("2025-07-01T10:30:00.250Z"),
    );
  });

  it("requires the offset of a date-time", () => {
    expect(detailsOf(() => create({ ...base, expiresAt: "2025-07-01T12:30:00" }))[0]?.path).toBe("expiresAt");
  });

  it("refuses dates that do not exist and other formats", () => {
    for (const expiresAt of ["2025-02-30", "2025-02-30T00:00:00Z", "01/07/2030", "2030", 1893456000000]) {
      expect(detailsOf(() => create({ ...base, expiresAt }))[0]?.path).toBe("expiresAt");
    }
  });

  it("must be strictly in the future", () => {
    const past = detailsOf(() => create({ ...base, expiresAt: "2025-06-17" }));
    expect(past).toEqual([{ path: "expiresAt", message: "Must be in the future." }]);
    const rightNow = detailsOf(() => create({ ...base, expiresAt: new Date(NOW).toISOString() }));
    expect(rightNow).toEqual([{ path: "expiresAt", message: "Must be in the future." }]);
    expect(create({ ...base, expiresAt: new Date(NOW + 1).toISOString() }).expiresAt).toBe(NOW + 1);
  });

  it("is optional", () => {
    expect(create(base)).toEqual({ name: "Billing sync", scopes: ["accounts:read"] });
  });
});

describe("create body: unknown fields", () => {
  it("refuses a misspelt field by its own path", () => {
    const details = detailsOf(() => create({ ...base, expires_at: "2030-01-01" }));
    expect(details).toEqual([{ path: "expires_at", message: "Unknown field." }]);
  });

  it("refuses an actor in the body (only a direct invocation may claim one)", () => {
    expect(detailsOf(() => create({ ...base, actor: "alice" }))).toEqual([
      { path: "actor", message: "Unknown field." },
    ]);
  });
});

describe("create body: rateLimit", () => {
  it("takes a whole limit from 1 to 10000", () => {
    expect(create({ ...base, rateLimit: { limit: 1 } }).rateLimit).toEqual({ limit: 1 });
    expect(create({ ...base, rateLimit: { limit: 10_000 } }).rateLimit).toEqual({ limit: 10_000 });
  });

  it.each([0, 10_001, 2.5, "5", null])("refuses limit %j at rateLimit.limit", (limit) => {
    expect(detailsOf(() => create({ ...base, rateLimit: { limit } }))).toEqual([
      { path: "rateLimit.limit", message: "Must be a whole number from 1 to 10000." },
    ]);
  });

  it("refuses a missing limit, other fields and a bare number", () => {
    expect(detailsOf(() => create({ ...base, rateLimit: {} }))[0]?.path).toBe("rateLimit.limit");
    expect(detailsOf(() => create({ ...base, rateLimit: { limit: 5, window: 60 } }))).toEqual([
      { path: "rateLimit.window", message: "Unknown field." },
    ]);
    expect(detailsOf(() => create({ ...base, rateLimit: 5 }))[0]?.path).toBe("rateLimit");
  });
});

describe("create body: allowedIps", () => {
  const ips = (allowedIps: unknown) => create({ ...base, allowedIps }).allowedIps;

  it("normalises addresses and ranges, folding duplicates", () => {
    expect(
      ips([
        "203.0.113.7",
        "198.51.100.0/24",
        "2001:DB8:0:0:0:0:0:1",
        "2001:db8::/32",
        "::ffff:192.0.2.1",
        "::ffff:10.0.0.0/104",
        "203.0.113.7/32",
        "2001:db8::1/128",
        "0.0.0.0/0",
        "::/0",
      ]),
    ).toEqual([
      "203.0.113.7",
      "198.51.100.0/24",
      "2001:db8::1",
      "2001:db8::/32",
      "192.0.2.1",
      "10.0.0.0/8",
      "0.0.0.0/0",
      "::/0",
    ]);
  });

  it.each([
    ["not an address", "example.com"],
    ["an IPv4 short form", "127.1"],
    ["a leading zero", "10.0.0.01"],
    ["a hex octet", "0x7f.0.0.1"],
    ["an IPv6 zone", "fe80::1%eth0"],
    ["an empty string", ""],
    ["spaces", " 10.0.0.1"],
    ["an over-long string", `${"1".repeat(70)}`],
  ])("refuses %s", (_, entry) => {
    expect(detailsOf(() => ips(["10.0.0.1", entry]))).toEqual([
      {
        path: "allowedIps[1]",
        message: "Must be an IPv4 or IPv6 address, or a CIDR range such as 203.0.113.0/24 or 2001:db8::/32.",
      },
    ]);
  });

  it("refuses bad prefix lengths and ranges with host bits set", () => {
    expect(detailsOf(() => ips(["10.0.0.0/33"]))).toEqual([
      { path: "allowedIps[0]", message: "The prefix length must be a whole number from 0 to 32." },
    ]);
    expect(detailsOf(() => ips(["2001:db8::/129"]))[0]?.message).toMatch(/from 0 to 128/);
    expect(detailsOf(() => ips(["10.0.0.0/08"]))[0]?.path).toBe("allowedIps[0]");
    expect(detailsOf(() => ips(["10.0.0.0/"]))[0]?.path).toBe("allowedIps[0]");
    expect(detailsOf(() => ips(["10.1.2.3/8"]))).toEqual([
      { path: "allowedIps[0]", message: "Host bits are set; the range is 10.0.0.0/8." },
    ]);
  });

  it("refuses an empty list, more than 100 entries, and entries that are not strings", () => {
    expect(detailsOf(() => ips([]))).toEqual([
      {
        path: "allowedIps",
        message: "Give at least one address or range; to allow every address, leave the list out.",
      },
    ]);
    const many = Array.from({ length: 101 }, (_, i) => `10.0.${Math.floor(i / 256)}.${i % 256}`);
    expect(ips(many.slice(0, 100))).toHaveLength(100);
    expect(detailsOf(() => ips(many))).toEqual([
      { path: "allowedIps", message: "Give at most 100 addresses or ranges." },
    ]);
    expect(detailsOf(() => ips(["10.0.0.1", 42]))[0]?.path).toBe("allowedIps[1]");
    expect(detailsOf(() => ips("10.0.0.1"))[0]?.path).toBe("allowedIps");
  });
});

describe("update body (PATCH)", () => {
  const update = (body: Record<string, unknown>) => validate(updateKeySchema, body);

  it("takes every field as optional, an empty object included", () => {
    expect(update({})).toEqual({});
    expect(update({ name: " New ", scopes: ["export", "export"] })).toEqual({
      name: "New",
      scopes: ["export", "export"],
    });
  });

  it("takes null to remove the limit override and the allowlist, but not the name or scopes", () => {
    expect(update({ rateLimit: null, allowedIps: null })).toEqual({ rateLimit: null, allowedIps: null });
    expect(detailsOf(() => update({ name: null, scopes: null })).map((d) => d.path)).toEqual([
      "name",
      "scopes",
    ]);
  });

  it("validates each field as a create does, and refuses fields it cannot change", () => {
    const details = detailsOf(() =>
      update({
        scopes: [],
        rateLimit: { limit: 0 },
        allowedIps: ["nope"],
        expiresAt: "2030-01-01",
      }),
    );
    expect(details.map((detail) => detail.path)).toEqual([
      "scopes",
      "rateLimit.limit",
      "allowedIps[0]",
      "expiresAt",
    ]);
  });
});

describe("rotate body", () => {
  const rotate = (body: Record<string, unknown>) => validate(rotateKeySchema(NOW), body);

  it("takes a grace period from 0 to 604800 seconds and a future expiresAt, both optional", () => {
    expect(rotate({})).toEqual({});
    expect(rotate({ gracePeriodSeconds: 0 })).toEqual({ gracePeriodSeconds: 0 });
    expect(rotate({ gracePeriodSeconds: 604_800, expiresAt: "2030-01-01" })).toEqual({
      gracePeriodSeconds: 604_800,
      expiresAt: Date.parse("2030-01-01T00:00:00Z"),
    });
  });

  it.each([-1, 604_801, 1.5, "60", null])("refuses gracePeriodSeconds %j", (gracePeriodSeconds) => {
    expect(detailsOf(() => rotate({ gracePeriodSeconds }))).toEqual([
      { path: "gracePeriodSeconds", message: "Must be a whole number of seconds from 0 to 604800." },
    ]);
  });

  it("refuses a past expiresAt and unknown fields", () => {
    expect(detailsOf(() => rotate({ expiresAt: "2020-01-01", grace: 5 })).map((d) => d.path)).toEqual([
      "expiresAt",
      "grace",
    ]);
  });
});

describe("idempotency key and claimed actor", () => {
  it("takes 1 to 255 printable ASCII characters as an idempotency key", () => {
    expect(validate(idempotencyKeySchema, "a")).toBe("a");
    expect(validate(idempotencyKeySchema, " ~".repeat(127))).toHaveLength(254);
    for (const bad of ["", "x".repeat(256), "tab\there", "é", 42]) {
      expect(detailsOf(() => validate(idempotencyKeySchema, bad))).toHaveLength(1);
    }
  });

  it("takes a non-empty claimed actor of at most 256 characters, trimmed", () => {
    expect(validate(claimedActorSchema, " alice@example.com ")).toBe("alice@example.com");
    for (const bad of ["", "  ", "a".repeat(257), 7, null]) {
      expect(detailsOf(() => validate(claimedActorSchema, bad))).toHaveLength(1);
    }
  });
});

describe("audit list query", () => {
  const query = (params: Record<string, string>) =>
    parseQuery(
      { queryStringParameters: params, multiValueQueryStringParameters: null },
      listAuditEventsQuerySchema,
    );

  it("defaults to 25 and takes a key id filter and a cursor", () => {
    expect(query({})).toEqual({ limit: 25 });
    expect(query({ limit: "100", keyId: "key_5u1a57vZeyw1x9yto1mqYA", cursor: "abc" })).toEqual({
      limit: 100,
      keyId: "key_5u1a57vZeyw1x9yto1mqYA",
      cursor: "abc",
    });
  });

  it("refuses a bad limit, a key id of the wrong shape and unknown parameters", () => {
    expect(detailsOf(() => query({ limit: "0" }))[0]?.path).toBe("query.limit");
    expect(detailsOf(() => query({ keyId: "key_short" }))).toEqual([
      { path: "query.keyId", message: "Must be a key id (key_ and 22 letters or digits)." },
    ]);
    expect(detailsOf(() => query({ type: "key.created" }))[0]?.path).toBe("query.type");
  });

  it("takes a number limit in a direct invocation", () => {
    expect(validate(listAuditEventsInputSchema, { limit: 5 })).toEqual({ limit: 5 });
    expect(detailsOf(() => validate(listAuditEventsInputSchema, { limit: "5" }))[0]?.path).toBe("limit");
  });
});

describe("revoke body", () => {
  it("takes nothing but an empty object", () => {
    expect(validate(revokeKeySchema, {})).toEqual({});
    expect(detailsOf(() => validate(revokeKeySchema, { reason: "leaked" }))).toEqual([
      { path: "reason", message: "Unknown field." },
    ]);
  });
});

describe("list query", () => {
  const query = (params: Record<string, string>) =>
    parseQuery({ queryStringParameters: params, multiValueQueryStringParameters: null }, listKeysQuerySchema);

  it("defaults the limit to 25", () => {
    expect(query({})).toEqual({ limit: 25 });
  });

  it("reads status, limit and cursor", () => {
    expect(query({ status: "expired", limit: "100", cursor: "abc" })).toEqual({
      status: "expired",
      limit: 100,
      cursor: "abc",
    });
    expect(query({ limit: "1" }).limit).toBe(1);
  });

  it.each(["abc", "1.5", "0", "101", "-1", "", " 5", "1e2"])("refuses limit=%j", (limit) => {
    expect(detailsOf(() => query({ limit }))).toEqual([
      { path: "query.limit", message: "Must be a whole number from 1 to 100." },
    ]);
  });

  it("refuses an unknown status, an unknown parameter and an empty cursor", () => {
    expect(detailsOf(() => query({ status: "deleted" }))[0]?.path).toBe("query.status");
    expect(detailsOf(() => query({ state: "active" }))).toEqual([
      { path: "query.state", message: "Unknown field." },
    ]);
    expect(detailsOf(() => query({ cursor: "" }))[0]?.path).toBe("query.cursor");
  });

  it("takes a number limit, and only a whole one, in the JSON form", () => {
    expect(validate(listKeysInputSchema, { limit: 10, status: "active" })).toEqual({
      limit: 10,
      status: "active",
    });
    expect(validate(listKeysInputSchema, {})).toEqual({ limit: 25 });
    for (const limit of [0, 101, 1.5, "10"]) {
      expect(detailsOf(() => validate(listKeysInputSchema, { limit }))[0]?.path).toBe("limit");
    }
  });
});

describe("path parameters", () => {
  it("takes an orgId of 1 to 64 of A-Za-z0-9_-", () => {
    expect(validate(orgIdSchema, "Acme_corp-01")).toBe("Acme_corp-01");
    expect(validate(orgIdSchema, "o".repeat(64))).toBe("o".repeat(64));
    for (const orgId of ["", "o".repeat(65), "acme corp", "acme/other", "ac%2Fme"]) {
      expect(detailsOf(() => validate(orgIdSchema, orgId, within("orgId")))[0]?.path).toBe("orgId");
    }
  });

  it("recognises a key id by its shape", () => {
    expect(isKeyId("key_5u1a57vZeyw1x9yto1mqYA")).toBe(true);
    for (const keyId of [
      "key_5u1a57vZeyw1x9yto1mqY",
      "key_5u1a57vZeyw1x9yto1mqYA0",
      "KEY_5u1a57vZeyw1x9yto1mqYA",
    ]) {
      expect(isKeyId(keyId)).toBe(false);
    }
    expect(isKeyId("key_5u1a57vZeyw1x9yto1mq-A")).toBe(false);
  });
});
