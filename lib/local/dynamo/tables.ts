import { setTimeout as delay } from "node:timers/promises";
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import type { LocalTable } from "./types";

export const TABLE_ACTIVE_TIMEOUT_MS = 10_000;

/** CreateTable input for a shared definition: string keys (an index's may be numbers), INCLUDE-projected GSIs, on demand. */
export function createTableInput({ definition, name }: LocalTable): CreateTableCommandInput {
  // Every key attribute once, with its type: the table's are strings; an index's may be numbers.
  const keyAttributes = new Map<string, "S" | "N">();
  for (const name of [definition.partitionKey, definition.sortKey]) if (name) keyAttributes.set(name, "S");
  for (const index of definition.indexes) {
    for (const name of [index.partitionKey, index.sortKey]) keyAttributes.set(name, index.keyType ?? "S");
  }
  return {
    TableName: name,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [...keyAttributes].map(([attribute, type]) => ({
      AttributeName: attribute,
      AttributeType: type,
    })),
    KeySchema: [
      { AttributeName: definition.partitionKey, KeyType: "HASH" },
      ...(definition.sortKey ? [{ AttributeName: definition.sortKey, KeyType: "RANGE" as const }] : []),
    ],
    GlobalSecondaryIndexes:
      definition.indexes.length > 0
        ? definition.indexes.map((index) => ({
            IndexName: index.indexName,
            KeySchema: [
              { AttributeName: index.partitionKey, KeyType: "HASH" },
              { AttributeName: index.sortKey, KeyType: "RANGE" },
            ],
            Projection: { ProjectionType: "INCLUDE", NonKeyAttributes: index.nonKeyAttributes },
          }))
        : undefined,
  };
}

/**
 * Creates the tables that do not exist yet and waits until every one is ACTIVE. A table kept in a
 * data dir by an older version may lack an index the code now queries; dynalite cannot add one to an
 * existing table (it validates `GlobalSecondaryIndexUpdates.Create` but never applies it), so that
 * fails the start, naming the index and the remedy, rather than a later query.
 */
export async function createMissingTables(
  client: DynamoDBClient,
  tables: readonly LocalTable[],
): Promise<void> {
  for (const table of tables) {
    try {
      await client.send(new CreateTableCommand(createTableInput(table)));
    } catch (err) {
      // Already there: a restart on a data dir keeps its tables and their items.
      if (!(err instanceof Error && err.name === "ResourceInUseException")) throw err;
    }
  }
  const deadline = Date.now() + TABLE_ACTIVE_TIMEOUT_MS;
  for (const { name, definition } of tables) {
    for (;;) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
      const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every(
        (index) => index.IndexStatus === "ACTIVE",
      );
      if (Table?.TableStatus === "ACTIVE" && indexesActive) {
        const present = new Set((Table.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
        const missing = definition.indexes.map((index) => index.indexName).filter((n) => !present.has(n));
        if (missing.length > 0) {
          throw new Error(
            `local dynamo: table ${name} was made by an older version and lacks the index ${missing.join(", ")}; ` +
              "start with a fresh FYNEX_DATA_DIR (this one cannot be upgraded in place)",
          );
        }
        break;
      }
      if (Date.now() > deadline) throw new Error(`local dynamo: table ${name} did not become ACTIVE`);
      // dynalite flips the status on a zero-delay timer (createTableMs: 0): a short poll suffices.
      await delay(5);
    }
  }
}
