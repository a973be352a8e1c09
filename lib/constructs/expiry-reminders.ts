import { Duration } from "aws-cdk-lib";
import { Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import { Construct } from "constructs";
import { ENV } from "../../contract/environment";
import {
  KEYS_BY_EXPIRY_DAY_INDEX,
  KEYS_BY_ORG_INDEX,
  KEYS_BY_ROTATION_DUE_DAY_INDEX,
  KEYS_COUNTED_BY_EXPIRY_INDEX,
  REMINDER_DAYS_BACKFILL_PK,
} from "../../contract/tables";
import {
  AUDIT_EVENT_ATTRIBUTES,
  BACKFILL_MARKER_ATTRIBUTES,
  BACKFILL_SCAN_ATTRIBUTES,
  EXPIRY_DAY_BACKFILL_KEY_ATTRIBUTES,
  EXPIRY_DISCOUNT_KEY_ATTRIBUTES,
  OUTBOX_ITEM_ATTRIBUTES,
  REMINDER_KEY_ATTRIBUTES,
  ROTATION_DUE_KEY_ATTRIBUTES,
} from "../../contract/write-attributes";
import {
  counterMoveStatement,
  type FunctionSettings,
  FynexFunction,
  writeConditions,
} from "./fynex-function";
import type { FynexTable } from "./fynex-table";

export interface ExpiryRemindersProps {
  /** The project to bundle from and how logs are kept, as for every function of the stage. */
  functions: FunctionSettings;
  envName: string;
  keysTable: FynexTable;
  auditTable: FynexTable;
  dataTable: FynexTable;
  /** The settings a key record reports (its effective limit and window). */
  rateSettings: Record<string, string>;
}

/**
 * Expiry reminders of a deployed stage (API.md §11): a function run daily by EventBridge that finds
 * the keys expiring within 7 days through the keys table's expiry index (never a scan) and records
 * each reminder (key item, audit event, outbox item) in one transaction. Its role may query that one
 * index, read and update key items, and put audit and outbox items; and, for the reminder days'
 * backfill (#333), scan the keys table's few reminder attributes and keep the backfill's marker item.
 */
export class ExpiryReminders extends Construct {
  readonly reminder: FynexFunction;
  readonly schedule: Rule;

  constructor(scope: Construct, id: string, props: ExpiryRemindersProps) {
    super(scope, id);
    this.reminder = new FynexFunction(this, "Reminder", {
      ...props.functions,
      handler: "lambdas/key-management/expiry-reminders.handler.ts",
      environment: { [ENV.envName]: props.envName, ...props.rateSettings },
      // A week of expiries across every org, a transaction each: minutes at most, never an API's 29 s.
      timeout: Duration.minutes(5),
    });
    const { keysTable, auditTable, dataTable } = props;
    this.reminder.addToRolePolicy(
      new PolicyStatement({
        actions: ["dynamodb:Query"],
        // The reminders' index, the index of counted keys by expiry the same run discounts from, and
        // the rotation-due index (API.md §12).
        resources: [
          KEYS_BY_EXPIRY_DAY_INDEX,
          KEYS_COUNTED_BY_EXPIRY_INDEX,
          KEYS_BY_ROTATION_DUE_DAY_INDEX,
          // The org index, which a change of rotateAfterDays makes the run walk.
          KEYS_BY_ORG_INDEX,
        ].map((index) => `${keysTable.tableArn}/index/${index}`),
      }),
    );
    this.reminder.addToRolePolicy(
      new PolicyStatement({ actions: ["dynamodb:BatchGetItem"], resources: [keysTable.tableArn] }),
    );
    // Each write only what its code writes (`contract/write-attributes.ts`): the key's reminder mark,
    // the audit event, the outbox item.
    const writes: [FynexTable, string, readonly string[]][] = [
      [keysTable, "dynamodb:UpdateItem", REMINDER_KEY_ATTRIBUTES],
      // An expired key leaving its org's active-key counter (with the counter's move, below).
      [keysTable, "dynamodb:UpdateItem", EXPIRY_DISCOUNT_KEY_ATTRIBUTES],
      // A rotation reminder's mark on the key.
      [keysTable, "dynamodb:UpdateItem", ROTATION_DUE_KEY_ATTRIBUTES],
      [auditTable, "dynamodb:PutItem", AUDIT_EVENT_ATTRIBUTES],
      [dataTable, "dynamodb:PutItem", OUTBOX_ITEM_ATTRIBUTES],
    ];
    for (const [table, action, attributes] of writes) {
      this.reminder.addToRolePolicy(
        new PolicyStatement({
          actions: [action],
          resources: [table.tableArn],
          conditions: writeConditions({ attributes }, [action]),
        }),
      );
    }
    this.reminder.addToRolePolicy(counterMoveStatement(keysTable));
    this.grantBackfill(keysTable);
    for (const table of [keysTable, auditTable, dataTable]) {
      this.reminder.addEnvironment(table.environmentVariable, table.tableName);
    }

    this.schedule = new Rule(this, "Schedule", {
      description: "Sends expiry reminders (api_key.expiring_soon) for keys expiring within 7 days",
      schedule: Schedule.rate(Duration.days(1)),
      targets: [new LambdaFunction(this.reminder, { retryAttempts: 2 })],
    });
  }

  /**
   * The reminder days' backfill (docs/DECISIONS.md #333): a Scan of the keys table that may read only
   * the attributes it projects and filters on (never a hash, scopes or allowlist); its marker item,
   * read and moved, and nothing else under its pk; and keys' `expiryDay`, only on key items. (Its
   * `rotationDueDay` updates are the rotation-due statement's.)
   */
  private grantBackfill(keysTable: FynexTable): void {
    // Its one item, as the signing-key refresher's (secret-scanning-keys.ts).
    const marker = { "dynamodb:LeadingKeys": [REMINDER_DAYS_BACKFILL_PK] };
    this.reminder.addToRolePolicy(
      new PolicyStatement({
        actions: ["dynamodb:Scan"],
        resources: [keysTable.tableArn],
        conditions: {
          "ForAllValues:StringEquals": { "dynamodb:Attributes": [...BACKFILL_SCAN_ATTRIBUTES] },
          StringEquals: { "dynamodb:Select": "SPECIFIC_ATTRIBUTES" },
        },
      }),
    );
    this.reminder.addToRolePolicy(
      new PolicyStatement({
        actions: ["dynamodb:GetItem"],
        resources: [keysTable.tableArn],
        conditions: { "ForAllValues:StringEquals": marker },
      }),
    );
    const update = ["dynamodb:UpdateItem"];
    this.reminder.addToRolePolicy(
      new PolicyStatement({
        actions: update,
        resources: [keysTable.tableArn],
        conditions: {
          ...writeConditions({ attributes: BACKFILL_MARKER_ATTRIBUTES }, update),
          "ForAllValues:StringEquals": { "dynamodb:Attributes": [...BACKFILL_MARKER_ATTRIBUTES], ...marker },
        },
      }),
    );
    this.reminder.addToRolePolicy(
      new PolicyStatement({
        actions: update,
        resources: [keysTable.tableArn],
        conditions: {
          ...writeConditions({ attributes: EXPIRY_DAY_BACKFILL_KEY_ATTRIBUTES }, update),
          "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["key_*"] },
        },
      }),
    );
  }
}
