import path from "node:path";
import { fileURLToPath } from "node:url";
import { CfnOutput, Duration, Stack, type StackProps } from "aws-cdk-lib";
import type { Construct } from "constructs";
import { ENV } from "../contract/environment";
import { SERVICE } from "../contract/metric-names";
import {
  handlerId,
  handlerModules,
  KEY_MANAGEMENT_DIRECT_HANDLER,
  ROUTES,
  type Route,
} from "../contract/routes";
import { AUDIT_TABLE, DATA_TABLE, KEYS_BY_ORG_INDEX, KEYS_TABLE, USAGE_TABLE } from "../contract/tables";
import {
  AUDIT_EVENT_ATTRIBUTES,
  AUTHORIZER_KEY_ATTRIBUTES,
  LEAK_REVOCATION_KEY_ATTRIBUTES,
  OUTBOX_ITEM_ATTRIBUTES,
} from "../contract/write-attributes";
import type { EnvironmentConfig } from "./config";
import { ConsoleUsers } from "./constructs/console-users";
import { ExpiryReminders } from "./constructs/expiry-reminders";
import { FynexApi } from "./constructs/fynex-api";
import { FynexConsole } from "./constructs/fynex-console";
import {
  counterMoveStatement,
  type FunctionSettings,
  FynexFunction,
  type TableAccessMode,
  traceEveryFunction,
} from "./constructs/fynex-function";
import { FynexMonitoring } from "./constructs/fynex-monitoring";
import { FynexTable } from "./constructs/fynex-table";
import { grantKeySecrets } from "./constructs/key-secrets-access";
import { SecretScanningKeys } from "./constructs/secret-scanning-keys";
import { UsageHistoryWriter } from "./constructs/usage-history-writer";
import { WebhookDispatcher } from "./constructs/webhook-dispatcher";

/** The repository root: handler modules and `package-lock.json` are found from it. */
const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const AUTHORIZER_HANDLER = "lambdas/authorizer/authorizer.handler";
/** The console page as `npm run build` leaves it. */
const CONSOLE_PAGE_DIR = path.join(PROJECT_ROOT, "web/dist");
/** Answers every undeclared path and method (the API's one catch-all). */
const NOT_FOUND_HANDLER = "lambdas/not-found/not-found.handler";

export interface FynexStackProps extends StackProps {
  config: EnvironmentConfig;
}

/** What a handler module's routes say it may touch: admin routes the keys, key routes the data. */
interface HandlerAccess {
  keys?: TableAccessMode;
  data?: TableAccessMode;
  audit?: TableAccessMode;
  /** The usage history (API.md §11): key management reads it; only the stream's writer writes it. */
  usage?: TableAccessMode;
  /** Needs the rate settings (the default limit and window a key record reports). */
  rateSettings: boolean;
}

function accessOf(handler: string, routes: readonly Route[]): HandlerAccess {
  const own = routes.filter((route) => route.handler === handler);
  const auth = new Set(own.map((route) => route.auth));
  if (auth.size !== 1) {
    throw new Error(`Handler module "${handler}" serves routes of different auth kinds: ${[...auth]}`);
  }
  // A route that declares its tables (a public route that works on keys) gets exactly those.
  const declared = new Set(own.map((route) => JSON.stringify(route.tables ?? null)));
  if (declared.size > 1) throw new Error(`Handler module "${handler}" declares different tables per route`);
  const tables = own[0]?.tables;
  if (tables) return { ...tables, rateSettings: false };
  const readOnly = own.every((route) => route.method === "GET");
  const deleteOnly = own.every((route) => route.method === "DELETE");
  switch (own[0]?.auth) {
    case "iam":
    case "cognito":
      // Key management records every change in the audit trail, which it may append to and list,
      // never change. Key events (API.md §11) go to subscribers through the data table's outbox:
      // puts, nothing else; the usage history it only reads.
      return { keys: "readWrite", audit: "appendQuery", data: "append", usage: "read", rateSettings: true };
    case "apiKey":
      // Counting happens in the authorizer, so a handler that only answers GETs never writes.
      // Only a module that answers nothing but DELETEs may delete, and it may do nothing else.
      return { data: readOnly ? "read" : deleteOnly ? "delete" : "readWrite", rateSettings: false };
    default:
      return { rateSettings: false };
  }
}

/**
 * One environment of Fynex: the keys and data tables, one function per handler module of the route
 * table plus the authorizer, and the REST API in front of them. Each function reaches only the
 * table, and only the actions, its routes need.
 */
export class FynexStack extends Stack {
  /** The REST API; `api.grantOrgAdmin(principal, orgId)` lets a principal manage one org's keys. */
  readonly api: FynexApi;

  constructor(scope: Construct, id: string, props: FynexStackProps) {
    // Production's stack cannot be deleted by a mistaken `cdk destroy` (lib/config.ts).
    super(scope, id, { ...props, terminationProtection: props.config.terminationProtection });
    const { config } = props;

    const tableSettings = {
      removalPolicy: config.removalPolicy,
      pointInTimeRecovery: config.pointInTimeRecovery,
      deletionProtection: config.deletionProtection,
    };
    const keysTable = new FynexTable(this, {
      ...tableSettings,
      definition: KEYS_TABLE,
      environmentVariable: ENV.keysTable,
    });
    const dataTable = new FynexTable(this, {
      ...tableSettings,
      definition: DATA_TABLE,
      environmentVariable: ENV.dataTable,
    });

    const auditTable = new FynexTable(this, {
      ...tableSettings,
      definition: AUDIT_TABLE,
      environmentVariable: ENV.auditTable,
    });

    const usageTable = new FynexTable(this, {
      ...tableSettings,
      definition: USAGE_TABLE,
      environmentVariable: ENV.usageTable,
    });

    const rateSettings = {
      [ENV.rateLimit]: String(config.rateLimit),
      [ENV.rateWindowSeconds]: String(config.rateWindowSeconds),
    };
    const functionSettings: FunctionSettings = {
      projectRoot: PROJECT_ROOT,
      logRetention: config.logRetentionDays,
      logRemovalPolicy: config.removalPolicy,
    };
    const newFunction = (
      handler: string,
      options: {
        rateSettings: boolean;
        timeout?: Duration;
        sourceMaps?: boolean;
        reservedConcurrency?: number;
      },
    ) =>
      new FynexFunction(this, `${handlerId(handler)}Function`, {
        ...functionSettings,
        handler: `${handler}.ts`,
        // FYNEX_ENV: the `environment` dimension of the custom metrics the alarms read.
        environment: { [ENV.envName]: config.envName, ...(options.rateSettings ? rateSettings : {}) },
        timeout: options.timeout,
        sourceMaps: options.sourceMaps,
        reservedConcurrency: options.reservedConcurrency,
      });

    // API Gateway waits at most 10 seconds for an authorizer; one DynamoDB call needs far less.
    // No source maps: every 401 is a thrown error whose stack the runtime reads (docs/DECISIONS.md #10).
    const authorizer = newFunction(AUTHORIZER_HANDLER, {
      rateSettings: true,
      timeout: Duration.seconds(5),
      sourceMaps: false,
    });
    // The keys table only, and only the attributes of its count: the usage history is written from
    // the keys table's stream (below). Its update reads the whole item back (the context needs it).
    authorizer.bindTable({
      table: keysTable,
      accessMode: "update",
      writes: { attributes: AUTHORIZER_KEY_ATTRIBUTES, wholeItemBack: true },
    });

    const bindAccess = (fn: FynexFunction, access: HandlerAccess) => {
      // The org index only: the expiry index is the reminder function's alone.
      if (access.keys) {
        fn.bindTable({
          table: keysTable,
          accessMode: access.keys,
          indexes: [KEYS_BY_ORG_INDEX],
          // The leak report's revocation: never a key's org, expiry, scopes or hash.
          writes: access.keys === "revoke" ? { attributes: LEAK_REVOCATION_KEY_ATTRIBUTES } : undefined,
        });
        // A revoked key that was counted leaves its org's active-key counter in the same transaction.
        if (access.keys === "revoke") fn.addToRolePolicy(counterMoveStatement(keysTable));
      }
      // Audit events only, whoever appends them; on the data table, an append is an outbox item.
      if (access.audit) {
        fn.bindTable({
          table: auditTable,
          accessMode: access.audit,
          writes: { attributes: AUDIT_EVENT_ATTRIBUTES },
        });
      }
      if (access.data) {
        fn.bindTable({
          table: dataTable,
          accessMode: access.data,
          writes: access.data === "append" ? { attributes: OUTBOX_ITEM_ATTRIBUTES } : undefined,
        });
      }
      if (access.usage) fn.bindTable({ table: usageTable, accessMode: access.usage });
      // Secrets Manager hook: whatever may revoke keys deletes their copies; only key management,
      // which creates keys (readWrite), writes copies.
      if (config.secretsManagerHook && access.keys && access.keys !== "read") {
        grantKeySecrets(fn, { envName: config.envName, create: access.keys === "readWrite" });
      }
    };

    const functions = new Map<string, FynexFunction>();
    for (const handler of handlerModules()) {
      const access = accessOf(handler, ROUTES);
      const timeoutSeconds = Math.max(
        0,
        ...ROUTES.filter((route) => route.handler === handler).map((route) => route.timeoutSeconds ?? 0),
      );
      const fn = newFunction(handler, {
        rateSettings: access.rateSettings,
        timeout: timeoutSeconds > 0 ? Duration.seconds(timeoutSeconds) : undefined,
      });
      bindAccess(fn, access);
      functions.set(handler, fn);
    }

    // Touches no table: it answers the 404 envelope and nothing else.
    // Public and unauthenticated: its reserved concurrency is also its ceiling (lib/config.ts).
    const notFound = newFunction(NOT_FOUND_HANDLER, {
      rateSettings: false,
      reservedConcurrency: config.catchAllConcurrency,
    });

    const consoleUsers = new ConsoleUsers(this, "ConsoleUsers", {
      envName: config.envName,
      removalPolicy: config.removalPolicy,
    });
    const api = new FynexApi(this, "Api", {
      stageName: config.envName,
      executionLogging: config.executionLogging,
      stageThrottle: config.stageThrottle,
      logRetention: config.logRetentionDays,
      logRemovalPolicy: config.removalPolicy,
      routes: ROUTES,
      functions,
      authorizer,
      consoleUserPool: consoleUsers.userPool,
      notFound,
      customDomain: config.customDomain,
    });
    const consoleHandlers = [...new Set(ROUTES.filter((r) => r.auth === "cognito").map((r) => r.handler))];
    const consoleFunction = functions.get(consoleHandlers[0] ?? "");
    if (consoleHandlers.length !== 1 || !consoleFunction)
      throw new Error("Expected one console handler module");
    new FynexConsole(this, "ConsoleSite", {
      removalPolicy: config.removalPolicy,
      logRetention: config.logRetentionDays,
      pageDir: CONSOLE_PAGE_DIR,
      users: consoleUsers,
      api,
      consoleFunction,
    });

    const monitoring = new FynexMonitoring(this, "Monitoring", {
      envName: config.envName,
      alarms: config.alarms,
      api: api.restApi,
      authorizer,
      functions: new Map([...functions, [NOT_FOUND_HANDLER, notFound]]),
      tables: [keysTable, dataTable, auditTable, usageTable],
      services: { authorizer: SERVICE.authorizer, api: SERVICE.api },
    });

    // Webhook deliveries (API.md §9): the data table's stream to a dispatcher, retries through SQS.
    const webhookDelivery = new WebhookDispatcher(this, "WebhookDelivery", {
      functions: functionSettings,
      envName: config.envName,
      dataTable,
      alarmTopic: monitoring.topic,
    });

    // Usage history (API.md §11): the keys table's stream to a writer, off the authorizer's path.
    new UsageHistoryWriter(this, "UsageHistory", {
      functions: functionSettings,
      envName: config.envName,
      keysTable,
      usageTable,
      rateLimit: config.rateLimit,
      alarmTopic: monitoring.topic,
    });

    const adminHandlers = [...new Set(ROUTES.filter((r) => r.auth === "iam").map((r) => r.handler))];
    const adminHandler = adminHandlers.length === 1 ? adminHandlers[0] : undefined;
    if (!adminHandler) throw new Error(`Expected one admin handler module, found ${adminHandlers.length}`);
    // Key management's direct door is its own function with the admin door's access: no route, no
    // API Gateway permission, so which door a request used is decided by the function AWS invoked,
    // never by what the payload looks like (docs/DECISIONS.md #120).
    const directAdmin = newFunction(KEY_MANAGEMENT_DIRECT_HANDLER, { rateSettings: true });
    bindAccess(directAdmin, accessOf(adminHandler, ROUTES));
    this.api = api;

    // GitHub's secret-scanning keys, refreshed hourly into the keys table (API.md §8).
    const scanningKeys = new SecretScanningKeys(this, "SecretScanningKeys", {
      functions: functionSettings,
      keysTable,
    });

    // Expiry reminders (API.md §11), daily, over the keys table's expiry index.
    const expiryReminders = new ExpiryReminders(this, "ExpiryReminders", {
      functions: functionSettings,
      envName: config.envName,
      keysTable,
      auditTable,
      dataTable,
      rateSettings,
    });

    // The functions no route reaches page on errors and throttles too (docs/RUNBOOKS.md).
    monitoring.watchFunction("WebhookDispatcher", "The webhook dispatcher", webhookDelivery.dispatcher);
    monitoring.watchFunction(handlerId(KEY_MANAGEMENT_DIRECT_HANDLER), "The direct admin door", directAdmin);
    monitoring.watchFunction(
      "SecretScanningKeysRefresher",
      "The signing-key refresher",
      scanningKeys.refresher,
    );
    monitoring.watchFunction("ExpiryReminders", "The expiry reminders", expiryReminders.reminder);

    // Last, once every function exists, CDK's own included.
    traceEveryFunction(this);

    new CfnOutput(this, "ApiUrl", { value: api.restApi.url, description: "Base URL of the stage" });
    if (config.customDomain && api.domainTarget) {
      new CfnOutput(this, "CustomDomainUrl", {
        value: `https://${config.customDomain.domainName}/`,
        description: "Base URL of the stage on its custom domain",
      });
      new CfnOutput(this, "CustomDomainTarget", {
        value: api.domainTarget,
        description: "Point the custom domain's DNS record (CNAME or alias) at this host name",
      });
    }
    new CfnOutput(this, "KeysTableName", { value: keysTable.tableName });
    new CfnOutput(this, "DataTableName", { value: dataTable.tableName });
    new CfnOutput(this, "AuditTableName", { value: auditTable.tableName });
    new CfnOutput(this, "UsageTableName", { value: usageTable.tableName });
    new CfnOutput(this, "AdminFunctionName", {
      value: directAdmin.functionName,
      description:
        "Key management's direct door, for `aws lambda invoke` (the API's admin routes use another)",
    });
    new CfnOutput(this, "SecretScanningKeysFunctionName", {
      value: scanningKeys.refresher.functionName,
      description: "Fetches GitHub's secret-scanning keys: at deploy, then hourly",
    });
  }
}
