import { RemovalPolicy, Validations } from "aws-cdk-lib";
import {
  AttributeType,
  BillingMode,
  type CfnTable,
  ProjectionType,
  StreamViewType,
  Table,
} from "aws-cdk-lib/aws-dynamodb";
import type { Construct } from "constructs";
import type { TableDefinition } from "../../contract/tables";

export interface FynexTableProps {
  /** Keys, TTL attribute and indexes, shared with the local runtime. */
  definition: TableDefinition;
  /** The variable a bound function reads the table name from (see `lambdas/shared/runtime.ts`). */
  environmentVariable: string;
  removalPolicy: "destroy" | "retain";
  pointInTimeRecovery: boolean;
  deletionProtection: boolean;
}

/**
 * A DynamoDB table built from a `contract/tables.ts` definition: on-demand, TTL on, indexes projecting
 * exactly the listed attributes. Its CloudFormation logical id is pinned to the definition's
 * `logicalId`, so moving the construct in the tree can never replace (and empty) the table.
 */
export class FynexTable extends Table {
  /** The variable `FynexFunction.bindTable` sets to this table's name. */
  readonly environmentVariable: string;
  /** Whether grants that read must also reach the indexes. */
  readonly hasIndexes: boolean;
  /** Each index by name (`<table>/index/<name>`): grants name them, never `index/*`. */
  readonly indexArns: string[];

  constructor(scope: Construct, props: FynexTableProps) {
    const { definition } = props;
    super(scope, definition.logicalId, {
      partitionKey: { name: definition.partitionKey, type: AttributeType.STRING },
      sortKey: definition.sortKey ? { name: definition.sortKey, type: AttributeType.STRING } : undefined,
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: definition.ttlAttribute,
      stream: definition.stream === undefined ? undefined : StreamViewType[definition.stream],
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: props.pointInTimeRecovery },
      deletionProtection: props.deletionProtection,
      removalPolicy: props.removalPolicy === "retain" ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    (this.node.defaultChild as CfnTable).overrideLogicalId(definition.logicalId);

    for (const index of definition.indexes) {
      this.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey, type: keyTypeOf(index) },
        sortKey: { name: index.sortKey, type: keyTypeOf(index) },
        projectionType: ProjectionType.INCLUDE,
        nonKeyAttributes: index.nonKeyAttributes,
      });
    }
    this.environmentVariable = props.environmentVariable;
    this.hasIndexes = definition.indexes.length > 0;
    this.indexArns = definition.indexes.map((index) => `${this.tableArn}/index/${index.indexName}`);

    // Only a table that goes with its stack may go without backups: a retained table keeps the finding.
    if (!props.pointInTimeRecovery && props.removalPolicy === "destroy") {
      Validations.of(this).acknowledge({
        id: "AwsSolutions-DDB3",
        reason:
          "Point-in-time recovery is off by this environment's settings (lib/config.ts: dev by default), " +
          "whose tables hold disposable test data and are destroyed with the stack. An environment that " +
          "retains its tables keeps this finding until recovery is on (staging and prod have it on).",
      });
    }
  }
}

/** An index's key attributes' type: string unless the definition says number. */
const keyTypeOf = (index: { keyType?: "S" | "N" }) =>
  index.keyType === "N" ? AttributeType.NUMBER : AttributeType.STRING;
