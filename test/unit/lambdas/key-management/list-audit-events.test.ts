import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { listAuditEvents } from "../../../../lambdas/key-management/list-audit-events";
import { encodeCursor } from "../../../../lambdas/shared/dynamo/cursor";
import { cursorAt, keyIdFor } from "./helpers";
import { ADMIN, auditTtl, ddb, deps, INVALID_CURSOR, useVerbTestSetup } from "./verb-support";

/** `listAuditEvents` (lambdas/key-management/list-audit-events.ts). */
useVerbTestSetup();

describe("listAuditEvents", () => {
  const event = (n: number, keyId = keyIdFor(1)) => ({
    orgId: "acme",
    id: `evt_01JXZ${String(n).padStart(21, "0")}`,
    at: "2025-06-17T15:07:42.123Z",
    type: "key.created",
    actor: ADMIN,
    keyId,
    changes: {},
    ttl: auditTtl,
  });

  it("lists newest first without the partition and TTL, with a cursor when more remain", async () => {
    ddb.on(QueryCommand).resolves({
      Items: [event(3), event(2), event(1)],
      LastEvaluatedKey: { orgId: "acme", id: event(1).id },
    });

    const outcome = await listAuditEvents(deps(), "acme", { limit: 2 });

    expect(ddb).toReceiveCommandExactlyOnceWith(QueryCommand, {
      TableName: "audit",
      KeyConditionExpression: "orgId = :orgId",
      ExpressionAttributeValues: { ":orgId": "acme" },
      ScanIndexForward: false,
      Limit: 3,
      // Read strongly consistently: an admin who just changed a key sees its event.
      ConsistentRead: true,
    });
    if (!outcome.ok) throw new Error("expected a page");
    expect(outcome.value.items).toEqual([
      {
        id: event(3).id,
        at: event(3).at,
        type: "key.created",
        actor: ADMIN,
        keyId: keyIdFor(1),
        changes: {},
      },
      {
        id: event(2).id,
        at: event(2).at,
        type: "key.created",
        actor: ADMIN,
        keyId: keyIdFor(1),
        changes: {},
      },
    ]);
    expect(outcome.value.nextCursor).toBe(encodeCursor("acme", { id: event(2).id }));
  });

  it("resumes after its cursor and filters by key", async () => {
    ddb.on(QueryCommand).resolves({ Items: [event(1, keyIdFor(9))] });

    const outcome = await listAuditEvents(deps(), "acme", {
      limit: 5,
      keyId: keyIdFor(9),
      cursor: encodeCursor("acme", { id: event(2).id }),
    });

    expect(ddb).toReceiveCommandWith(QueryCommand, {
      FilterExpression: "keyId = :keyId",
      ExpressionAttributeValues: { ":orgId": "acme", ":keyId": keyIdFor(9) },
      ExclusiveStartKey: { orgId: "acme", id: event(2).id },
      Limit: 100,
    });
    expect(outcome).toMatchObject({ ok: true, value: { nextCursor: null } });
  });

  it("stops a filtered walk at its read budget with a cursor where it stopped", async () => {
    // Prepare: every page reads 100 events of other keys and says more remain.
    const positionAfter = (page: number) => ({
      orgId: "acme",
      id: `evt_${"0".repeat(24)}${String(page).padStart(2, "0")}`,
    });
    ddb.on(QueryCommand).callsFake(() => ({
      Items: [],
      ScannedCount: 100,
      LastEvaluatedKey: positionAfter(ddb.commandCalls(QueryCommand).length),
    }));

    const outcome = await listAuditEvents(deps(), "acme", { limit: 25, keyId: keyIdFor(9) });

    expect(ddb).toReceiveCommandTimes(QueryCommand, 10);
    expect(outcome).toEqual({
      ok: true,
      value: { items: [], nextCursor: encodeCursor("acme", { id: positionAfter(10).id }) },
    });
  });

  it.each([
    ["garbage", "%%%"],
    ["another org's cursor", encodeCursor("globex", { id: `evt_${"0".repeat(26)}` })],
    [
      "a key list's cursor",
      cursorAt({ orgId: "acme", createdAt: "2025-06-01T00:00:00.000Z", pk: keyIdFor(1) }),
    ],
  ])("refuses %s without querying", async (_, cursor) => {
    expect(await listAuditEvents(deps(), "acme", { limit: 25, cursor })).toEqual(INVALID_CURSOR);
    expect(ddb).not.toReceiveAnyCommand();
  });
});
