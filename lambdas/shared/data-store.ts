import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { documentClient } from "./document-client";
import { requireTable, runtime } from "./runtime";
import { DEFAULT_RETRY, type RetryPolicy } from "./transact";

/** What the business stores need: the document client, the data table, and how conflicts are retried. */
export interface DataDeps {
  db: DynamoDBDocumentClient;
  table: string;
  retry?: RetryPolicy;
}

/** The data-table dependencies from the runtime (deployed: the environment; locally and in tests: injected). */
export function dataDeps(): DataDeps {
  const current = runtime();
  return {
    db: documentClient(),
    table: requireTable(current.settings.dataTable, "DATA_TABLE_NAME"),
    retry: current.retry ?? DEFAULT_RETRY,
  };
}

/** An instant as the API writes it: ISO 8601 UTC with milliseconds. */
export const isoAt = (ms: number) => new Date(ms).toISOString();
