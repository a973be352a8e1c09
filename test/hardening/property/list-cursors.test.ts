import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import fc from "fast-check";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { listAccounts } from "../../../lambdas/accounts/account-store";
import { listContacts } from "../../../lambdas/contacts/contact-store";
import { exportPage } from "../../../lambdas/export/export-page";
import { listAuditEvents } from "../../../lambdas/key-management/list-audit-events";
import { listKeys } from "../../../lambdas/key-management/list-keys";
import { listPayments } from "../../../lambdas/payments/payment-store";
import { encodeCursor } from "../../../lambdas/shared/dynamo/cursor";
import { newId } from "../../../lambdas/shared/ids";
import { listDeliveries } from "../../../lambdas/webhooks/delivery-store";
import { listWebhooks } from "../../../lambdas/webhooks/webhook-store";
import { offlineDynamo } from "../../offline-dynamo";

/**
 * Every list of the API (API.md §5, §6) against tampered cursors (issue 12 point 5): a cursor is
 * either one the list could have issued for the org, and DynamoDB gets a start key of the list's
 * shape, or it is invalid input at `cursor` (a 400 at the edge) before DynamoDB sees it. The mock
 * refuses what DynamoDB refuses (a key attribute over 1,024 bytes, a start key outside the key
 * condition), so a cursor that slips through shows up as the 500 it would be deployed.
 */
const ORG = "org_acme";
const T0 = Date.UTC(2026, 2, 2, 9);
const ACCOUNT = newId("acc", T0);
const WEBHOOK = newId("wh", T0);

const ddb = mockClient(DynamoDBDocumentClient);
const db = DynamoDBDocumentClient.from(offlineDynamo());
let startKeys: Record<string, unknown>[] = [];

class ValidationException extends Error {}

/** What DynamoDB checks of a query before it reads anything, as far as cursors can reach it. */
function asDynamoDbWould(input: QueryCommandInput) {
  const values = Object.values({ ...input.ExclusiveStartKey, ...input.ExpressionAttributeValues });
  for (const value of values) {
    if (typeof value === "string" && Buffer.byteLength(value) > 1024) {
      throw new ValidationException("One or more parameter values were invalid: key attribute too large");
    }
  }
  const prefix = input.ExpressionAttributeValues?.[":prefix"];
  const sk = input.ExclusiveStartKey?.sk;
  if (typeof prefix === "string" && typeof sk === "string" && !sk.startsWith(prefix)) {
    throw new ValidationException("The provided starting key is outside query boundaries");
  }
  if (input.ExclusiveStartKey) startKeys.push(input.ExclusiveStartKey);
  return { Items: [], Count: 0, ScannedCount: 0 };
}

beforeEach(() => {
  startKeys = [];
  ddb.on(QueryCommand).callsFake(asDynamoDbWould);
  // The account a payment list reads; the key list reads the org's key policy (none set).
  ddb
    .on(GetCommand)
    .callsFake((input: { Key: { pk: string } }) =>
      input.Key.pk.startsWith("KEY_POLICY#")
        ? {}
        : { Item: { pk: `ORG#${ORG}`, sk: "PARENT", id: ACCOUNT, currency: "EUR" } },
    );
});
afterEach(() => {
  ddb.reset();
});
afterAll(() => ddb.restore());

const data = { db, table: "data" };
const keys = {
  db,
  table: "keys",
  auditTable: "audit",
  clock: () => T0,
  settings: { rateLimit: 100, rateWindowSeconds: 900 },
};
const ID = (prefix: string) => new RegExp(`^${prefix}_[0-9A-HJKMNP-TV-Z]{26}$`);
const business = (prefix: string) => ({
  pk: `ORG#${ORG}`,
  sk: new RegExp(`^${prefix}[a-z]+_[0-9A-HJKMNP-TV-Z]{26}$`),
});

type Answer = "ok" | "refused";

/**
 * Runs a list with a cursor: "refused" for invalid input at `cursor` (the edge answers 400 at
 * `query.cursor`, API.md §4), "ok" for a page; anything else throws.
 */
async function answerOf(run: () => Promise<unknown>): Promise<Answer> {
  const result = await run();
  if (typeof result === "object" && result !== null && "ok" in result && result.ok === false) {
    expect(result).toMatchObject({ failure: { kind: "invalid_input", problems: [{ path: ["cursor"] }] } });
    return "refused";
  }
  expect(result).toMatchObject({ ok: true });
  return "ok";
}

interface List {
  name: string;
  run: (cursor: string) => Promise<unknown>;
  /** A position the list issues, and the start key it becomes. */
  issued: Record<string, string>;
  /** The fields of the positions this list issues, for tampering. */
  fields: string[];
  startKey: Record<string, string | RegExp>;
}

const accountSk = `ACCOUNT#${ACCOUNT}`;
const LISTS: List[] = [
  {
    name: "accounts",
    run: (cursor) => listAccounts(data, ORG, { limit: 10, cursor }),
    issued: { sk: accountSk },
    fields: ["sk"],
    startKey: business("ACCOUNT#"),
  },
  {
    name: "contacts",
    run: (cursor) => listContacts(data, ORG, { limit: 10, cursor }),
    issued: { sk: `CONTACT#${newId("con", T0)}` },
    fields: ["sk"],
    startKey: business("CONTACT#"),
  },
  {
    name: "contacts of an account",
    run: (cursor) => listContacts(data, ORG, { limit: 10, cursor, accountId: ACCOUNT }),
    issued: { sk: `CONTACT#${newId("con", T0)}` },
    fields: ["sk"],
    startKey: business("CONTACT#"),
  },
  {
    name: "payments",
    run: (cursor) => listPayments(data, ORG, ACCOUNT, { limit: 10, cursor }),
    issued: { sk: `PAYMENT#${ACCOUNT}#${newId("pay", T0)}` },
    fields: ["sk"],
    startKey: business(`PAYMENT#${ACCOUNT}#`),
  },
  {
    name: "webhooks",
    run: (cursor) => listWebhooks(data, ORG, { limit: 10, cursor }),
    issued: { sk: `WEBHOOK#${WEBHOOK}` },
    fields: ["sk"],
    startKey: business("WEBHOOK#"),
  },
  {
    name: "deliveries",
    run: (cursor) => listDeliveries(data, ORG, WEBHOOK, { limit: 10, cursor }),
    issued: { sk: `DELIVERY#${WEBHOOK}#${newId("dlv", T0)}` },
    fields: ["sk"],
    startKey: business(`DELIVERY#${WEBHOOK}#`),
  },
  {
    name: "account exports",
    run: (cursor) => exportPage(data, ORG, { kind: "accounts", format: "json", cursor }),
    issued: { sk: accountSk },
    fields: ["sk", "since", "accountId"],
    startKey: business("ACCOUNT#"),
  },
  {
    name: "admin key list",
    run: (cursor) => listKeys(keys, ORG, { limit: 10, cursor }),
    issued: { createdAt: new Date(T0).toISOString(), pk: "key_5u1a57vZeyw1x9yto1mqYA" },
    fields: ["createdAt", "pk"],
    startKey: {
      orgId: ORG,
      createdAt: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/,
      pk: /^key_[0-9A-Za-z]{22}$/,
    },
  },
  {
    name: "audit events",
    run: (cursor) => listAuditEvents(keys, ORG, { limit: 10, cursor }),
    issued: { id: newId("evt", T0) },
    fields: ["id"],
    startKey: { orgId: ORG, id: ID("evt") },
  },
];

function expectShape(startKey: Record<string, unknown>, shape: Record<string, string | RegExp>) {
  expect(Object.keys(startKey).sort()).toEqual(Object.keys(shape).sort());
  for (const [name, expected] of Object.entries(shape)) {
    if (typeof expected === "string") expect(startKey[name]).toBe(expected);
    else expect(String(startKey[name])).toMatch(expected);
  }
}

/** Field values a tamperer would try: over-long keys behind the right prefix, other kinds, junk. */
function tamperedValue(list: List, field: string): fc.Arbitrary<unknown> {
  const issued = list.issued[field] ?? "";
  const prefix = issued.slice(0, issued.lastIndexOf("#") + 1);
  return fc.oneof(
    fc.constant(issued),
    fc.string({ maxLength: 40 }).map((tail) => `${prefix}${tail}`),
    fc.integer({ min: 1000, max: 3000 }).map((length) => `${prefix}${"A".repeat(length)}`),
    fc.integer({ min: 1, max: 3 }).map((times) => `${issued}#${issued}`.repeat(times)),
    fc.constantFrom(...LISTS.flatMap((other) => Object.values(other.issued))),
    fc.string({ unit: "binary", maxLength: 60 }),
    fc.jsonValue({ maxDepth: 1 }),
  );
}

function tamperedCursor(list: List): fc.Arbitrary<string> {
  const fields = [...list.fields, "sk", "id", "pk"].map(
    (field) => [field, tamperedValue(list, field)] as const,
  );
  const position = fc.record(Object.fromEntries(fields), { requiredKeys: [] });
  return fc.oneof(
    position.map((p) => Buffer.from(JSON.stringify({ o: ORG, p }), "utf8").toString("base64url")),
    position.map((p) => encodeCursor(ORG, p as Record<string, string>)),
    fc.string({ maxLength: 80 }),
  );
}

describe.each(LISTS)("the $name list's cursors", (list) => {
  it("are accepted as issued, resuming right after the position", async () => {
    expect(await answerOf(() => list.run(encodeCursor(ORG, list.issued)))).toBe("ok");
    for (const startKey of startKeys) expectShape(startKey, list.startKey);
  });

  it("are refused for another org, and whatever the tampering, never reach DynamoDB misshapen", async () => {
    expect(await answerOf(() => list.run(encodeCursor("org_other", list.issued)))).toBe("refused");
    await fc.assert(
      fc.asyncProperty(tamperedCursor(list), async (cursor) => {
        startKeys = [];
        await answerOf(() => list.run(cursor));
        for (const startKey of startKeys) expectShape(startKey, list.startKey);
      }),
      { numRuns: 300 },
    );
  });
});
