import { describe, expect, it } from "vitest";
import {
  createKeySchema,
  isKeyId,
  listKeysInputSchema,
  listKeysQuerySchema,
  orgIdSchema,
  revokeKeySchema,
} from "../../lambdas/admin/schemas";
import { type ErrorDetail, HttpError } from "../../lambdas/shared/errors";
import { parseQuery, validate } from "../../lambdas/shared/http/validation";
import { NOW } from "./helpers";

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
    expect(create({ ...base, name: "  Billing sync \n" }).name).toBe("Billing sync");
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

  it("folds duplicates and keeps the order of first appearance", () => {
    const input = create({
      ...base,
      scopes: ["export", "accounts:read", "export", "import", "accounts:read"],
    });
    expect(input.scopes).toEqual(["export", "accounts:read", "import"]);
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

  it("does not take the fields of a later issue yet", () => {
    expect(detailsOf(() => create({ ...base, rateLimit: { limit: 10 } }))[0]?.path).toBe("rateLimit");
    expect(detailsOf(() => create({ ...base, allowedIps: ["10.0.0.0/8"] }))[0]?.path).toBe("allowedIps");
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
      expect(detailsOf(() => validate(orgIdSchema, orgId, ["orgId"]))[0]?.path).toBe("orgId");
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
