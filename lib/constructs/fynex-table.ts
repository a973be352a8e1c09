import { RemovalPolicy } from "aws-cdk-lib";
import {
  AttributeType,
  BillingMode,
  type CfnTable,
  ProjectionType,
  StreamViewType,
  Table,
} from "aws-cdk-lib/aws-dynamodb";
import type { Construct } from "constructs";
import type { TableDefinition } from "../tables";

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
 * A DynamoDB table built from a `lib/tables.ts` definition: on-demand, TTL on, indexes projecting
 * exactly the listed attributes. Its CloudFormation logical id is pinned to the definition's
 * `logicalId`, so moving the construct in the tree can never replace (and empty) the table.
 */
export class FynexTable extends Table {
  /** The variable `FynexFunction.bindTable` sets to this table's name. */
  readonly environmentVariable: string;
  /** Whether grants that read must also reach `<table>/index/*`. */
  readonly hasIndexes: boolean;

  constructor(scope: Construct, props: FynexTableProps) {
    const { definition } = props;
    super(scope, definition.logicalId, {
      partitionKey: { name: definition.partitionKey, type: AttributeType.STRING },
      sortKey: definition.sortKey ? { name: definition.sortKey, type: AttributeType.STRING } : undefined,
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: definition.ttlAttribute,
      stream: definition.stream === "NEW_IMAGE" ? StreamViewType.NEW_IMAGE : undefined,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: props.pointInTimeRecovery },
      deletionProtection: props.deletionProtection,
      removalPolicy: props.removalPolicy === "retain" ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    (this.node.defaultChild as CfnTable).overrideLogicalId(definition.logicalId);

    for (const index of definition.indexes) {
      this.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
        projectionType: ProjectionType.INCLUDE,
        nonKeyAttributes: index.nonKeyAttributes,
      });
    }
    this.environmentVariable = props.environmentVariable;
    this.hasIndexes = definition.indexes.length > 0;
  }
}
