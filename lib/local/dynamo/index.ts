/**
 * The embedded DynamoDB of the local runtime: dynalite in-process, plus what dynalite lacks and the
 * application relies on — `TransactWriteItems`, `TransactGetItems` and TTL deletion.
 *
 * One HTTP server listens on the endpoint. Its listener reads each request, answers the two
 * transaction operations itself and hands everything else to dynalite's own request listener,
 * in-process and unchanged (the transaction code calls that same listener for its reads and writes).
 *
 * A write transaction:
 *  1. validates every action with dynalite's own request validation, so expression syntax, unused
 *     placeholders, key types and item size are judged exactly as for PutItem/UpdateItem/DeleteItem;
 *  2. claims all its items in one synchronous step. An item already claimed by another transaction
 *     makes that action `TransactionConflict` and cancels the transaction at once: nothing queues
 *     behind a lock, as in DynamoDB, so callers' retry paths with backoff really run over HTTP. Single-
 *     item writes already in flight on its items are let finish first (new ones are refused, below);
 *  3. reads the items (consistent GetItem), evaluates each condition with dynalite's condition
 *     evaluator and computes each Update's new item with dynalite's own UpdateItem code run against an
 *     in-memory stand-in for its store, so every outcome is known before anything is written;
 *  4. only then writes the final items with plain PutItem/DeleteItem, still holding the claims.
 *
 * Other requests meanwhile. PutItem, UpdateItem, DeleteItem and BatchWriteItem touching an item held
 * by a write transaction are refused with `TransactionConflictException`, which is what DynamoDB does
 * for single-item writes; a BatchWriteItem is refused as a whole (DynamoDB's handling of one
 * conflicting entry in a batch is not something the application relies on). A write transaction does
 * not conflict with a single-item write already in flight on one of its items (DynamoDB documents no
 * conflict in that direction): it waits for it, holding its claims. Otherwise a key hammered by live
 * traffic could never be revoked, each retry of the revoke meeting another count update. A
 * `TransactGetItems` conflicts with an ongoing write transaction or single-item write on its items
 * (as DynamoDB documents); single-item writes arriving while it reads wait for it (a few event-loop
 * turns) instead of failing, since DynamoDB documents no conflict in that direction. Plain reads are
 * never held back.
 *
 * Limits, honestly:
 *  - The final writes land item by item. GetItem sees each item before or after the transaction (as
 *    in DynamoDB); Query, Scan and BatchGetItem may see some of a transaction's writes and not yet the
 *    others, which DynamoDB's read-committed isolation for those operations allows as well.
 *  - A storage failure in step 4 (disk error, database closed under it) is answered with
 *    InternalServerError after the transaction's items are restored from the images read in step 3.
 *    A reader in that window may have seen a write that was then undone, and if the restore fails
 *    too the transaction stays half applied (logged). DynamoDB never shows either.
 *  - Claims live in this process: two processes on one data directory are not supported (leveldb's
 *    lock forbids it anyway).
 *  - The endpoint listens on loopback, and answers only requests signed with the run's own access
 *    key id (`guard.ts`); the signature itself is not verified (dynalite verifies none).
 *  - Client request tokens (idempotency) are remembered in memory for ten minutes of the injected
 *    clock, so a restart forgets them. ReturnConsumedCapacity and ReturnItemCollectionMetrics are
 *    ignored on transactions, and the 4 MB aggregate size limit is not checked.
 *  - TTL deletion happens when `sweepExpired` runs, not "within a few days", and the deletions are
 *    ordinary deletes.
 */

import { mkdir } from "node:fs/promises";
import type { RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ChangeFeed } from "./change-feed";
import { dynalite } from "./dynalite";
import { frontListener } from "./front";
import { runCredentials } from "./guard";
import { createMissingTables } from "./tables";
import { Transactions } from "./transactions";
import { sweepTable } from "./ttl";
import type { LocalDynamo, LocalDynamoOptions } from "./types";
import { invoker } from "./wire";

export type { ItemChange } from "./change-feed";
export type { ClaimedItem, CommittedItem, LocalDynamo, LocalDynamoOptions, LocalTable } from "./types";

/**
 * Starts dynalite in-process on 127.0.0.1 (ephemeral port), in memory or in `dataDir`, with
 * transactions and TTL deletion added (see the file comment), and creates the missing tables.
 */
export async function startLocalDynamo(options: LocalDynamoOptions): Promise<LocalDynamo> {
  const clock = options.clock ?? Date.now;
  if (options.dataDir !== undefined) await mkdir(options.dataDir, { recursive: true });
  const credentials = runCredentials();
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.dataDir !== undefined ? { path: options.dataDir } : {}),
  });
  // dynalite registered its handler as the server's request listener: take it over, keep calling it.
  const [dynaliteListener] = server.listeners("request") as RequestListener[];
  if (!dynaliteListener) throw new Error("dynalite's server has no request listener");
  server.removeAllListeners("request");
  const invoke = invoker(dynaliteListener);
  server.on(
    "request",
    frontListener(
      invoke,
      new Transactions(invoke, clock, options.afterClaim, options.afterCommit),
      credentials,
      options.changes
        ? new ChangeFeed(invoke, new Set(options.changes.tables), options.changes.onChange)
        : undefined,
    ),
  );

  const closeServer = () =>
    new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: "local",
    credentials,
  });

  try {
    await createMissingTables(client, options.tables);
  } catch (err) {
    client.destroy();
    await closeServer();
    throw err;
  }

  // Sweeps run one after another, so a sweep asked for after a clock change sees that clock.
  let sweeps: Promise<unknown> = Promise.resolve();
  const sweepExpired = (): Promise<number> => {
    const sweep = sweeps.then(async () => {
      const now = clock() / 1000;
      let deleted = 0;
      for (const table of options.tables) deleted += await sweepTable(client, table, now);
      return deleted;
    });
    sweeps = sweep.catch(() => undefined);
    return sweep;
  };

  let backgroundSweep = false;
  const timer =
    options.ttlSweepIntervalMs === undefined
      ? undefined
      : setInterval(() => {
          // A slow sweep is not stacked up behind by the next ticks.
          if (backgroundSweep) return;
          backgroundSweep = true;
          sweepExpired()
            .catch((err: unknown) => console.error("local dynamo: TTL sweep failed", err))
            .finally(() => {
              backgroundSweep = false;
            });
        }, options.ttlSweepIntervalMs);
  // The sweeper alone must not keep the process alive.
  timer?.unref();

  return {
    endpoint,
    credentials,
    client,
    sweepExpired,
    async close() {
      clearInterval(timer);
      await sweeps;
      client.destroy();
      // dynalite's close waits for open requests, then closes its store (and leveldb's lock).
      await closeServer();
    },
  };
}
