import { describe, expect, it } from "vitest";
import { admin, createKey, useTarget, withKey } from "./harness";
import { org } from "./target";

/**
 * Issue 19 point 5 over HTTP: a key name with ESC, CR, BEL or U+202E used to be accepted (201) and
 * printed raw by `fynex-keys list`. API.md §4: refused with 400 at the field, in every free-text
 * field; `test/unit/contract/schemas/plain-text.test.ts` covers each field's schema.
 */
const target = useTarget();

const detailsOf = (reply: { json: { error: { details: { path: string }[] } } }) =>
  reply.json.error.details.map((detail) => detail.path);

describe("names that could act on a terminal", () => {
  it("answers 400 at name to a key name with ESC, CR, BEL or U+202E, and creates nothing", async () => {
    // Prepare
    const orgId = org("tty-keys");
    const names = [
      "\u001b]0;pwned\u0007",
      "ok\rforged row",
      "bell\u0007",
      "invoice\u202eexe.txt",
      "trailing\r",
    ];

    // Act
    const replies = await Promise.all(
      names.map((name) =>
        admin(target, "POST", `/admin/v1/orgs/${orgId}/api-keys`, { name, scopes: ["export"] }),
      ),
    );

    // Assess
    for (const reply of replies) {
      expect(reply.status).toBe(400);
      expect(reply.json.error.code).toBe("validation_error");
      expect(detailsOf(reply)).toEqual(["name"]);
    }
    const listed = await admin(target, "GET", `/admin/v1/orgs/${orgId}/api-keys`);
    expect(listed.json.items).toEqual([]);
  });

  it("answers 400 at the field to an account name and a payment reference with control characters", async () => {
    // Prepare
    const { key } = await createKey(target, org("tty-business"), {
      scopes: ["accounts:write", "payments:write"],
    });
    const created = await withKey(target, key, "/api/v1/accounts", {
      method: "POST",
      body: { name: "Acme", currency: "EUR" },
    });

    // Act
    const account = await withKey(target, key, "/api/v1/accounts", {
      method: "POST",
      body: { name: "Acme\u001b[2K", currency: "EUR" },
    });
    const payment = await withKey(target, key, `/api/v1/accounts/${created.json.id}/payments`, {
      method: "POST",
      body: { amount: 100, currency: "EUR", reference: "INV-1\u202e" },
    });

    // Assess
    expect(account.status).toBe(400);
    expect(detailsOf(account)).toEqual(["name"]);
    expect(payment.status).toBe(400);
    expect(detailsOf(payment)).toEqual(["reference"]);
  });
});
