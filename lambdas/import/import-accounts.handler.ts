import { importAccountsRoute } from "../../contract/routes/import";
import { importEnvelopeSchema } from "../../contract/schemas/import";
import { apiRoute } from "../shared/http/api-route";
import { validationError } from "../shared/http/errors";
import { validate } from "../shared/http/validation";
import { ok } from "../shared/outcome";
import { runtimeFromEnvironment } from "../shared/runtime";
import { csvRows } from "./csv-rows";
import { importAccounts } from "./import-service";

const CSV = "text/csv";

/** The rows of a JSON body `{accounts: [...]}`: 400 unless it is that object with 1 to 1000 rows. */
function jsonRows(text: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw validationError([{ path: "body", message: "The body is not valid JSON." }]);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw validationError([{ path: "body", message: "A JSON object body is required." }]);
  }
  return validate(importEnvelopeSchema, parsed).accounts;
}

/**
 * `POST /api/v1/import/accounts` (import): creates or updates (by `externalRef`) 1 to 1000 accounts
 * from JSON `{accounts: [...]}` or `text/csv`, and answers 200 with a result per row.
 */
export const createHandler = apiRoute(importAccountsRoute, async ({ auth, raw, now, deps }) => {
  if (!raw) throw new Error("raw body missing: the route declares a raw body");
  const rows = raw.mediaType === CSV ? csvRows(raw.text) : ok(jsonRows(raw.text));
  if (!rows.ok) return rows;
  return { statusCode: 200, body: await importAccounts(deps, auth.orgId, rows.value, now) };
});

/** The Lambda entry point: built once, when the function starts, from its environment. */
export const handler = createHandler(runtimeFromEnvironment(process.env));
