import { describe, expect, it } from "vitest";
import {
  type AuthorizerContext,
  decodeContext,
  type EncodedContext,
  encodeContext,
  InvalidContextError,
} from "../../../../../lambdas/shared/api-keys/authorizer-context";

/** What API Gateway does to an authorizer's context before the integration sees it. */
function asApiGatewayDelivers(context: EncodedContext): Record<string, string | number> {
  const delivered: Record<string, string | number> = { principalId: "key_5u1a57vZeyw1x9yto1mqYA" };
  for (const [name, value] of Object.entries(context)) delivered[name] = String(value);
  delivered.integrationLatency = 37;
  return delivered;
}

const LIVE: AuthorizerContext = {
  orgId: "org_acme-1",
  keyId: "key_5u1a57vZeyw1x9yto1mqYA",
  scopes: ["accounts:read", "accounts:write", "webhooks:manage"],
  limit: 100,
  remaining: 58,
  resetAt: 1_736_935_200,
  windowSeconds: 900,
  throttled: false,
  ipAllowed: true,
};

const DELIVERED_LIVE = {
  principalId: "key_5u1a57vZeyw1x9yto1mqYA",
  integrationLatency: 37,
  orgId: "org_acme-1",
  keyId: "key_5u1a57vZeyw1x9yto1mqYA",
  scopes: "accounts:read accounts:write webhooks:manage",
  limit: "100",
  remaining: "58",
  resetAt: "1736935200",
  windowSeconds: "900",
  throttled: "false",
  ipAllowed: "true",
};

describe("encodeContext", () => {
  it("returns only strings, numbers and booleans, with scopes space-separated", () => {
    const encoded = encodeContext(LIVE);

    for (const value of Object.values(encoded)) {
      expect(["string", "number", "boolean"]).toContain(typeof value);
    }
    expect(encoded.scopes).toBe("accounts:read accounts:write webhooks:manage");
  });
});

describe("decodeContext after API Gateway's stringification", () => {
  const cases: Array<[string, AuthorizerContext]> = [
    ["a live key under its limit", LIVE],
    ["a throttled key", { ...LIVE, remaining: 0, throttled: true }],
    ["a key used from outside its allowlist", { ...LIVE, ipAllowed: false }],
    [
      "a key that is both throttled and refused for its address",
      { ...LIVE, throttled: true, ipAllowed: false },
    ],
    ["a key with a single scope", { ...LIVE, scopes: ["import"] }],
    ["a key with a per-key limit", { ...LIVE, limit: 10_000, remaining: 9_999, windowSeconds: 60 }],
  ];

  it.each(cases)("gives back the same typed object for %s", (_name, context) => {
    // Act
    const decoded = decodeContext(asApiGatewayDelivers(encodeContext(context)));

    // Assess
    expect(decoded).toEqual(context);
    expect(typeof decoded.throttled).toBe("boolean");
    expect(typeof decoded.ipAllowed).toBe("boolean");
    expect(typeof decoded.limit).toBe("number");
  });

  it('reads "false" as false, not as a truthy string', () => {
    const decoded = decodeContext(DELIVERED_LIVE);

    expect(decoded.throttled).toBe(false);
    expect(decoded.ipAllowed).toBe(true);
    expect(decodeContext({ ...DELIVERED_LIVE, ipAllowed: "false" }).ipAllowed).toBe(false);
    expect(decodeContext({ ...DELIVERED_LIVE, throttled: "true" }).throttled).toBe(true);
  });

  it("decodes a context exactly as a deployed stage delivers it", () => {
    expect(decodeContext(DELIVERED_LIVE)).toEqual(LIVE);
  });

  it("also decodes the authorizer's own unstringified output", () => {
    expect(decodeContext(encodeContext(LIVE))).toEqual(LIVE);
  });

  it("ignores principalId and integrationLatency", () => {
    const decoded = decodeContext(DELIVERED_LIVE);

    expect(decoded).not.toHaveProperty("principalId");
    expect(decoded).not.toHaveProperty("integrationLatency");
  });
});

describe("decodeContext refuses a malformed context", () => {
  const malformed: Array<[string, Record<string, unknown>]> = [
    ['throttled "yes"', { throttled: "yes" }],
    ['throttled "1"', { throttled: "1" }],
    ['throttled "0"', { throttled: "0" }],
    ['throttled ""', { throttled: "" }],
    ['ipAllowed "null"', { ipAllowed: "null" }],
    ['ipAllowed "undefined"', { ipAllowed: "undefined" }],
    ['limit "abc"', { limit: "abc" }],
    ['limit ""', { limit: "" }],
    ['limit "1.5"', { limit: "1.5" }],
    ['remaining "NaN"', { remaining: "NaN" }],
    ['resetAt "Infinity"', { resetAt: "Infinity" }],
    ['windowSeconds "  "', { windowSeconds: "  " }],
    ['limit "99999999999999999999"', { limit: "99999999999999999999" }],
    ["limit true", { limit: true }],
    ['orgId ""', { orgId: "" }],
    ["orgId 42", { orgId: 42 }],
    ['keyId ""', { keyId: "" }],
    ['scopes ""', { scopes: "" }],
    ["an unknown scope", { scopes: "accounts:read accounts:delete" }],
    ["scopes separated by commas", { scopes: "accounts:read,accounts:write" }],
  ];

  it.each(malformed)("with %s", (_name, override) => {
    expect(() => decodeContext({ ...DELIVERED_LIVE, ...override })).toThrow(InvalidContextError);
  });

  it.each([
    "orgId",
    "keyId",
    "scopes",
    "limit",
    "remaining",
    "resetAt",
    "windowSeconds",
    "throttled",
    "ipAllowed",
  ])("when %s is missing, naming the field", (field) => {
    const { [field as keyof typeof DELIVERED_LIVE]: _dropped, ...rest } = DELIVERED_LIVE;

    expect(() => decodeContext(rest)).toThrow(InvalidContextError);
    expect(() => decodeContext(rest)).toThrow(`"${field}"`);
  });

  it("when there is no context at all", () => {
    expect(() => decodeContext(undefined)).toThrow(InvalidContextError);
    expect(() => decodeContext(null)).toThrow(InvalidContextError);
    expect(() => decodeContext({})).toThrow(InvalidContextError);
    expect(() => decodeContext({ principalId: "user", integrationLatency: 422 })).toThrow(
      InvalidContextError,
    );
  });
});
