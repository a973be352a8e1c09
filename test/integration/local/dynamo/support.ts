import { setTimeout as delay } from "node:timers/promises";
import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll } from "vitest";
import { DATA_TABLE, KEYS_TABLE } from "../../../../contract/tables";
import {
  type ClaimedItem,
  type LocalDynamo,
  type LocalDynamoOptions,
  startLocalDynamo,
} from "../../../../lib/local/dynamo";

export const KEYS = "test-keys";
export const DATA = "test-data";
export const tables = [
  { definition: KEYS_TABLE, name: KEYS },
  { definition: DATA_TABLE, name: DATA },
];

export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

export function touches(items: ClaimedItem[], pk: string, sk: string): boolean {
  return items.some(({ key }) => key.pk?.S === pk && key.sk?.S === sk);
}

/** What the application's handlers do with TransactionConflict: retry with full-jitter backoff. */
export async function retryOnConflict<T>(send: () => Promise<T>, onConflict: () => void): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (err) {
      const conflict =
        err instanceof TransactionCanceledException &&
        (err.CancellationReasons ?? []).some((reason) => reason.Code === "TransactionConflict");
      if (!conflict || attempt >= 200) throw err;
      onConflict();
      await delay(Math.random() * Math.min(200, 5 * 2 ** attempt));
    }
  }
}

/**
 * One embedded DynamoDB for a test file, started before its tests and closed after: its clock
 * (`now`, set by the tests) and its `afterClaim` hook (set by a test, cleared by the hook) are the
 * suite's fields.
 */
export function localDynamoSuite() {
  const suite = {
    local: undefined as unknown as LocalDynamo,
    doc: undefined as unknown as DynamoDBDocumentClient,
    now: 1_700_000_000_000,
    afterClaim: undefined as LocalDynamoOptions["afterClaim"],
    /** The data table's item, read consistently. */
    async getData(pk: string, sk: string): Promise<Record<string, unknown> | undefined> {
      const { Item } = await suite.doc.send(
        new GetCommand({ TableName: DATA, Key: { pk, sk }, ConsistentRead: true }),
      );
      return Item;
    },
  };
  beforeAll(async () => {
    suite.local = await startLocalDynamo({
      tables,
      clock: () => suite.now,
      afterClaim: (event) => suite.afterClaim?.(event),
    });
    suite.doc = DynamoDBDocumentClient.from(suite.local.client);
  });
  afterAll(async () => {
    await suite.local?.close();
  });
  return suite;
}
