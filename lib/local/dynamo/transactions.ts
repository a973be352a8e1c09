import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { ItemClaims } from "./claims";
import {
  type DynaliteTable,
  dynaliteDb,
  type Item,
  itemId,
  keyOf,
  updatedItem,
  validateAs,
  validation,
} from "./dynalite";
import {
  actionShapes,
  claimedItems,
  conflictReason,
  expressionFields,
  type Located,
  pick,
  type Reason,
  rejectDuplicates,
  transactItemsOf,
  transactionCanceled,
  type WriteAction,
  writeKinds,
} from "./transaction-actions";
import type { LocalDynamoOptions } from "./types";
import {
  callDynalite,
  DynamoError,
  ERROR_PREFIX,
  fromDynalite,
  type Invoke,
  isRecord,
  jsonReply,
  type Reply,
  validationError,
} from "./wire";

export const TOKEN_LIFETIME_MS = 10 * 60 * 1000;

/** The transaction operations, over dynalite's single-item ones. */
export class Transactions {
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
