import type { AttributeValue, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { TableDefinition } from "../../../contract/tables";
import type { ItemChange } from "./change-feed";
import type { LocalCredentials } from "./guard";
/** A table of the local runtime: its shared definition and the name it gets here. */
export interface LocalTable {
  definition: TableDefinition;
  name: string;
}

/** One item a transaction holds, as passed to {@link LocalDynamoOptions.afterClaim}. */
export interface ClaimedItem {
  tableName: string;
  key: Record<string, AttributeValue>;
}

/** One item a committed transaction wrote, as passed to {@link LocalDynamoOptions.afterCommit}. */
export interface CommittedItem {
  tableName: string;
  item: Record<string, AttributeValue>;
}

/** How to start the embedded DynamoDB. */
export interface LocalDynamoOptions {
  /** Tables to create when they do not exist yet (with a data dir they survive restarts). */
  tables: readonly LocalTable[];
  /** Keep the data in this folder (created if missing); in memory when absent. */
  dataDir?: string;
  /** Run {@link LocalDynamo.sweepExpired} this often; no background sweeping when absent. */
  ttlSweepIntervalMs?: number;
  /** Milliseconds since the epoch; drives TTL expiry and idempotency-token expiry. */
  clock?: () => number;
  /**
   * Test hook: called when a transaction holds its item claims, before it reads or writes; the
   * transaction waits for the returned promise. Lets a test keep a transaction open to provoke a
   * `TransactionConflict` deterministically, without timing.
   */
  afterClaim?: (event: {
    operation: "TransactWriteItems" | "TransactGetItems";
    items: ClaimedItem[];
  }) => void | Promise<void>;
  /**
   * Told the items a write transaction put or updated, as written, once it committed (before it is
   * answered): the local stand-in for a DynamoDB stream (new images), which the webhook poller
   * follows. It must not throw or block.
   */
  afterCommit?: (event: { items: CommittedItem[] }) => void;
  /**
   * The local stand-in for the streams of these tables (by name), with old and new images: told each
   * single-item write that changed an item, after it is applied and before it is answered. It must
   * not throw or block.
   */
  changes?: { tables: readonly string[]; onChange: (change: ItemChange) => void };
}

/** A running embedded DynamoDB. */
export interface LocalDynamo {
  /** `http://127.0.0.1:<port>`: DynamoDB's protocol, for any client. */
  endpoint: string;
  /** This run's credential: the endpoint refuses any request not signed with it. */
  credentials: LocalCredentials;
  /** A client pointed at {@link endpoint} (region "local", this run's credentials). */
  client: DynamoDBClient;
  /** Deletes every item whose TTL (epoch seconds) is at or before the clock; resolves to how many. */
  sweepExpired(): Promise<number>;
  /** Stops the sweeper, the client and the server, and closes the store so the data dir can be reopened. */
  close(): Promise<void>;
}
