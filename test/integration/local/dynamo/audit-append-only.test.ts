import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUDIT_TABLE, KEYS_TABLE } from "../../../../contract/tables";
import { reminderAudit } from "../../../../lambdas/key-management/expiry-reminders";
import { commit, type KeyServiceDeps, putAudit } from "../../../../lambdas/key-management/key-store";
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

  it("has one writer of the audit table in the code, putAudit; everything else only reads it", () => {
    // Prepare: every module of lambdas/ that names the audit table.
    const root = join(__dirname, "../../../../lambdas");
    const modules = (readdirSync(root, { recursive: true }) as string[]).filter((file) =>
      file.endsWith(".ts"),
    );

    // Act
    const naming = modules.filter((file) =>
      readFileSync(join(root, file), "utf8").includes("TableName: deps.auditTable"),
    );

    // Assess: putAudit's module, and the audit list's query.
    expect(naming.sort()).toEqual(["key-management/key-store.ts", "key-management/list-audit-events.ts"]);
    expect(readFileSync(join(root, "key-management/list-audit-events.ts"), "utf8")).not.toMatch(
      /Put|Update|Delete/,
    );
  });
});
