import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { createKey } from "../../../../lambdas/key-management/create-key";
import { discountExpiredKeys } from "../../../../lambdas/key-management/expiry-reminders";
import { revokeKey } from "../../../../lambdas/key-management/revoke-key";
import { rotateKey } from "../../../../lambdas/key-management/rotate-key";
import { keyIdFor, NOW, storedKey } from "./helpers";
import {
  ADMIN,
  cancelled,
  conflictOver,
  ddb,
  deps,
  replayOf,
  transaction,
  useVerbTestSetup,
} from "./verb-support";

/** The org's cap on active keys as `createKey` meets it (API.md §5; docs/DECISIONS.md #203). */
useVerbTestSetup();

const INPUT = { name: "n", scopes: ["export" as const] };
const AT_CAP = "ConditionalCheckFailed";

describe("createKey at the cap", () => {
  it("answers a conflict naming the cap when the counter refuses and no counted key is dead", async () => {
    // Prepare: the key, its event, the counter (no idempotency record): the counter's condition fails.
    ddb.on(TransactWriteCommand).rejects(cancelled("None", "None", AT_CAP));
    ddb.on(QueryCommand).resolves({ Items: [{ pk: keyIdFor(1), orgId: "acme", createdAt: "x" }] });

    // Act
    const outcome = await createKey(deps(), "acme", INPUT, ADMIN);

    // Assess
    expect(outcome).toEqual(conflictOver(expect.stringContaining("1000")));
    expect(transaction()[2]?.Update?.Key).toEqual({ pk: "ACTIVE_KEYS#acme" });
    // Nothing dead to discount, no discount transaction; the create was tried once more, and refused.
    expect(ddb).toReceiveCommandTimes(TransactWriteCommand, 2);
  });

  it("tries once more even when its own discount found nothing: a concurrent one may have made room", async () => {
    // Prepare: refused at the cap; the index shows nothing dead (another create's discount just took
    // the dead keys off); the second attempt commits.
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled("None", "None", AT_CAP))
      .resolves({});
    ddb.on(QueryCommand).resolves({ Items: [{ pk: keyIdFor(1), orgId: "acme", createdAt: "x" }] });

    // Act
    const outcome = await createKey(deps(), "acme", INPUT, ADMIN);

    // Assess
    expect(outcome.ok).toBe(true);
    expect(ddb).toReceiveCommandTimes(TransactWriteCommand, 2);
  });

  it("reads at most the bound of index entries per refused create, however many the org holds", async () => {
    // Prepare: refused at the cap both times; the org index has page after page of active keys.
    ddb.on(TransactWriteCommand).rejects(cancelled("None", "None", AT_CAP));
    const page = (n: number) => ({
      Items: [1, 2].map((i) => ({ pk: keyIdFor(10 * n + i), orgId: "acme", createdAt: "x", counted: 1 })),
      LastEvaluatedKey: { pk: keyIdFor(10 * n + 2), orgId: "acme", createdAt: "x" },
    });
    ddb
      .on(QueryCommand)
      .resolvesOnce(page(1))
      .resolvesOnce(page(2))
      .resolvesOnce(page(3))
      .resolves({ Items: page(4).Items });

    // Act
    const outcome = await createKey(
      deps({ limits: { orgActiveKeys: 1000, filteredListReads: 3 } }),
      "acme",
      INPUT,
      ADMIN,
    );

    // Assess: 3 entries read (a page of 2, then a Limit of what is left), never a third query.
    expect(outcome).toMatchObject({ ok: false, failure: { kind: "conflict" } });
    const limits = ddb.commandCalls(QueryCommand).map((call) => call.args[0].input.Limit);
    expect(limits).toEqual([3, 1]);
  });

  it("goes on from where the last bounded walk stopped, and records where this one stops", async () => {
    // Prepare: the last walk stopped after key 5; this one reads its bound (3) and stops after key 8.
    ddb.on(TransactWriteCommand).rejects(cancelled("None", "None", AT_CAP));
    ddb
      .on(GetCommand, { Key: { pk: "DISCOUNT_WALK#acme" } })
      .resolves({ Item: { pk: "DISCOUNT_WALK#acme", walkFrom: { pk: keyIdFor(5), createdAt: "c5" } } });
    ddb.on(QueryCommand).resolves({
      Items: [6, 7, 8].map((n) => ({ pk: keyIdFor(n), orgId: "acme", createdAt: `c${n}`, counted: 1 })),
      LastEvaluatedKey: { pk: keyIdFor(8), orgId: "acme", createdAt: "c8" },
    });

    // Act
    await createKey(deps({ limits: { orgActiveKeys: 1000, filteredListReads: 3 } }), "acme", INPUT, ADMIN);

    // Assess
    expect(ddb).toReceiveCommandWith(QueryCommand, {
      ExclusiveStartKey: { orgId: "acme", createdAt: "c5", pk: keyIdFor(5) },
      Limit: 3,
    });
    expect(ddb).toReceiveCommandWith(UpdateCommand, {
      Key: { pk: "DISCOUNT_WALK#acme" },
      UpdateExpression: "SET walkFrom = :next",
      ExpressionAttributeValues: { ":next": { pk: keyIdFor(8), createdAt: "c8" } },
    });
  });

  it("answers a replayed Idempotency-Key as a replay, whatever the counter says", async () => {
    // Prepare: the key, its event, the idempotency record (failed, naming the first key), the counter.
    ddb
      .on(TransactWriteCommand)
      .rejects(cancelled("None", "None", { Code: AT_CAP, Item: { keyId: { S: keyIdFor(7) } } }, AT_CAP));

    // Act
    const outcome = await createKey(deps(), "acme", INPUT, ADMIN, { idempotencyKey: "order-42" });

    // Assess
    expect(outcome).toEqual(replayOf(keyIdFor(7)));
  });

  it("discounts a counted key the clock expired, once, and then creates", async () => {
    // Prepare: the first create is refused; the index shows one expired key; its discount and the
    // second create commit.
    const expired = storedKey(3, { expiresAt: NOW - 1 });
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled("None", "None", AT_CAP))
      .resolves({});
    ddb.on(QueryCommand).resolves({
      Items: [
        {
          pk: expired.pk,
          orgId: "acme",
          createdAt: expired.createdAt,
          expiresAt: expired.expiresAt,
          counted: 1,
        },
        // Dead but already off the counter: no discount transaction for it.
        { pk: keyIdFor(4), orgId: "acme", createdAt: expired.createdAt, revokedAt: NOW - 5 },
      ],
    });

    // Act
    const outcome = await createKey(deps(), "acme", INPUT, ADMIN);

    // Assess
    expect(outcome.ok).toBe(true);
    const discount = transaction(2);
    expect(discount[0]?.Update).toMatchObject({
      Key: { pk: expired.pk },
      UpdateExpression: "REMOVE counted",
      ConditionExpression: expect.stringContaining("attribute_exists(counted)"),
    });
    expect(discount[1]?.Update).toMatchObject({
      Key: { pk: "ACTIVE_KEYS#acme" },
      ExpressionAttributeValues: { ":minusOne": -1 },
    });
    expect(ddb).toReceiveCommandTimes(TransactWriteCommand, 3);
  });
});

describe("rotateKey and the cap", () => {
  it("without grace moves no count: the revoked old key leaves the counter as the new one joins", async () => {
    // Prepare
    ddb.on(GetCommand).resolves({ Item: storedKey(1, { counted: 1 }) });
    ddb.on(TransactWriteCommand).resolves({});

    // Act
    const outcome = await rotateKey(deps(), "acme", keyIdFor(1), {}, ADMIN);

    // Assess
    expect(outcome.ok).toBe(true);
    const items = transaction();
    expect(items[1]?.Update?.UpdateExpression).toContain("REMOVE counted");
    expect(items.some((item) => item.Update?.Key?.pk === "ACTIVE_KEYS#acme")).toBe(false);
  });

  it("with grace counts the new key only while the org is at most at the cap, and refuses beyond it", async () => {
    // Prepare: the counter is over the cap (an earlier grace), and nothing is dead.
    ddb.on(GetCommand).resolves({ Item: storedKey(1, { counted: 1 }) });
    ddb.on(TransactWriteCommand).rejects(cancelled("None", "None", "None", "None", AT_CAP));
    ddb.on(QueryCommand).resolves({ Items: [] });

    // Act
    const outcome = await rotateKey(deps(), "acme", keyIdFor(1), { gracePeriodSeconds: 60 }, ADMIN);

    // Assess
    expect(transaction()[4]?.Update).toMatchObject({
      Key: { pk: "ACTIVE_KEYS#acme" },
      ConditionExpression: "attribute_not_exists(activeKeys) OR activeKeys <= :cap",
    });
    expect(outcome).toEqual(conflictOver(expect.stringContaining("1000")));
    // Refused, discounted (nothing), tried once more and refused again: then 409, not before.
    expect(ddb).toReceiveCommandTimes(TransactWriteCommand, 2);
  });

  it("with grace tries once more after its discount even if that found nothing", async () => {
    // Prepare: over the cap once, then room (a concurrent discount), nothing dead in the index.
    ddb.on(GetCommand).resolves({ Item: storedKey(1, { counted: 1 }) });
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled("None", "None", "None", "None", AT_CAP))
      .resolves({});
    ddb.on(QueryCommand).resolves({ Items: [] });

    // Act
    const outcome = await rotateKey(deps(), "acme", keyIdFor(1), { gracePeriodSeconds: 60 }, ADMIN);

    // Assess
    expect(outcome.ok).toBe(true);
    expect(ddb).toReceiveCommandTimes(TransactWriteCommand, 2);
  });
});

describe("revokeKey and the cap", () => {
  it("takes a counted key off the counter in the revocation's own transaction, once", async () => {
    // Prepare
    ddb.on(GetCommand).resolves({ Item: storedKey(1, { counted: 1 }) });
    ddb.on(TransactWriteCommand).resolves({});

    // Act
    const outcome = await revokeKey(deps(), "acme", keyIdFor(1), ADMIN);

    // Assess: the key loses `counted` only if it still holds it, and the counter moves down with it.
    expect(outcome.ok).toBe(true);
    const items = transaction();
    expect(items[0]?.Update).toMatchObject({
      Key: { pk: keyIdFor(1) },
      UpdateExpression: "SET revokedAt = :now, #ttl = :ttl REMOVE counted",
      ConditionExpression: expect.stringMatching(/ AND attribute_exists\(counted\)$/),
    });
    expect(items[1]?.Update).toEqual({
      TableName: "keys",
      Key: { pk: "ACTIVE_KEYS#acme" },
      UpdateExpression: "ADD activeKeys :minusOne",
      ExpressionAttributeValues: { ":minusOne": -1 },
    });
  });

  it("does the same for a leak report's narrow revocation", async () => {
    // Prepare
    ddb.on(GetCommand).resolves({ Item: storedKey(1, { counted: 1 }) });
    ddb.on(TransactWriteCommand).resolves({});

    // Act
    await revokeKey(deps(), "acme", keyIdFor(1), "secret-scanning", {
      eventType: "key.leak_reported",
      narrowCondition: true,
    });

    // Assess
    const items = transaction();
    expect(items[0]?.Update?.ConditionExpression).toBe(
      "attribute_exists(pk) AND attribute_not_exists(revokedAt) AND attribute_exists(counted)",
    );
    expect(items[1]?.Update?.Key).toEqual({ pk: "ACTIVE_KEYS#acme" });
  });

  it("moves no counter for a key that is not counted (already discounted)", async () => {
    // Prepare: an expired key a discount already took off.
    ddb.on(GetCommand).resolves({ Item: storedKey(1, { expiresAt: NOW - 1 }) });
    ddb.on(TransactWriteCommand).resolves({});

    // Act
    const outcome = await revokeKey(deps(), "acme", keyIdFor(1), ADMIN);

    // Assess
    expect(outcome.ok).toBe(true);
    expect(transaction()[0]?.Update?.UpdateExpression).toBe("SET revokedAt = :now, #ttl = :ttl");
    expect(transaction().some((item) => item.Update?.Key?.pk === "ACTIVE_KEYS#acme")).toBe(false);
  });
});

describe("the daily run's discount of keys expired by the clock", () => {
  it("reads the counted keys expired by now from their index and takes each off once, by its condition", async () => {
    // Prepare: two counted keys expired; the second was taken off concurrently (its condition fails).
    ddb.on(QueryCommand).resolves({
      Items: [
        { pk: keyIdFor(1), orgId: "acme", counted: 1, expiresAt: NOW - 10 },
        { pk: keyIdFor(2), orgId: "umbrella", counted: 1, expiresAt: NOW - 5 },
      ],
    });
    ddb.on(TransactWriteCommand).resolvesOnce({}).rejects(cancelled("ConditionalCheckFailed", "None"));

    // Act
    const discounted = await discountExpiredKeys(deps(), NOW);

    // Assess: never a scan, the index's expired part only; each key's own org's counter moves.
    expect(discounted).toBe(1);
    expect(ddb).toReceiveCommandWith(QueryCommand, {
      IndexName: "countedByExpiry",
      KeyConditionExpression: "counted = :one AND expiresAt <= :now",
      ExpressionAttributeValues: { ":one": 1, ":now": NOW },
    });
    expect(transaction(1)).toEqual([
      {
        Update: {
          TableName: "keys",
          Key: { pk: keyIdFor(1) },
          UpdateExpression: "REMOVE counted",
          ConditionExpression: "attribute_exists(counted) AND expiresAt <= :now",
          ExpressionAttributeValues: { ":now": NOW },
        },
      },
      {
        Update: {
          TableName: "keys",
          Key: { pk: "ACTIVE_KEYS#acme" },
          UpdateExpression: "ADD activeKeys :minusOne",
          ExpressionAttributeValues: { ":minusOne": -1 },
        },
      },
    ]);
    expect(transaction(2)[1]?.Update?.Key).toEqual({ pk: "ACTIVE_KEYS#umbrella" });
  });
});
