import { describe, expect, it } from "vitest";
import { createAccountSchema, updateAccountSchema } from "../../../../contract/schemas/accounts";
import { createContactSchema, updateContactSchema } from "../../../../contract/schemas/contacts";
import { claimedActorSchema, createKeySchema, updateKeySchema } from "../../../../contract/schemas/keys";
import { registerPaymentSchema } from "../../../../contract/schemas/payments";
import { createWebhookSchema, updateWebhookSchema } from "../../../../contract/schemas/webhooks";

/**
 * API.md §4: names and free-text fields refuse control characters (U+0000 to U+001F, U+007F to
 * U+009F) and bidirectional controls (U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069) anywhere
 * in the value as sent, before trimming, at that field (issue 19 point 5).
 */
const NOW = Date.parse("2026-01-01T00:00:00Z");
const REFUSED = [
  "\u0000",
  "\u0007", // BEL
  "\t",
  "\n",
  "\r", // CR: overwrites the row it is printed on
  "\u001b", // ESC: starts escape sequences
  "\u001f",
  "\u007f",
  "\u0080",
  "\u009b", // CSI, the one-byte ESC [
  "\u009f",
  "\u200e",
  "\u200f",
  "\u202a",
  "\u202e", // RIGHT-TO-LEFT OVERRIDE
  "\u2066",
  "\u2069",
];
const ACCEPTED = ["Zoë's CRM — sync", "東京 支店", "emoji 🔑", "\u200d zero-width joiner is not a control"];

/** Every free-text field of the API, with the body that carries it and how to put a value in it. */
const FIELDS: {
  name: string;
  path: string;
  parse: (value: string) => { success: boolean; error?: unknown };
}[] = [
  {
    name: "key name (create)",
    path: "name",
    parse: (v) => createKeySchema(NOW).safeParse({ name: v, scopes: ["export"] }),
  },
  { name: "key name (PATCH)", path: "name", parse: (v) => updateKeySchema.safeParse({ name: v }) },
  { name: "a direct invocation's claimed actor", path: "", parse: (v) => claimedActorSchema.safeParse(v) },
  {
    name: "account name",
    path: "name",
    parse: (v) => createAccountSchema.safeParse({ name: v, currency: "EUR" }),
  },
  { name: "account name (PATCH)", path: "name", parse: (v) => updateAccountSchema.safeParse({ name: v }) },
  {
    name: "account externalRef",
    path: "externalRef",
    parse: (v) => createAccountSchema.safeParse({ name: "a", currency: "EUR", externalRef: v }),
  },
  {
    name: "account externalRef (PATCH)",
    path: "externalRef",
    parse: (v) => updateAccountSchema.safeParse({ externalRef: v }),
  },
  {
    name: "contact name",
    path: "name",
    parse: (v) => createContactSchema.safeParse({ accountId: "acc_1", name: v }),
  },
  {
    name: "contact role",
    path: "role",
    parse: (v) => createContactSchema.safeParse({ accountId: "acc_1", name: "a", role: v }),
  },
  {
    name: "contact name and role (PATCH)",
    path: "role",
    parse: (v) => updateContactSchema.safeParse({ role: v }),
  },
  {
    name: "payment method",
    path: "method",
    parse: (v) => registerPaymentSchema.safeParse({ amount: 1, currency: "EUR", method: v }),
  },
  {
    name: "payment reference",
    path: "reference",
    parse: (v) => registerPaymentSchema.safeParse({ amount: 1, currency: "EUR", reference: v }),
  },
  {
    name: "webhook description",
    path: "description",
    parse: (v) =>
      createWebhookSchema({ allowLoopback: false }).safeParse({
        url: "https://example.com/h",
        events: ["account.created"],
        description: v,
      }),
  },
  {
    name: "webhook description (PATCH)",
    path: "description",
    parse: (v) => updateWebhookSchema({ allowLoopback: false }).safeParse({ description: v }),
  },
];

const pathsOf = (error: unknown) =>
  (error as { issues: { path: PropertyKey[] }[] }).issues.map((issue) => issue.path.join("."));

describe("plain text fields", () => {
  for (const field of FIELDS) {
    it(`refuse a control or bidi character anywhere in the ${field.name}, before trimming`, () => {
      for (const control of REFUSED) {
        for (const value of [`${control}name`, `na${control}me`, `name${control}`, ` name ${control}`]) {
          const outcome = field.parse(value);
          expect(outcome.success, `${field.name} with U+${control.codePointAt(0)?.toString(16)}`).toBe(false);
          expect(pathsOf(outcome.error)).toContain(field.path);
        }
      }
    });

    it(`take ordinary text in the ${field.name}, letters of any script included`, () => {
      for (const value of ACCEPTED) expect(field.parse(value).success, value).toBe(true);
    });
  }
});

describe("a bounded text field's messages", () => {
  const messagesFor = (name: unknown) =>
    (createAccountSchema.safeParse({ name, currency: "EUR" }).error?.issues ?? []).map((issue) => [
      issue.path.join("."),
      issue.message,
    ]);

  it("say which bound a value breaks, and that a value is no string only when it is none", () => {
    expect(messagesFor("x".repeat(201))).toEqual([["name", "Must be at most 200 characters."]]);
    expect(messagesFor("   ")).toEqual([["name", "Must not be empty."]]);
    expect(messagesFor(42)).toEqual([["name", "Must be a string."]]);
    expect(messagesFor("x".repeat(200))).toEqual([]);
  });
});
