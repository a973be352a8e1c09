import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { type DynaliteTable, dynaliteDb, keyOf } from "./dynalite";
import { callDynalite, type Invoke, isRecord, type Reply } from "./wire";

type Image = Record<string, AttributeValue>;

/**
 * One single-item write to a followed table, with the item before and after it: what a DynamoDB
 * stream of view type NEW_AND_OLD_IMAGES records.
 */
export interface ItemChange {
  tableName: string;
  eventName: "INSERT" | "MODIFY" | "REMOVE";
  keys: Image;
  oldImage?: Image;
  newImage?: Image;
}

const FOLLOWED_WRITES = new Set(["PutItem", "UpdateItem", "DeleteItem"]);

/**
 * The local stand-in for a table's stream with old and new images, for single-item writes (PutItem,
 * UpdateItem, DeleteItem) to the followed tables. Each such write runs between a consistent read of
 * the item before and one after, one write per item at a time (dynalite applies writes atomically but
 * tells nothing of the images), and a write that changed the item is reported in the order the item
 * took them, as a stream shard orders an item's records. Writes of transactions and BatchWriteItem are
 * not reported: nothing that writes the followed tables that way changes a key's window.
 */
export class ChangeFeed {
  private readonly tables = new Map<string, Promise<DynaliteTable>>();
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly invoke: Invoke,
    private readonly followed: ReadonlySet<string>,
    private readonly onChange: (change: ItemChange) => void,
  ) {}

  /** Runs `write` (the request as dynalite answers it) with the item's images around it when followed. */
  around(operation: string, body: unknown, write: () => Promise<Reply>): Promise<Reply> {
    if (!FOLLOWED_WRITES.has(operation) || !isRecord(body)) return write();
    const tableName = String(body.TableName);
    if (!this.followed.has(tableName)) return write();
    const run = async (): Promise<Reply> => {
      const table = await this.table(tableName);
      const keys = (
        operation === "PutItem" && isRecord(body.Item) ? keyOf(body.Item, table) : body.Key
      ) as Image;
      const id = dynaliteDb.createKey(keys, table);
      const previous = this.queues.get(id) ?? Promise.resolve();
      const turn = previous.then(async () => {
        const oldImage = await this.read(tableName, keys);
        const reply = await write();
        if (reply.status === 200) {
          const newImage = await this.read(tableName, keys);
          const eventName = !oldImage ? "INSERT" : newImage ? "MODIFY" : "REMOVE";
          if (oldImage || newImage) this.onChange({ tableName, eventName, keys, oldImage, newImage });
        }
        return reply;
      });
      const settled = turn.catch(() => undefined);
      this.queues.set(id, settled);
      void settled.then(() => {
        if (this.queues.get(id) === settled) this.queues.delete(id);
      });
      return turn;
    };
    return run();
  }

  private table(tableName: string): Promise<DynaliteTable> {
    let table = this.tables.get(tableName);
    if (!table) {
      table = callDynalite(this.invoke, "DescribeTable", { TableName: tableName }).then(
        (described) => described.Table as unknown as DynaliteTable,
      );
      this.tables.set(tableName, table);
    }
    return table;
  }

  private async read(tableName: string, keys: Image): Promise<Image | undefined> {
    const { Item } = await callDynalite(this.invoke, "GetItem", {
      TableName: tableName,
      Key: keys,
      ConsistentRead: true,
    });
    return isRecord(Item) ? (Item as Image) : undefined;
  }
}
