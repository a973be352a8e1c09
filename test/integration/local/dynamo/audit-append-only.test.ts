import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUDIT_TABLE, KEYS_TABLE } from "../../../../contract/tables";
import { createKey } from "../../../../lambdas/key-management/create-key";
import { reminderAudit, sendExpiryReminders } from "../../../../lambdas/key-management/expiry-reminders";
import { commit, type KeyServiceDeps, putAudit } from "../../../../lambdas/key-management/key-store";
import { revokeKey } from "../../../../lambdas/key-management/revoke-key";
import { rotateKey } from "../../../../lambdas/key-management/rotate-key";
import { updateKey } from "../../../../lambdas/key-management/update-key";
import { auditItem } from "../../../../lambdas/shared/api-keys/audit-events";
import { type LocalDynamo, startLocalDynamo } from "../../../../lib/local/dynamo";

// API.md §5: every audit write is conditional on the event's id being new, so an event once written
// is never overwritten. Run against the local runtime's transaction emulation, which must honour the
// Put's condition as DynamoDB does.
describe("audit events are append-only", () => {
  const NOW = Date.parse("2026-03-01T10:00:00.000Z");
  let local: LocalDynamo;
  let deps: KeyServiceDeps;
  beforeAll(async () => {
    local = await startLocalDynamo({
      tables: [
        { definition: KEYS_TABLE, name: "keys" },
        { definition: AUDIT_TABLE, name: "audit" },
      ],
      clock: () => NOW,
    });
    deps = {
      db: DynamoDBDocumentClient.from(local.client),
      table: "keys",
      auditTable: "audit",
      clock: () => NOW,
      settings: { rateLimit: 100, rateWindowSeconds: 900 },
    };
  });
  afterAll(async () => {
    await local?.close();
  });

  const read = async (orgId: string, id: string) =>
    (await deps.db.send(new GetCommand({ TableName: "audit", Key: { orgId, id }, ConsistentRead: true })))
      .Item;

  it("refuses a second put of a key-management event with the same id, leaving the first as written", async () => {
    // Prepare
    const first = auditItem(
      "acme",
      { type: "key.revoked", actor: "alice", keyId: "key_1", changes: {} },
      NOW,
    );
    expect((await commit(deps, [putAudit(deps, first)])).committed).toBe(true);
    const forged = { ...first, actor: "mallory", changes: { reason: "forged" } };

    // Act
    const second = await commit(deps, [putAudit(deps, forged)]);

    // Assess
    expect(second).toMatchObject({ committed: false, reasons: [{ Code: "ConditionalCheckFailed" }] });
    expect(await read("acme", first.id)).toEqual(first);
  });

  it("refuses a second put of an expiry reminder's event with the same id", async () => {
    // Prepare
    const first = reminderAudit(deps, { pk: "key_2", orgId: "acme", expiresAt: NOW + 86_400_000 }, "7d", NOW);
    expect((await commit(deps, [first])).committed).toBe(true);
    const written = await read("acme", String(first.Put?.Item?.id));
    const again = { Put: { ...first.Put, Item: { ...first.Put?.Item, actor: "mallory" } } } as typeof first;

    // Act
    const second = await commit(deps, [again]);

    // Assess
    expect(second.committed).toBe(false);
    expect(await read("acme", String(first.Put?.Item?.id))).toEqual(written);
  });

  it("has one writer of the audit table in the code, putAudit; every write there is a Put only if new", async () => {
    // Prepare: every key-management writer, run against a client that records what it sends.
    const sent: { name: string; input: Record<string, unknown> }[] = [];
    const recording = {
      send: (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
        sent.push({ name: command.constructor.name, input: command.input });
        return (deps.db.send as (c: unknown) => Promise<unknown>)(command);
      },
    } as unknown as DynamoDBDocumentClient;
    const writers: KeyServiceDeps = { ...deps, db: recording };
    const input = { name: "w", scopes: ["accounts:read" as const] };
    const created = await createKey(writers, "writers", input, "alice");
    const expiring = await createKey(
      writers,
      "writers",
      { ...input, expiresAt: NOW + 3 * 86_400_000 },
      "alice",
      { idempotencyKey: "once" },
    );
    if (!created.ok || !expiring.ok) throw new Error("the creates must commit");
    expect((await updateKey(writers, "writers", created.value.id, { name: "renamed" }, "alice")).ok).toBe(
      true,
    );
    expect((await sendExpiryReminders(writers)).sent).toBe(1);
    const graced = await rotateKey(writers, "writers", created.value.id, { gracePeriodSeconds: 60 }, "alice");
    if (!graced.ok) throw new Error("the rotation must commit");
    expect((await rotateKey(writers, "writers", graced.value.id, {}, "alice")).ok).toBe(true);
    expect((await revokeKey(writers, "writers", expiring.value.id, "alice")).ok).toBe(true);
    const leaked = await createKey(writers, "writers", input, "alice");
    if (!leaked.ok) throw new Error("the create must commit");
    const leak = await revokeKey(writers, "writers", leaked.value.id, "secret-scanning", {
      eventType: "key.leak_reported",
      changes: { url: "https://github.com/acme/repo" },
      narrowCondition: true,
    });
    expect(leak.ok).toBe(true);

    // Act: every action of every request that reaches the audit table.
    const onAudit: Record<string, unknown>[] = [];
    for (const { name, input: request } of sent) {
      const actions =
        name === "TransactWriteCommand"
          ? (request.TransactItems as Record<string, { TableName?: string }>[]).flatMap((item) =>
              Object.entries(item).map(([kind, action]) => ({ kind, ...action })),
            )
          : [{ kind: name, ...request }];
      for (const action of actions) {
        const tables = [
          action.TableName,
          ...Object.keys((action as { RequestItems?: object }).RequestItems ?? {}),
        ];
        if (tables.includes("audit")) onAudit.push(action);
      }
    }

    // Assess: every event the writers recorded was a conditional Put, nothing else touched the table.
    const types = onAudit.map((action) => (action as { Item?: { type?: string } }).Item?.type).sort();
    expect(types).toEqual([
      "key.created",
      "key.created",
      "key.created",
      "key.expired_by_rotation",
      "key.expiring_soon",
      "key.leak_reported",
      "key.revoked",
      "key.revoked",
      "key.rotated",
      "key.rotated",
      "key.updated",
    ]);
    for (const action of onAudit) {
      expect(action).toMatchObject({
        kind: "Put",
        TableName: "audit",
        ConditionExpression: "attribute_not_exists(id)",
      });
      expect(action).not.toHaveProperty("ExpressionAttributeNames");
    }
    // No single-item Put, Delete or BatchWrite anywhere (updates here are of key items, never audit;
    // the daily run's Scan is the reminder days' backfill reading the keys table, #333).
    expect(
      sent.filter(({ name }) => !/^(TransactWrite|Get|BatchGet|Query|Scan|Update)Command$/.test(name)),
    ).toEqual([]);

    // And in the source: putAudit's module, and the audit list's query, name the table; the list never writes.
    const root = join(__dirname, "../../../../lambdas");
    const modules = (readdirSync(root, { recursive: true }) as string[]).filter((file) =>
      file.endsWith(".ts"),
    );
    const naming = modules.filter((file) =>
      readFileSync(join(root, file), "utf8").includes("TableName: deps.auditTable"),
    );
    expect(naming.sort()).toEqual(["key-management/key-store.ts", "key-management/list-audit-events.ts"]);
    expect(readFileSync(join(root, "key-management/list-audit-events.ts"), "utf8")).not.toMatch(
      /Put|Update|Delete/,
    );
  });
});
