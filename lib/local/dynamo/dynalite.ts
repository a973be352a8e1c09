/** The parts of dynalite this project calls directly, typed with just what it uses. */
import type { Server } from "node:http";
import { createRequire } from "node:module";
import { type DynaliteError, fromDynalite, isDynaliteError } from "./wire";

// dynalite ships no type declarations, and a declaration file is not ours to add here: its CommonJS
// modules are loaded with `require` and typed below with just what this file uses.
export const requireCjs = createRequire(import.meta.url);

/** dynalite's view of a table (DescribeTable's `Table`); opaque here but for the key schema. */
export interface DynaliteTable {
  KeySchema: { AttributeName: string }[];
}

export type Item = Record<string, unknown>;
export type Callback = (err: unknown, result?: unknown) => void;

export interface DynaliteDb {
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

export interface DynaliteValidations {
  checkTypes(request: Item, types: object): Item;
  checkValidations(request: Item, types: object, custom: unknown, store: object): void;
}

export interface OperationValidation {
  types: object;
  custom: unknown;
}

export type DynaliteAction = (store: object, request: Item, cb: Callback) => void;

export const dynalite = requireCjs("dynalite") as (options: object) => Server;
export const dynaliteDb = requireCjs("dynalite/db") as DynaliteDb;
export const dynaliteValidations = requireCjs("dynalite/validations") as DynaliteValidations;
export const dynaliteUpdateItem = requireCjs("dynalite/actions/updateItem") as DynaliteAction;
export const validation = {
  PutItem: requireCjs("dynalite/validations/putItem") as OperationValidation,
  UpdateItem: requireCjs("dynalite/validations/updateItem") as OperationValidation,
  DeleteItem: requireCjs("dynalite/validations/deleteItem") as OperationValidation,
  GetItem: requireCjs("dynalite/validations/getItem") as OperationValidation,
};
// The only part of dynalite's store its validations read (PutItem's item-size check).
export const validationStore = { options: { maxItemSize: dynaliteDb.MAX_SIZE } };

/** Runs dynalite's own validation of a single-item request; returns the parsed request. */
export function validateAs(operation: OperationValidation, request: Item): Item {
  try {
    const parsed = dynaliteValidations.checkTypes({ ...request }, operation.types);
    dynaliteValidations.checkValidations(parsed, operation.types, operation.custom, validationStore);
    return parsed;
  } catch (err) {
    if (isDynaliteError(err)) throw fromDynalite(err);
    throw err;
  }
}

export function keyOf(item: Item, table: DynaliteTable): Item {
  return Object.fromEntries(table.KeySchema.map(({ AttributeName }) => [AttributeName, item[AttributeName]]));
}

export function itemId(tableName: string, key: Item, table: DynaliteTable): string {
  return `${tableName}\u0000${dynaliteDb.createKey(key, table)}`;
}

/**
 * The item an Update action produces, computed by dynalite's own UpdateItem code against a stand-in
 * store that holds just the current item and keeps the result instead of writing it (index writes
 * are dropped: the real write later maintains the indexes).
 */
export function updatedItem(
  action: { table: DynaliteTable; request: Item },
  current: Item | undefined,
): Promise<Item> {
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
