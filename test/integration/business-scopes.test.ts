import { describe, expect, it } from "vitest";
import { ROUTES } from "../../contract/routes";
import { ALL_SCOPES, expectError, keyOf } from "./business";
import { useTarget, withKey } from "./harness";
import { org } from "./target";

const target = useTarget();

/** The routes of the accounts, contacts, payments and import handlers. */
const BUSINESS = ROUTES.filter((route) =>
  /^lambdas\/(accounts|contacts|payments|import)\//.test(route.handler),
);

/** Well-formed ids, so that a route that got past the scope would answer 404 or 200, never 403. */
const SAMPLE_IDS: Record<string, string> = {
  accountId: "acc_01JHKZ5V2R0000000000000000",
  contactId: "con_01JHKZ5V2R0000000000000000",
  paymentId: "pay_01JHKZ5V2R0000000000000000",
};

const concrete = (path: string) => path.replace(/\{(\w+)\}/g, (_, name: string) => SAMPLE_IDS[name] ?? name);

describe("scopes of the business routes (API.md §2, §3)", () => {
  it("covers every route of these handlers", () => {
    expect(BUSINESS.map((route) => `${route.method} ${route.path}`)).toEqual(
      expect.arrayContaining([
        "GET /api/v1/accounts/{accountId}",
        "PATCH /api/v1/accounts/{accountId}",
        "GET /api/v1/accounts/{accountId}/payments",
        "POST /api/v1/accounts/{accountId}/payments",
        "GET /api/v1/accounts/{accountId}/payments/{paymentId}",
        "GET /api/v1/contacts",
        "POST /api/v1/contacts",
        "GET /api/v1/contacts/{contactId}",
        "PATCH /api/v1/contacts/{contactId}",
        "POST /api/v1/import/accounts",
      ]),
    );
  });

  it.each(BUSINESS.map((route) => [`${route.method} ${route.path}`, route] as const))(
    "%s: a key with every other scope gets 403 naming the one needed",
    async (_name, route) => {
      const scope = route.scope ?? "";
      const key = await keyOf(
        target,
        org("scopes"),
        ALL_SCOPES.filter((other) => other !== scope),
      );
      const body = route.method === "GET" ? undefined : {};

      const reply = await withKey(target, key, concrete(route.path), { method: route.method, body });

      expect(expectError(reply, 403, "insufficient_scope").message).toContain(`"${scope}"`);
      const allowed = await withKey(
        target,
        await keyOf(target, org("scopes"), [scope]),
        concrete(route.path),
        {
          method: route.method,
          body,
        },
      );
      expect(allowed.status).not.toBe(403);
    },
  );
});
