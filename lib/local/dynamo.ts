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
 *  - Client request tokens (idempotency) are remembered in memory for ten minutes of the injected
 *    clock, so a restart forgets them. ReturnConsumedCapacity and ReturnItemCollectionMetrics are
 *    ignored on transactions, the 4 MB aggregate size limit is not checked, and no signature is
 *    checked anywhere (dynalite checks none either).
 *  - TTL deletion happens when `sweepExpired` runs, not "within a few days", and the deletions are
 *    ordinary deletes.
 */

import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import type {
  IncomingHttpHeaders,
  IncomingMessage,
  RequestListener,
  Server,
  ServerResponse,
} from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { setTimeout as delay } from "node:timers/promises";
import { crc32 } from "node:zlib";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DeleteItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ScanCommand,
} from "@aws-sdk/client-dynamodb";
import type { TableDefinition } from "../../contract/tables";

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
}

/** A running embedded DynamoDB. */
export interface LocalDynamo {
  /** `http://127.0.0.1:<port>`: DynamoDB's protocol, for any client. */
  endpoint: string;
  /** A client pointed at {@link endpoint} (region "local", dummy credentials). */
  client: DynamoDBClient;
  /** Deletes every item whose TTL (epoch seconds) is at or before the clock; resolves to how many. */
  sweepExpired(): Promise<number>;
  /** Stops the sweeper, the client and the server, and closes the store so the data dir can be reopened. */
  close(): Promise<void>;
}

// dynalite ships no type declarations, and a declaration file is not ours to add here: its CommonJS
// modules are loaded with `require` and typed below with just what this file uses.
const requireCjs = createRequire(import.meta.url);

/** An error as dynalite's modules report one: the HTTP status and the JSON body to answer. */
interface DynaliteError {
  statusCode: number;
  body: ErrorBody;
}

/** dynalite's view of a table (DescribeTable's `Table`); opaque here but for the key schema. */
interface DynaliteTable {
  KeySchema: { AttributeName: string }[];
}

type Item = Record<string, unknown>;
type Callback = (err: unknown, result?: unknown) => void;

interface DynaliteDb {
  MAX_SIZE: number;
  validateKey(key: Item, table: DynaliteTable): DynaliteError | undefined;
  validateItem(item: Item, table: DynaliteTable): DynaliteError | undefined;
  validateUpdates(
    attributeUpdates: undefined,
    updates: unknown,
    table: DynaliteTable,
  ): DynaliteError | undefined;
  createKey(key: Item, table: DynaliteTable): string;
  checkConditional(request: Item, item: Item | undefined): DynaliteError | null | undefined;
}

interface DynaliteValidations {
  checkTypes(request: Item, types: object): Item;
  checkValidations(request: Item, types: object, custom: unknown, store: object): void;
}

interface OperationValidation {
  types: object;
  custom: unknown;
}

type DynaliteAction = (store: object, request: Item, cb: Callback) => void;

const dynalite = requireCjs("dynalite") as (options: object) => Server;
const dynaliteDb = requireCjs("dynalite/db") as DynaliteDb;
const dynaliteValidations = requireCjs("dynalite/validations") as DynaliteValidations;
const dynaliteUpdateItem = requireCjs("dynalite/actions/updateItem") as DynaliteAction;
const validation = {
  PutItem: requireCjs("dynalite/validations/putItem") as OperationValidation,
  UpdateItem: requireCjs("dynalite/validations/updateItem") as OperationValidation,
  DeleteItem: requireCjs("dynalite/validations/deleteItem") as OperationValidation,
  GetItem: requireCjs("dynalite/validations/getItem") as OperationValidation,
};
// The only part of dynalite's store its validations read (PutItem's item-size check).
const validationStore = { options: { maxItemSize: dynaliteDb.MAX_SIZE } };

const API = "DynamoDB_20120810";
const ERROR_PREFIX = "com.amazonaws.dynamodb.v20120810#";
const MAX_TRANSACTION_ITEMS = 100;
const TOKEN_LIFETIME_MS = 10 * 60 * 1000;
const TABLE_ACTIVE_TIMEOUT_MS = 10_000;

type ErrorBody = Record<string, unknown>;

/** A DynamoDB error answer, thrown through the transaction code and sent as is. */
class DynamoError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
  ) {
    super(String(body.message ?? body.Message ?? body.__type));
  }
}

function validationError(message: string): DynamoError {
  return new DynamoError(400, { __type: "com.amazon.coral.validate#ValidationException", message });
}

function isDynaliteError(err: unknown): err is DynaliteError {
  return isRecord(err) && typeof err.statusCode === "number" && isRecord(err.body);
}

function fromDynalite(err: DynaliteError): DynamoError {
  return new DynamoError(err.statusCode, err.body);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

interface Reason {
  Code: "None" | "ConditionalCheckFailed" | "TransactionConflict" | "ValidationError";
  Message?: string;
  Item?: Item;
}

function transactionCanceled(reasons: Reason[]): DynamoError {
  return new DynamoError(400, {
    __type: `${ERROR_PREFIX}TransactionCanceledException`,
    Message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons
      .map((reason) => reason.Code)
      .join(", ")}]`,
    CancellationReasons: reasons,
  });
}

const conflictReason: Reason = {
  Code: "TransactionConflict",
  Message: "Transaction is ongoing for the item",
};

/** An HTTP answer, whether captured from dynalite or built here. */
interface Reply {
  status: number;
  headers: Record<string, string | number>;
  body: string;
}

function jsonReply(status: number, body: unknown): Reply {
  const text = JSON.stringify(body);
  return {
    status,
    headers: {
      "Content-Type": "application/x-amz-json-1.0",
      "Content-Length": Buffer.byteLength(text),
      // DynamoDB's body checksum and request id, which dynalite's own answers carry too.
      "x-amz-crc32": crc32(text),
      "x-amzn-RequestId": randomBytes(26).toString("hex").toUpperCase(),
    },
    body: text,
  };
}

/**
 * Stands in for the ServerResponse dynalite writes to, so its answer can be inspected (or relayed)
 * once it is complete. dynalite uses only `statusCode`, `contentType`, `setHeader` and `end`.
 */
class CapturedResponse {
  statusCode = 200;
  contentType = "";
  private readonly headers: Record<string, string | number> = {};

  constructor(private readonly done: (reply: Reply) => void) {}

  setHeader(name: string, value: string | number): void {
    this.headers[name] = value;
  }

  end(body?: string): void {
    this.done({ status: this.statusCode, headers: this.headers, body: body ?? "" });
  }
}

type Invoke = (headers: IncomingHttpHeaders, method: string, url: string, body: Buffer) => Promise<Reply>;

/** Runs one request through dynalite's listener in-process and resolves to its complete answer. */
function invoker(listener: RequestListener): Invoke {
  return (headers, method, url, body) =>
    new Promise((resolve) => {
      // dynalite reads the body from `data`/`end` events and looks at headers, method and url only.
      const request = Object.assign(Readable.from(body.length > 0 ? [body] : []), { headers, method, url });
      listener(
        request as unknown as IncomingMessage,
        new CapturedResponse(resolve) as unknown as ServerResponse,
      );
    });
}

// dynalite checks that a request looks signed (it verifies no signature); the transaction code's own
// calls are shaped the same way.
const internalHeaders: IncomingHttpHeaders = {
  "content-type": "application/x-amz-json-1.0",
  authorization:
    "AWS4-HMAC-SHA256 Credential=local/20000101/local/dynamodb/aws4_request, SignedHeaders=host, Signature=local",
  "x-amz-date": "20000101T000000Z",
};

/** Calls one dynalite operation directly (not through the claim checks) and returns its JSON answer. */
async function callDynalite(invoke: Invoke, operation: string, request: object): Promise<Item> {
  const reply = await invoke(
    { ...internalHeaders, "x-amz-target": `${API}.${operation}` },
    "POST",
    "/",
    Buffer.from(JSON.stringify(request)),
  );
  const body: unknown = JSON.parse(reply.body);
  if (!isRecord(body)) throw new Error(`dynalite answered ${operation} with ${reply.body}`);
  if (reply.status !== 200) throw new DynamoError(reply.status, body);
  return body;
}

/** Who holds one item right now. */
interface ItemHolders {
  writeTransaction: boolean;
  readTransactions: number;
  singleWrites: number;
}

/**
 * Per-item claims. Claiming is synchronous (check every item, then take every item), so a
 * transaction gets all its items or none, and never waits holding some of them.
 */
class ItemClaims {
  private readonly held = new Map<string, ItemHolders>();
  private readonly readEnded = new Map<string, (() => void)[]>();
  private readonly writesEnded = new Map<string, (() => void)[]>();

  /**
   * Takes the items for a write transaction, or returns the positions that conflict. `drained`
   * resolves once the single-item writes that were already in flight on them have finished (no new
   * one can start while the claim is held).
   */
  claimForWrite(ids: string[]): { release: () => void; drained: Promise<void> } | { conflicts: number[] } {
    const conflicts = this.positions(ids, (h) => h.writeTransaction || h.readTransactions > 0);
    if (conflicts.length > 0) return { conflicts };
    for (const id of ids) this.holders(id).writeTransaction = true;
    const busy = ids.filter((id) => (this.held.get(id)?.singleWrites ?? 0) > 0);
    return {
      drained: Promise.all(
        busy.map(
          (id) =>
            new Promise<void>((resolve) => {
              const waiting = this.writesEnded.get(id) ?? [];
              waiting.push(resolve);
              this.writesEnded.set(id, waiting);
            }),
        ),
      ).then(() => undefined),
      release: once(() => {
        for (const id of ids) {
          this.holders(id).writeTransaction = false;
          this.settle(id);
        }
      }),
    };
  }

  /** Takes the items for a read transaction, or returns the positions that conflict. */
  claimForRead(ids: string[]): { release: () => void } | { conflicts: number[] } {
    const conflicts = this.positions(ids, (h) => h.writeTransaction || h.singleWrites > 0);
    if (conflicts.length > 0) return { conflicts };
    for (const id of ids) this.holders(id).readTransactions++;
    return {
      release: once(() => {
        for (const id of ids) {
          this.holders(id).readTransactions--;
          this.settle(id);
        }
      }),
    };
  }

  /**
   * Registers a single-item write (or a batch) on these items until the returned release is called;
   * undefined when a write transaction holds one of them. Waits out read transactions.
   */
  async enterSingleWrite(ids: string[]): Promise<(() => void) | undefined> {
    for (;;) {
      if (ids.some((id) => this.held.get(id)?.writeTransaction)) return undefined;
      const read = ids.find((id) => (this.held.get(id)?.readTransactions ?? 0) > 0);
      if (read === undefined) break;
      await new Promise<void>((resolve) => {
        const waiting = this.readEnded.get(read) ?? [];
        waiting.push(resolve);
        this.readEnded.set(read, waiting);
      });
    }
    for (const id of ids) this.holders(id).singleWrites++;
    return once(() => {
      for (const id of ids) {
        this.holders(id).singleWrites--;
        this.settle(id);
      }
    });
  }

  private positions(ids: string[], conflicts: (holders: ItemHolders) => boolean): number[] {
    return ids.flatMap((id, position) => {
      const holders = this.held.get(id);
      return holders && conflicts(holders) ? [position] : [];
    });
  }

  private holders(id: string): ItemHolders {
    let holders = this.held.get(id);
    if (!holders) {
      holders = { writeTransaction: false, readTransactions: 0, singleWrites: 0 };
      this.held.set(id, holders);
    }
    return holders;
  }

  private settle(id: string): void {
    const holders = this.holders(id);
    if (holders.readTransactions === 0) {
      const waiting = this.readEnded.get(id) ?? [];
      this.readEnded.delete(id);
      for (const wake of waiting) wake();
    }
    if (holders.singleWrites === 0) {
      const waiting = this.writesEnded.get(id) ?? [];
      this.writesEnded.delete(id);
      for (const wake of waiting) wake();
    }
    if (!holders.writeTransaction && holders.readTransactions === 0 && holders.singleWrites === 0) {
      this.held.delete(id);
    }
  }
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}

type WriteKind = "Put" | "Update" | "Delete" | "ConditionCheck";
const writeKinds: WriteKind[] = ["Put", "Update", "Delete", "ConditionCheck"];

/** The single-item request each transaction action is validated as, and which fields it carries. */
const actionShapes: Record<WriteKind, { validation: OperationValidation; fields: string[] }> = {
  Put: { validation: validation.PutItem, fields: ["TableName", "Item", "ConditionExpression"] },
  Update: {
    validation: validation.UpdateItem,
    fields: ["TableName", "Key", "UpdateExpression", "ConditionExpression"],
  },
  Delete: { validation: validation.DeleteItem, fields: ["TableName", "Key", "ConditionExpression"] },
  ConditionCheck: { validation: validation.DeleteItem, fields: ["TableName", "Key", "ConditionExpression"] },
};
const expressionFields = ["ExpressionAttributeNames", "ExpressionAttributeValues"];

/** A transaction action once validated and located. */
interface Located {
  tableName: string;
  key: Item;
  /** Identity of the item across all tables, for claims and the duplicate check. */
  id: string;
}

interface WriteAction extends Located {
  kind: WriteKind;
  /** The action as dynalite's single-item request, parsed (with `_condition` and `_updates`). */
  request: Item;
  table: DynaliteTable;
  returnOldOnFailure: boolean;
}

function pick(source: Record<string, unknown>, fields: string[]): Item {
  return Object.fromEntries(
    fields.filter((field) => source[field] != null).map((field) => [field, source[field]]),
  );
}

/** Runs dynalite's own validation of a single-item request; returns the parsed request. */
function validateAs(operation: OperationValidation, request: Item): Item {
  try {
    const parsed = dynaliteValidations.checkTypes({ ...request }, operation.types);
    dynaliteValidations.checkValidations(parsed, operation.types, operation.custom, validationStore);
    return parsed;
  } catch (err) {
    if (isDynaliteError(err)) throw fromDynalite(err);
    throw err;
  }
}

function keyOf(item: Item, table: DynaliteTable): Item {
  return Object.fromEntries(table.KeySchema.map(({ AttributeName }) => [AttributeName, item[AttributeName]]));
}

function itemId(tableName: string, key: Item, table: DynaliteTable): string {
  return `${tableName}\u0000${dynaliteDb.createKey(key, table)}`;
}

function transactItemsOf(body: Item): unknown[] {
  const items = body.TransactItems;
  const constraint =
    items == null
      ? "must not be null"
      : !Array.isArray(items)
        ? "must be a list"
        : items.length < 1
          ? "must have length greater than or equal to 1"
          : items.length > MAX_TRANSACTION_ITEMS
            ? `must have length less than or equal to ${MAX_TRANSACTION_ITEMS}`
            : undefined;
  if (constraint || !Array.isArray(items)) {
    throw validationError(
      `1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member ${constraint}`,
    );
  }
  return items;
}

function rejectDuplicates(actions: Located[]): void {
  if (new Set(actions.map((action) => action.id)).size !== actions.length) {
    throw validationError("Transaction request cannot include multiple operations on one item");
  }
}

/** The transaction operations, over dynalite's single-item ones. */
class Transactions {
  private readonly claims = new ItemClaims();
  /** Committed client request tokens, oldest first, with what they carried. */
  private readonly committedTokens = new Map<string, { fingerprint: string; at: number }>();
  private readonly runningTokens = new Map<string, string>();

  constructor(
    private readonly invoke: Invoke,
    private readonly clock: () => number,
    private readonly afterClaim: LocalDynamoOptions["afterClaim"],
    private readonly afterCommit?: LocalDynamoOptions["afterCommit"],
  ) {}

  /** Answers a TransactWriteItems or TransactGetItems request body. */
  async answer(operation: "TransactWriteItems" | "TransactGetItems", rawBody: Buffer): Promise<Reply> {
    let body: unknown;
    try {
      body = JSON.parse(rawBody.toString("utf8"));
    } catch {
      return jsonReply(400, { __type: "com.amazon.coral.service#SerializationException" });
    }
    try {
      if (!isRecord(body)) throw validationError("The request body must be a JSON object");
      const result = operation === "TransactWriteItems" ? await this.write(body) : await this.get(body);
      return jsonReply(200, result);
    } catch (err) {
      if (err instanceof DynamoError) return jsonReply(err.status, err.body);
      throw err;
    }
  }

  /**
   * Registers a non-transactional write for the items it touches, until the returned release is
   * called; undefined when a write transaction holds one of them (the caller answers
   * TransactionConflictException). Requests whose items cannot be worked out are left to dynalite,
   * which rejects them.
   */
  async enterSingleWrite(operation: string, rawBody: Buffer): Promise<(() => void) | undefined> {
    let body: unknown;
    try {
      body = JSON.parse(rawBody.toString("utf8"));
    } catch {
      return () => {};
    }
    if (!isRecord(body)) return () => {};
    const targets: { tableName: unknown; keyOrItem: unknown; isItem: boolean }[] = [];
    if (operation === "PutItem")
      targets.push({ tableName: body.TableName, keyOrItem: body.Item, isItem: true });
    else if (operation === "BatchWriteItem" && isRecord(body.RequestItems)) {
      for (const [tableName, requests] of Object.entries(body.RequestItems)) {
        for (const request of Array.isArray(requests) ? requests : []) {
          if (!isRecord(request)) continue;
          if (isRecord(request.PutRequest)) {
            targets.push({ tableName, keyOrItem: request.PutRequest.Item, isItem: true });
          } else if (isRecord(request.DeleteRequest)) {
            targets.push({ tableName, keyOrItem: request.DeleteRequest.Key, isItem: false });
          }
        }
      }
    } else targets.push({ tableName: body.TableName, keyOrItem: body.Key, isItem: false });

    const ids = await Promise.all(
      targets.map(async ({ tableName, keyOrItem, isItem }) => {
        if (typeof tableName !== "string" || !isRecord(keyOrItem)) return undefined;
        const table = await this.describe(tableName).catch(() => undefined);
        if (!table) return undefined;
        const key = isItem ? keyOf(keyOrItem, table) : keyOrItem;
        return dynaliteDb.validateKey(key, table) ? undefined : itemId(tableName, key, table);
      }),
    );
    return this.claims.enterSingleWrite(ids.filter((id) => id !== undefined));
  }

  private async write(body: Item): Promise<Item> {
    const actions = await this.locateWrites(transactItemsOf(body));
    rejectDuplicates(actions);

    const token = typeof body.ClientRequestToken === "string" ? body.ClientRequestToken : undefined;
    const fingerprint = JSON.stringify(body.TransactItems);
    if (token !== undefined) {
      const earlier = this.earlierUse(token);
      if (earlier !== undefined && earlier.fingerprint !== fingerprint) {
        throw new DynamoError(400, {
          __type: `${ERROR_PREFIX}IdempotentParameterMismatchException`,
          Message: "The request uses the same client token as a previous, but non-identical request.",
        });
      }
      // A repeat of a committed transaction succeeds without writing again, as in DynamoDB.
      if (earlier?.committed) return {};
      if (earlier) {
        throw new DynamoError(400, {
          __type: `${ERROR_PREFIX}TransactionInProgressException`,
          Message: "A transaction with the given request token is already in progress.",
        });
      }
      this.runningTokens.set(token, fingerprint);
    }
    try {
      await this.commit(actions);
      if (token !== undefined) this.committedTokens.set(token, { fingerprint, at: this.clock() });
      return {};
    } finally {
      if (token !== undefined) this.runningTokens.delete(token);
    }
  }

  private earlierUse(token: string): { fingerprint: string; committed: boolean } | undefined {
    const now = this.clock();
    for (const [oldToken, { at }] of this.committedTokens) {
      if (now - at < TOKEN_LIFETIME_MS) break;
      this.committedTokens.delete(oldToken);
    }
    const committed = this.committedTokens.get(token);
    if (committed) return { fingerprint: committed.fingerprint, committed: true };
    const running = this.runningTokens.get(token);
    return running === undefined ? undefined : { fingerprint: running, committed: false };
  }

  private async locateWrites(items: unknown[]): Promise<WriteAction[]> {
    const parsed = items.map((item, index) => {
      const kinds = isRecord(item) ? writeKinds.filter((kind) => item[kind] != null) : [];
      const kind = kinds[0];
      const spec = isRecord(item) && kind !== undefined ? item[kind] : undefined;
      if (kinds.length !== 1 || kind === undefined || !isRecord(spec)) {
        throw validationError("TransactItems can only contain one of Check, Put, Update or Delete");
      }
      const member = `transactItems.${index + 1}.member.${kind.charAt(0).toLowerCase()}${kind.slice(1)}`;
      const onFailure = spec.ReturnValuesOnConditionCheckFailure;
      if (onFailure != null && onFailure !== "ALL_OLD" && onFailure !== "NONE") {
        throw validationError(
          `1 validation error detected: Value '${String(onFailure)}' at '${member}.returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]`,
        );
      }
      const required =
        kind === "ConditionCheck"
          ? "ConditionExpression"
          : kind === "Update"
            ? "UpdateExpression"
            : undefined;
      if (required && spec[required] == null) {
        throw validationError(
          `1 validation error detected: Value null at '${member}.${required.charAt(0).toLowerCase()}${required.slice(1)}' failed to satisfy constraint: Member must not be null`,
        );
      }
      const shape = actionShapes[kind];
      const request = validateAs(shape.validation, pick(spec, [...shape.fields, ...expressionFields]));
      return { kind, request, returnOldOnFailure: onFailure === "ALL_OLD" };
    });

    return Promise.all(
      parsed.map(async ({ kind, request, returnOldOnFailure }) => {
        const tableName = String(request.TableName);
        const table = await this.describe(tableName);
        const invalid =
          kind === "Put"
            ? dynaliteDb.validateItem(request.Item as Item, table)
            : (dynaliteDb.validateKey(request.Key as Item, table) ??
              (kind === "Update"
                ? dynaliteDb.validateUpdates(undefined, request._updates, table)
                : undefined));
        if (invalid) throw fromDynalite(invalid);
        const key = kind === "Put" ? keyOf(request.Item as Item, table) : (request.Key as Item);
        return {
          kind,
          tableName,
          table,
          request,
          key,
          id: itemId(tableName, key, table),
          returnOldOnFailure,
        };
      }),
    );
  }

  private async commit(actions: WriteAction[]): Promise<void> {
    const claim = this.claims.claimForWrite(actions.map((action) => action.id));
    if ("conflicts" in claim) throw this.conflicted(actions.length, claim.conflicts);
    try {
      await claim.drained;
      await this.afterClaim?.({ operation: "TransactWriteItems", items: claimedItems(actions) });
      const before = await Promise.all(actions.map((action) => this.read(action)));
      const outcomes = await Promise.all(
        actions.map((action, index) => this.evaluate(action, before[index])),
      );
      const reasons = outcomes.map((outcome) => outcome.reason);
      if (reasons.some((reason) => reason.Code !== "None")) throw transactionCanceled(reasons);
      await this.apply(actions, before, outcomes);
      this.afterCommit?.({
        items: actions.flatMap((action, index) => {
          const after = outcomes[index]?.after;
          return after
            ? [{ tableName: action.tableName, item: after as Record<string, AttributeValue> }]
            : [];
        }),
      });
    } finally {
      claim.release();
    }
  }

  /** Decides one action against the item's current state, writing nothing. */
  private async evaluate(
    action: WriteAction,
    current: Item | undefined,
  ): Promise<{ reason: Reason; after?: Item | null }> {
    const failed = dynaliteDb.checkConditional(action.request, current);
    if (failed) {
      return {
        reason: {
          Code: "ConditionalCheckFailed",
          Message: "The conditional request failed",
          ...(action.returnOldOnFailure && current ? { Item: current } : {}),
        },
      };
    }
    const none: Reason = { Code: "None" };
    switch (action.kind) {
      case "ConditionCheck":
        return { reason: none };
      case "Delete":
        return { reason: none, after: null };
      case "Put":
        return { reason: none, after: action.request.Item as Item };
      case "Update":
        try {
          return { reason: none, after: await updatedItem(action, current) };
        } catch (err) {
          if (!(err instanceof DynamoError)) throw err;
          return { reason: { Code: "ValidationError", Message: err.message } };
        }
    }
  }

  /**
   * Writes the decided items, all at once (distinct items: their order does not matter, and the
   * claims are held for less time). Should a write fail, every item this transaction tried to write
   * is put back as it was before (see the file comment for what that cannot hide); a failed write
   * may have been partly done (dynalite writes index entries before the item), so it is restored too.
   */
  private async apply(
    actions: WriteAction[],
    before: (Item | undefined)[],
    outcomes: { after?: Item | null }[],
  ): Promise<void> {
    const writes = actions.flatMap((action, index) => {
      const after = outcomes[index]?.after;
      return after === undefined ? [] : [{ action, after, before: before[index] ?? null }];
    });
    const results = await Promise.allSettled(writes.map(({ action, after }) => this.store(action, after)));
    const failure = results.find((result) => result.status === "rejected");
    if (!failure) return;
    await Promise.all(
      writes.map(({ action, before }) =>
        this.store(action, before).catch((restoreErr: unknown) => {
          console.error(
            "local dynamo: could not undo a transaction write",
            action.tableName,
            action.key,
            restoreErr,
          );
        }),
      ),
    );
    console.error("local dynamo: transaction write failed, undone", failure.reason);
    throw new DynamoError(500, {
      __type: `${ERROR_PREFIX}InternalServerError`,
      message: "Internal server error",
    });
  }

  private async store(action: Located, item: Item | null): Promise<void> {
    if (item === null)
      await callDynalite(this.invoke, "DeleteItem", { TableName: action.tableName, Key: action.key });
    else await callDynalite(this.invoke, "PutItem", { TableName: action.tableName, Item: item });
  }

  private async get(body: Item): Promise<Item> {
    const gets = await Promise.all(
      transactItemsOf(body).map(async (item) => {
        if (!isRecord(item) || !isRecord(item.Get) || Object.keys(item).length !== 1) {
          throw validationError("TransactItems can only contain Get");
        }
        const original = pick(item.Get, [
          "TableName",
          "Key",
          "ProjectionExpression",
          "ExpressionAttributeNames",
        ]);
        const request = validateAs(validation.GetItem, original);
        const tableName = String(request.TableName);
        const table = await this.describe(tableName);
        const key = request.Key as Item;
        const invalid = dynaliteDb.validateKey(key, table);
        if (invalid) throw fromDynalite(invalid);
        return { tableName, request: original, key, id: itemId(tableName, key, table) };
      }),
    );
    rejectDuplicates(gets);

    const claim = this.claims.claimForRead(gets.map((get) => get.id));
    if ("conflicts" in claim) throw this.conflicted(gets.length, claim.conflicts);
    try {
      await this.afterClaim?.({ operation: "TransactGetItems", items: claimedItems(gets) });
      const answers = await Promise.all(
        gets.map((get) => callDynalite(this.invoke, "GetItem", { ...get.request, ConsistentRead: true })),
      );
      return { Responses: answers.map((answer) => (answer.Item ? { Item: answer.Item } : {})) };
    } finally {
      claim.release();
    }
  }

  private conflicted(count: number, conflicts: number[]): DynamoError {
    return transactionCanceled(
      Array.from({ length: count }, (_, index) =>
        conflicts.includes(index) ? conflictReason : { Code: "None" },
      ),
    );
  }

  private async read(action: Located): Promise<Item | undefined> {
    const answer = await callDynalite(this.invoke, "GetItem", {
      TableName: action.tableName,
      Key: action.key,
      ConsistentRead: true,
    });
    return isRecord(answer.Item) ? answer.Item : undefined;
  }

  // Asked every time rather than cached: it is an in-process lookup, and a cache would have to follow
  // tables being deleted and created again.
  private async describe(tableName: string): Promise<DynaliteTable> {
    const answer = await callDynalite(this.invoke, "DescribeTable", { TableName: tableName });
    return answer.Table as DynaliteTable;
  }
}

function claimedItems(actions: Located[]): ClaimedItem[] {
  return actions.map(({ tableName, key }) => ({ tableName, key: key as Record<string, AttributeValue> }));
}

/**
 * The item an Update action produces, computed by dynalite's own UpdateItem code against a stand-in
 * store that holds just the current item and keeps the result instead of writing it (index writes
 * are dropped: the real write later maintains the indexes).
 */
function updatedItem(action: WriteAction, current: Item | undefined): Promise<Item> {
  return new Promise((resolve, reject) => {
    let result: Item | undefined;
    const itemDb = {
      lock: (_key: string, run: (release: (cb: Callback) => Callback) => void) => run((cb) => cb),
      get: (_key: string, cb: Callback) =>
        current
          ? cb(null, structuredClone(current))
          : cb(Object.assign(new Error("absent"), { name: "NotFoundError" })),
      put: (_key: string, item: Item, cb: Callback) => {
        result = item;
        cb(null);
      },
    };
    const indexDb = {
      put: (_key: string, _item: Item, cb: Callback) => cb(null),
      del: (_key: string, cb: Callback) => cb(null),
    };
    const store = {
      options: validationStore.options,
      getTable: (_name: string, cb: Callback) => cb(null, action.table),
      getItemDb: () => itemDb,
      getIndexDb: () => indexDb,
    };
    dynaliteUpdateItem(store, { ...action.request }, (err) => {
      if (isDynaliteError(err)) reject(fromDynalite(err));
      else if (err) reject(err);
      else if (result) resolve(result);
      else reject(new Error("dynalite's UpdateItem wrote no item"));
    });
  });
}

const singleWrites = new Set(["PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"]);

/**
 * dynalite ignores `ReturnValuesOnConditionCheckFailure`; DynamoDB returns the item with a failed
 * condition whenever it exists (so an answer without one means no such item). Made up here for
 * UpdateItem and DeleteItem: the item is read right after the failure, under the same claim.
 */
async function withOldItemOnFailure(invoke: Invoke, rawBody: Buffer, reply: Reply): Promise<Reply> {
  if (reply.status !== 400 || !reply.body.includes("ConditionalCheckFailedException")) return reply;
  const request: unknown = JSON.parse(rawBody.toString("utf8"));
  if (!isRecord(request) || request.ReturnValuesOnConditionCheckFailure !== "ALL_OLD") return reply;
  const answer = await callDynalite(invoke, "GetItem", {
    TableName: request.TableName,
    Key: request.Key,
    ConsistentRead: true,
  });
  if (!isRecord(answer.Item)) return reply;
  const failure: unknown = JSON.parse(reply.body);
  return jsonReply(400, { ...(isRecord(failure) ? failure : {}), Item: answer.Item });
}

/**
 * The endpoint's request listener: transactions answered here, single-item writes checked against
 * the claims, everything else handed to dynalite untouched.
 */
function frontListener(invoke: Invoke, transactions: Transactions): RequestListener {
  const route = async (req: IncomingMessage, body: Buffer): Promise<Reply> => {
    const target = String(req.headers["x-amz-target"] ?? "");
    const operation = target.startsWith(`${API}.`) ? target.slice(API.length + 1) : "";
    const passThrough = () => invoke(req.headers, req.method ?? "GET", req.url ?? "/", body);
    if (req.method !== "POST") return passThrough();
    if (operation === "TransactWriteItems" || operation === "TransactGetItems") {
      return transactions.answer(operation, body);
    }
    if (!singleWrites.has(operation)) return passThrough();
    const release = await transactions.enterSingleWrite(operation, body);
    if (!release) {
      return jsonReply(400, {
        __type: `${ERROR_PREFIX}TransactionConflictException`,
        message: "Transaction is ongoing for the item",
      });
    }
    try {
      const reply = await passThrough();
      return operation === "UpdateItem" || operation === "DeleteItem"
        ? await withOldItemOnFailure(invoke, body, reply)
        : reply;
    } finally {
      release();
    }
  };

  return (req, res) => {
    const chunks: Buffer[] = [];
    // A client that goes away mid-request must not bring the whole local runtime down.
    req.on("error", () => res.destroy());
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      route(req, Buffer.concat(chunks))
        .catch((err: unknown) => {
          console.error("local dynamo: request failed", err);
          return jsonReply(500, {
            __type: `${ERROR_PREFIX}InternalServerError`,
            message: "Internal server error",
          });
        })
        .then((reply) => {
          res.writeHead(reply.status, reply.headers);
          res.end(reply.body);
        });
    });
  };
}

/** CreateTable input for a shared definition: string keys, INCLUDE-projected GSIs, on demand. */
function createTableInput({ definition, name }: LocalTable): CreateTableCommandInput {
  const keyAttributes = [
    definition.partitionKey,
    definition.sortKey,
    ...definition.indexes.flatMap((index) => [index.partitionKey, index.sortKey]),
  ].filter((attribute) => attribute !== undefined);
  return {
    TableName: name,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [...new Set(keyAttributes)].map((attribute) => ({
      AttributeName: attribute,
      AttributeType: "S",
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

/** Creates the tables that do not exist yet and waits until every one is ACTIVE. */
async function createMissingTables(client: DynamoDBClient, tables: readonly LocalTable[]): Promise<void> {
  for (const table of tables) {
    try {
      await client.send(new CreateTableCommand(createTableInput(table)));
    } catch (err) {
      // Already there: a restart on a data dir keeps its tables and their items.
      if (!(err instanceof Error && err.name === "ResourceInUseException")) throw err;
    }
  }
  const deadline = Date.now() + TABLE_ACTIVE_TIMEOUT_MS;
  for (const { name } of tables) {
    for (;;) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
      const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every(
        (index) => index.IndexStatus === "ACTIVE",
      );
      if (Table?.TableStatus === "ACTIVE" && indexesActive) break;
      if (Date.now() > deadline) throw new Error(`local dynamo: table ${name} did not become ACTIVE`);
      // dynalite flips the status on a zero-delay timer (createTableMs: 0): a short poll suffices.
      await delay(5);
    }
  }
}

/**
 * Deletes the items of one table whose TTL is a number of epoch seconds at or before `now`. Each
 * delete repeats the expiry test as its condition, so an item given a later TTL since the scan stays;
 * an item inside an ongoing transaction is left for the next sweep.
 */
async function sweepTable(
  client: DynamoDBClient,
  { definition, name }: LocalTable,
  now: number,
): Promise<number> {
  const keyNames = [definition.partitionKey, definition.sortKey].filter(
    (attribute) => attribute !== undefined,
  );
  const names: Record<string, string> = { "#ttl": definition.ttlAttribute };
  for (const [index, keyName] of keyNames.entries()) names[`#k${index}`] = keyName;
  const expired = "#ttl <= :now";
  const values = { ":now": { N: String(now) } };
  let deleted = 0;
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: name,
        ConsistentRead: true,
        FilterExpression: expired,
        ProjectionExpression: Object.keys(names).join(", "),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      try {
        await client.send(
          new DeleteItemCommand({
            TableName: name,
            Key: Object.fromEntries(keyNames.map((keyName) => [keyName, item[keyName] as AttributeValue])),
            ConditionExpression: expired,
            ExpressionAttributeNames: { "#ttl": definition.ttlAttribute },
            ExpressionAttributeValues: values,
          }),
        );
        deleted++;
      } catch (err) {
        const code = err instanceof Error ? err.name : "";
        if (code !== "ConditionalCheckFailedException" && code !== "TransactionConflictException") throw err;
      }
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return deleted;
}

/**
 * Starts dynalite in-process on 127.0.0.1 (ephemeral port), in memory or in `dataDir`, with
 * transactions and TTL deletion added (see the file comment), and creates the missing tables.
 */
export async function startLocalDynamo(options: LocalDynamoOptions): Promise<LocalDynamo> {
  const clock = options.clock ?? Date.now;
  if (options.dataDir !== undefined) await mkdir(options.dataDir, { recursive: true });
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
    frontListener(invoke, new Transactions(invoke, clock, options.afterClaim, options.afterCommit)),
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
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
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
