import path from "node:path";
import { CfnResource, Duration, Stack, Validations } from "aws-cdk-lib";
import { type IRole, ManagedPolicy, PolicyStatement, Role } from "aws-cdk-lib/aws-iam";
import { Architecture, CfnFunction, Function as LambdaFunction, Runtime } from "aws-cdk-lib/aws-lambda";
import { NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import type { Construct } from "constructs";
import { ACTIVE_KEY_COUNTER_PREFIX, COUNTER_MOVE_ATTRIBUTES } from "../../contract/write-attributes";
import { type LambdaBundling, lambdaBundling } from "../lambda-bundling";
import type { FynexTable } from "./fynex-table";
import { type LogSettings, ownLogGroup } from "./own-log-group";

/** CDK's name for each output format the bundling may ask for. */
const OUTPUT_FORMAT = { cjs: OutputFormat.CJS } satisfies Record<LambdaBundling["format"], OutputFormat>;

/** What every function of a stage shares: the project it is bundled from and how its logs are kept. */
export interface FunctionSettings extends LogSettings {
  /** Directory holding `package-lock.json`; everything bundled must live under it. */
  projectRoot: string;
}

export interface FynexFunctionProps extends FunctionSettings {
  /** Path of the handler module (it exports `handler`) from `projectRoot`: `lambdas/…/*.handler.ts`. */
  handler: string;
  environment?: Record<string, string>;
  timeout?: Duration;
  /**
   * Stack traces mapped to the TypeScript sources (`--enable-source-maps`); on unless turned off. Off
   * for a function whose expected answers are thrown errors (the authorizer's 401): every stack read
   * then pays a source-map lookup, and the first one parses the whole map (docs/PERFORMANCE.md).
   */
  sourceMaps?: boolean;
  /** Executions set aside for this function, and its ceiling; none by default. */
  reservedConcurrency?: number;
}

/**
 * How a function may use a table. Only the actions the handlers call are granted; dead keys and expired
 * records leave by TTL, so only `delete` (a function that serves nothing but DELETE routes) grants
 * `DeleteItem`, and no mode grants `BatchWriteItem` or `Scan`. `TransactWriteItems` needs no action of
 * its own: IAM checks each item's Put/Update/ConditionCheck.
 */
export type TableAccessMode =
  /** Reads by key and queries (indexes included). */
  | "read"
  /** Counts on an existing item by key: the authorizer's one conditional update. No read, no index. */
  | "update"
  /**
   * Reads keys by id and revokes them, nothing else (with `writes`: only the attributes a
   * revocation touches), so the internet-facing secret-scanning function can never change a key's
   * org, expiry, scopes, hash or limits.
   */
  | "revoke"
  /** Creates items, nothing else: an audit trail written in the transaction of the change it records. */
  | "append"
  /** Creates items and queries them, never changes one: the audit trail key management lists. */
  | "appendQuery"
  /** Reads, queries, creates and conditional updates, transactions included. */
  | "readWrite"
  /** Conditional deletes by key (a DELETE route: 404 when the item is not there), nothing else. */
  | "delete";

interface Grant {
  actions: string[];
  conditions?: Record<string, Record<string, string[]>>;
}

/** Actions that write an item, which `TableBinding.writes` narrows to its attributes. */
const WRITE_ACTIONS = new Set(["dynamodb:PutItem", "dynamodb:UpdateItem"]);

const TABLE_GRANTS: Record<TableAccessMode, Grant[]> = {
  read: [{ actions: ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"] }],
  // The authorizer never reads a key but through its update's returned item: no GetItem.
  update: [{ actions: ["dynamodb:UpdateItem"] }],
  revoke: [{ actions: ["dynamodb:GetItem"] }, { actions: ["dynamodb:UpdateItem"] }],
  append: [{ actions: ["dynamodb:PutItem"] }],
  appendQuery: [{ actions: ["dynamodb:PutItem"] }, { actions: ["dynamodb:Query"] }],
  readWrite: [
    {
      actions: [
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:Query",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:ConditionCheckItem",
      ],
    },
  ],
  delete: [{ actions: ["dynamodb:DeleteItem"] }],
};

/**
 * The conditions that keep a function's puts and updates to `attributes` (`contract/write-attributes.ts`).
 * IAM counts the attributes a condition reads as well as those written, and cannot tell which: a
 * listed attribute may be set or removed. `ReturnValues` is held to what cannot hand back attributes
 * outside the list, unless the function reads the whole item back by design (the authorizer).
 */
export function writeConditions(writes: WriteLimits, actions: string[]): Grant["conditions"] {
  const returnValues = actions.includes("dynamodb:UpdateItem")
    ? ["NONE", "UPDATED_OLD", "UPDATED_NEW"]
    : ["NONE"];
  return {
    "ForAllValues:StringEquals": { "dynamodb:Attributes": [...writes.attributes] },
    ...(writes.wholeItemBack ? {} : { StringEqualsIfExists: { "dynamodb:ReturnValues": returnValues } }),
  };
}

/**
 * A narrow writer's move of an org's active-key counter (`ADD activeKeys -1`): `UpdateItem` on the
 * counter items only (`dynamodb:LeadingKeys` `ACTIVE_KEYS#*`), touching `pk` and `activeKeys` only.
 */
export function counterMoveStatement(table: FynexTable): PolicyStatement {
  const actions = ["dynamodb:UpdateItem"];
  return new PolicyStatement({
    actions,
    resources: [table.tableArn],
    conditions: {
      ...writeConditions({ attributes: COUNTER_MOVE_ATTRIBUTES }, actions),
      "ForAllValues:StringLike": { "dynamodb:LeadingKeys": [`${ACTIVE_KEY_COUNTER_PREFIX}*`] },
    },
  });
}

/** What a function's puts and updates on one table may touch. */
export interface WriteLimits {
  attributes: readonly string[];
  /** The function reads the item back whole (`ALL_NEW`/`ALL_OLD`): `ReturnValues` left open. */
  wholeItemBack?: boolean;
}

export interface TableBinding {
  table: FynexTable;
  accessMode: TableAccessMode;
  /** The indexes a reading mode may query, by name; every index of the table when absent. */
  indexes?: readonly string[];
  /** Narrows the mode's puts and updates to these attributes; any attribute when absent. */
  writes?: WriteLimits;
}

/**
 * A Node.js Lambda function with the project's shared defaults: Node 22 on ARM64, bundled locally by
 * esbuild (minified, with source maps), its own log group with the environment's retention, and a role
 * that may write to that log group and nothing else until `bindTable` (or a grant) adds to it.
 */
export class FynexFunction extends NodejsFunction {
  /** Absolute path of the handler module it bundles (the bundle test checks what each one pulls in). */
  readonly entry: string;

  constructor(scope: Construct, id: string, props: FynexFunctionProps) {
    const { logGroup, role } = ownLogGroup(scope, id, props);
    const entry = path.join(props.projectRoot, props.handler);
    const bundling = lambdaBundling(props.projectRoot);
    super(scope, id, {
      entry,
      projectRoot: props.projectRoot,
      depsLockFilePath: `${props.projectRoot}/package-lock.json`,
      role,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      // 256 MB: Lambda scales CPU with memory, and the cold start of a bundle this size is CPU-bound.
      memorySize: 256,
      timeout: props.timeout ?? Duration.seconds(10),
      reservedConcurrentExecutions: props.reservedConcurrency,
      logGroup,
      environment: {
        // Stack traces point at the TypeScript sources instead of the minified bundle.
        ...(props.sourceMaps === false ? {} : { NODE_OPTIONS: "--enable-source-maps" }),
        ...props.environment,
      },
      bundling: {
        // The project's one definition (lib/lambda-bundling.ts), which the bench and the bundle
        // tests build with too, handed to CDK's esbuild in CDK's names.
        minify: bundling.minify,
        sourceMap: bundling.sourcemap,
        sourcesContent: bundling.sourcesContent,
        target: bundling.target,
        format: OUTPUT_FORMAT[bundling.format],
        mainFields: bundling.mainFields,
        // The credential provider's stand-in (docs/DECISIONS.md #334), by absolute path: CDK bundles
        // with this project's esbuild, on this machine (a Docker bundling would not see the path).
        esbuildArgs: {
          "--alias": Object.entries(bundling.alias).map(([from, to]) => `${from}=${to}`),
        },
        // The SDK is bundled, not taken from the runtime: the deployed code runs against the exact
        // SDK version it was tested with, and a cold start loads one pre-shaken file instead of
        // resolving the runtime's full SDK packages from disk.
        bundleAwsSDK: true,
      },
    });
    this.entry = entry;
    // X-Ray: a slow request is followed from API Gateway through the function to DynamoDB. Set here
    // rather than with `tracing`, which would add X-Ray's `*` to the role's own policy, beside its
    // table grants: the permission lives in one policy of the stack, attached to every function's role.
    (this.node.defaultChild as CfnFunction).tracingConfig = { mode: "Active" };
    const tracing = tracingPolicy(this);
    tracing.attachToRole(role);
    // Lambda refuses to create a traced function whose role may not send traces yet.
    this.node.addDependency(tracing);
    Validations.of(this).acknowledge({
      id: "AwsSolutions-L1",
      reason:
        "Node.js 22 on purpose, not nodejs24.x: the bundles are built for node22 (esbuild target) and " +
        "their sizes and cold starts are measured as built (docs/PERFORMANCE.md); Node.js 22 is maintained " +
        "until April 2027. Moving to a newer runtime is its own change, re-measured.",
    });
  }

  /**
   * Grants exactly the actions (and conditions) of `accessMode` on the table (and its indexes when the mode reads
   * them), and hands the function the table's name in the table's environment variable.
   */
  bindTable({ table, accessMode, indexes, writes }: TableBinding): void {
    const indexArns = table.indexArns.filter(
      (arn) => indexes === undefined || indexes.some((name) => arn.endsWith(`/index/${name}`)),
    );
    for (const grant of TABLE_GRANTS[accessMode]) {
      const { actions } = grant;
      const narrowed = writes !== undefined && actions.every((action) => WRITE_ACTIONS.has(action));
      if (writes && !narrowed && actions.some((action) => WRITE_ACTIONS.has(action))) {
        throw new Error(
          `"${accessMode}" mixes writes with other actions: it cannot be narrowed to attributes`,
        );
      }
      const conditions = narrowed ? writeConditions(writes, actions) : grant.conditions;
      const readsIndexes = table.hasIndexes && actions.includes("dynamodb:Query");
      this.addToRolePolicy(
        new PolicyStatement({
          actions,
          resources: readsIndexes ? [table.tableArn, ...indexArns] : [table.tableArn],
          conditions,
        }),
      );
    }
    this.addEnvironment(table.environmentVariable, table.tableName);
  }
}

/**
 * X-Ray on the functions CDK makes for itself (the page's `BucketDeployment`, the trigger's provider),
 * so that every function of the stack is traced: call it once they all exist. Their roles get the
 * same tracing policy as ours.
 */
export function traceEveryFunction(scope: Construct): void {
  // A policy of their own: CDK's trigger role names the function it runs (ours), which waits for our
  // tracing policy, so one policy for both would close a dependency cycle.
  const policy = tracingPolicy(scope, "CdkFunctionTracing");
  for (const node of scope.node.findAll()) {
    if (!(node instanceof CfnResource) || node.cfnResourceType !== "AWS::Lambda::Function") continue;
    if (node instanceof CfnFunction) {
      // Ours are traced already (FynexFunction).
      if (node.tracingConfig) continue;
      node.tracingConfig = { mode: "Active" };
    } else {
      // A custom resource provider's handler, a raw CloudFormation resource.
      node.addPropertyOverride("TracingConfig.Mode", "Active");
    }
    policy.attachToRole(roleOf(node));
    // Lambda refuses to create a traced function whose role may not send traces yet.
    node.node.addDependency(policy);
  }
}

/** A CDK-made function's role: its L2 function's, or the raw role beside a provider's handler. */
function roleOf(fn: CfnResource): IRole {
  const owner = fn.node.scope;
  if (owner instanceof LambdaFunction && owner.role) return owner.role;
  const raw = owner?.node.tryFindChild("Role");
  if (owner && raw instanceof CfnResource && raw.cfnResourceType === "AWS::IAM::Role") {
    return Role.fromRoleName(owner, "TracedRole", raw.ref);
  }
  throw new Error(`No role found to let ${fn.node.path} send traces`);
}

/**
 * The stack's one policy letting functions send X-Ray traces. X-Ray's `PutTraceSegments` and
 * `PutTelemetryRecords` take no resource but `*` (the X-Ray service authorization reference), so the
 * wildcard is acknowledged here, on this policy alone.
 */
function tracingPolicy(scope: Construct, id = "FunctionTracing"): ManagedPolicy {
  const stack = Stack.of(scope);
  const existing = stack.node.tryFindChild(id);
  if (existing instanceof ManagedPolicy) return existing;
  const policy = new ManagedPolicy(stack, id, {
    description: "Lets the stack's functions send X-Ray trace segments and telemetry",
    statements: [
      new PolicyStatement({
        actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
        resources: ["*"],
      }),
    ],
  });
  Validations.of(policy).acknowledge({
    id: "AwsSolutions-IAM5[Resource::*]",
    reason:
      "X-Ray's PutTraceSegments and PutTelemetryRecords support no resource-level permission: `*` is " +
      "the only resource they take. This policy holds nothing else.",
  });
  return policy;
}
