import { DeleteCommand, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { REMINDER_DAYS_BACKFILL_PK } from "../../contract/tables";
import { digestApiKey, generateApiKey } from "../../lambdas/shared/api-keys/api-key";
import { ttlFor } from "../../lambdas/shared/api-keys/key-record";
import { windowStart } from "../../lambdas/shared/api-keys/rate-window";
import { documentClient } from "../../lambdas/shared/dynamo/document-client";
import { admin, ManualClock } from "./harness";
import { DAY, T0, useScheduledRuntime } from "./scheduled-runs";
import { remote } from "./target";

/**
 * The reminder days' backfill (docs/DECISIONS.md #333) over the local runtime: key items as the code
 * before `rotationDueDay` and `expiryDay` wrote them, put straight into the embedded DynamoDB's keys
 * table, then the daily run called as the schedule calls it.
 */
const clock = new ManualClock(T0);
const run = useScheduledRuntime(clock);

const db = () => documentClient(run.local.deps.dynamo);
const keysTable = () => run.local.deps.settings.keysTable;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** A key item as written before the reminder days existed: no `rotationDueDay`, no `expiryDay`. */
async function oldKey(orgId: string, createdAtMs: number, extra: Record<string, unknown> = {}) {
  const { id, hashHex, hint } = digestApiKey(generateApiKey());
  await db().send(
    new PutCommand({
      TableName: keysTable(),
      Item: {
        pk: id,
        hash: hashHex,
        orgId,
        name: "made long ago",
        scopes: ["accounts:read"],
        hint,
        createdAt: new Date(createdAtMs).toISOString(),
        createdBy: "arn:aws:iam::123456789012:user/admin",
        windowStart: windowStart(createdAtMs, 900),
        windowCount: 0,
        counted: 1,
        ...extra,
      },
    }),
  );
  return id;
}

async function item(pk: string) {
  const { Item } = await db().send(
    new GetCommand({ TableName: keysTable(), Key: { pk }, ConsistentRead: true }),
  );
  return Item;
}

async function auditOf(orgId: string, type: string) {
  const reply = await admin(run.target, "GET", `/admin/v1/orgs/${orgId}/audit-events?limit=100`);
  return reply.json.items
    .filter((event: { type: string }) => event.type === type)
    .map((event: { keyId: string }) => event.keyId);
}

/** The commands the functions' DynamoDB client sends while `work` runs, with the key they name. */
async function commandsDuring(work: () => Promise<unknown>): Promise<{ command: string; pk?: string }[]> {
  const seen: { command: string; pk?: string }[] = [];
  const name = "backfillTestWatch";
  run.local.deps.dynamo.middlewareStack.add(
    (next, context) => async (args) => {
      const pk = (args.input as { Key?: { pk?: string | { S?: string } } }).Key?.pk;
      seen.push({ command: context.commandName ?? "", pk: typeof pk === "string" ? pk : pk?.S });
      return next(args);
    },
    { step: "initialize", name },
  );
  try {
    await work();
  } finally {
    run.local.deps.dynamo.middlewareStack.remove(name);
  }
  return seen;
}

describe.skipIf(remote)("the reminder days' backfill (DECISIONS.md #333)", () => {
  it("gives keys made before the reminder days their days, reminds them when due, completes, and then only reads its marker", async () => {
    // The runtime's first run, at start, found an empty table: the backfill completed at once.
    expect((await item(REMINDER_DAYS_BACKFILL_PK))?.completedAt).toBe(new Date(T0).toISOString());

    // Prepare: the table as it was before this code was deployed, old keys and no marker.
    clock.set(T0);
    await db().send(new DeleteCommand({ TableName: keysTable(), Key: { pk: REMINDER_DAYS_BACKFILL_PK } }));
    const policy = { maxLifetimeDays: null, allowedScopes: null, requireAllowlist: false };
    for (const [orgId, rotateAfterDays] of [
      ["bf-off", null],
      ["bf-short", 30],
    ] as const) {
      const put = await admin(run.target, "PUT", `/admin/v1/orgs/${orgId}/key-policy`, {
        ...policy,
        rotateAfterDays,
      });
      expect(put.status).toBe(200);
    }
    // The default policy, 90 days: one made 100 days ago (due now), one 10 days ago (due in 80).
    const due = await oldKey("bf-old", T0 - 100 * DAY);
    const later = await oldKey("bf-old", T0 - 10 * DAY);
    // Expiring in 3 days: its expiry day too, and the 7-day reminder now.
    const expiring = await oldKey("bf-old", T0 - 30 * DAY, {
      expiresAt: T0 + 3 * DAY,
      ttl: ttlFor(T0 + 3 * DAY),
    });
    // Dead or rotated: left alone (a rotation's grace set the old key's expiry: no reminder, API.md §11).
    const revoked = await oldKey("bf-old", T0 - 100 * DAY, { revokedAt: T0 - 50 * DAY });
    const rotated = await oldKey("bf-old", T0 - 100 * DAY, {
      replacedBy: "key_0000000000000000000000",
      expiresAt: T0 + DAY,
    });
    // An org without rotation reminders: its expiry day only. An org reminding after 30 days.
    const quiet = await oldKey("bf-off", T0 - 100 * DAY, { expiresAt: T0 + 20 * DAY });
    const short = await oldKey("bf-short", T0 - 10 * DAY);

    // Act
    const first = await run.local.sendReminders();
    const again = await commandsDuring(() => run.local.sendReminders());
    clock.set(T0 + 20.5 * DAY);
    const atTwenty = await run.local.sendReminders();
    clock.set(T0 + 80.5 * DAY);
    const atEighty = await run.local.sendReminders();

    // Assess: the days, creation + the org's rotateAfterDays (today at the earliest), and expiry's.
    expect(first).toMatchObject({ backfilled: 6, rotationDue: 1, sent: 1 });
    expect(await item(due)).toMatchObject({ rotationReminded: 1 });
    expect(await item(due)).not.toHaveProperty("rotationDueDay");
    expect(await item(expiring)).toMatchObject({
      rotationDueDay: day(T0 + 60 * DAY),
      expiryDay: day(T0 + 3 * DAY),
      expiryReminder: "7d",
    });
    expect(await item(quiet)).toMatchObject({ expiryDay: day(T0 + 20 * DAY) });
    expect(await item(quiet)).not.toHaveProperty("rotationDueDay");
    for (const dead of [revoked, rotated]) {
      const stored = await item(dead);
      expect(stored).not.toHaveProperty("rotationDueDay");
      expect(stored).not.toHaveProperty("expiryDay");
    }
    // Reminded when due, each once: the old key at once, the 30-day org's at day 20, the other at 80.
    expect(atTwenty.rotationDue).toBe(1);
    expect(atEighty.rotationDue).toBe(1);
    expect((await auditOf("bf-old", "key.rotation_due")).sort()).toEqual([due, later].sort());
    expect(await auditOf("bf-short", "key.rotation_due")).toEqual([short]);
    expect(await auditOf("bf-old", "key.expiring_soon")).toEqual([expiring]);
    expect(await auditOf("bf-off", "key.rotation_due")).toEqual([]);
    // The marker: complete, no scan position left.
    const marker = await item(REMINDER_DAYS_BACKFILL_PK);
    expect(marker).toEqual({ pk: REMINDER_DAYS_BACKFILL_PK, completedAt: new Date(T0).toISOString() });
    // Once complete, a run's backfill is one read of the marker: no scan, no write to it.
    const backfillCalls = again.filter(
      (call) => call.command.startsWith("Scan") || call.pk === REMINDER_DAYS_BACKFILL_PK,
    );
    expect(backfillCalls).toEqual([{ command: "GetItemCommand", pk: REMINDER_DAYS_BACKFILL_PK }]);
    expect(atTwenty.backfilled + atEighty.backfilled).toBe(0);
  });
});
