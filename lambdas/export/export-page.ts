import { SK_PREFIX } from "../../contract/data-items";
import { accountFields, type ExportFormat, interactionFields } from "../../contract/schemas/export";
import * as z from "../../contract/zod";
import { decodeCursor, encodeCursor, invalidCursor, isListPosition } from "../shared/dynamo/cursor";
import { newId } from "../shared/ids";
import { type Outcome, ok } from "../shared/outcome";
import { CONTENT_TYPES, pageWriter } from "./export-format";
import { type ExportStoreDeps, readExportRange } from "./export-store";

/** At most this many records in one export response (API.md §6). */
export const MAX_EXPORT_RECORDS = 5000;

/**
 * At most this many bytes of body in one response, as Lambda counts them (the body JSON-escaped inside
 * the proxy result), well under its 6 MB response limit: records are small, but an interaction's
 * `data` is whatever the resource was, so a page ends early rather than fail.
 */
export const MAX_EXPORT_BYTES = 4 * 1024 * 1024;

/** With `?accountId=`, a page reads at most this many interactions before it hands out a cursor. */
export const MAX_EXPORT_EVALUATED = 20_000;

export type ExportKind = "accounts" | "interactions";

export interface ExportRequest {
  kind: ExportKind;
  format: ExportFormat;
  cursor?: string;
  /** Epoch ms, inclusive (interactions). */
  since?: number;
  /** Only this account's interactions. */
  accountId?: string;
}

export interface ExportPage {
  contentType: string;
  content: string;
  /** Where the next page starts, when records remain. */
  nextCursor: string | null;
  records: number;
}

const KINDS = {
  accounts: { prefix: SK_PREFIX.account, fields: accountFields as () => readonly string[] },
  interactions: { prefix: SK_PREFIX.interaction, fields: interactionFields as () => readonly string[] },
};

/** The smallest interaction sort key of an instant: its id's time part, then the least random part. */
export function interactionKeyAt(ms: number): string {
  return `${SK_PREFIX.interaction}${newId("int", ms, new Uint8Array(10))}`;
}

/**
 * A cursor names the last record handed out and the filters of the export it belongs to, bound to the
 * org by the cursor codec: a cursor of another org, of the other export, or of other filters is
 * invalid input, never a page of someone else's data. (`format` may change between pages: the records
 * are the same.)
 */
const positionSchema = z.lazySchema(() =>
  z.strictObject({
    sk: z.string().check(z.maxLength(256)),
    since: z.optional(z.string().check(z.maxLength(64))),
    accountId: z.optional(z.string().check(z.maxLength(64))),
  }),
);

function positionOf(request: ExportRequest, sk: string): Record<string, string> {
  return {
    sk,
    ...(request.since === undefined ? {} : { since: String(request.since) }),
    ...(request.accountId === undefined ? {} : { accountId: request.accountId }),
  };
}

/** Where the page resumes: after the sort key the request's cursor names (none without one). */
function resumeKey(
  request: ExportRequest,
  orgId: string,
  from: string | undefined,
): Outcome<string | undefined> {
  if (request.cursor === undefined) return ok(undefined);
  const position = decodeCursor(request.cursor, orgId, positionSchema);
  if (position === undefined) return invalidCursor("export");
  const sameExport =
    isListPosition(position.sk, KINDS[request.kind].prefix) &&
    (from === undefined || position.sk >= from) &&
    position.since === (request.since === undefined ? undefined : String(request.since)) &&
    position.accountId === request.accountId;
  return sameExport ? ok(position.sk) : invalidCursor("export");
}

/**
 * One page of an export: up to `MAX_EXPORT_RECORDS` records (fewer when the byte budget or a sparse
 * filter ends it early), oldest first, serialised in the requested format.
 */
export async function exportPage(
  deps: ExportStoreDeps,
  orgId: string,
  request: ExportRequest,
  limits = { records: MAX_EXPORT_RECORDS, bytes: MAX_EXPORT_BYTES, evaluated: MAX_EXPORT_EVALUATED },
): Promise<Outcome<ExportPage>> {
  const { prefix, fields } = KINDS[request.kind];
  const from = request.since === undefined ? undefined : interactionKeyAt(request.since);
  const after = resumeKey(request, orgId, from);
  if (!after.ok) return after;
  const read = await readExportRange(
    deps,
    orgId,
    { prefix, from, accountId: request.accountId },
    { after: after.value, max: limits.records, maxEvaluated: limits.evaluated },
  );

  const writer = pageWriter(request.format, fields());
  const rows: string[] = [];
  let bytes = 0;
  let resumeAfter = read.resumeAfter;
  for (const item of read.items) {
    const row = writer.row(item);
    // The body travels JSON-escaped inside the proxy result: count it as Lambda will.
    bytes += Buffer.byteLength(JSON.stringify(row)) - 2;
    if (bytes > limits.bytes && rows.length > 0) {
      resumeAfter = String(read.items[rows.length - 1]?.sk);
      break;
    }
    rows.push(row);
  }
  return ok({
    contentType: CONTENT_TYPES[request.format],
    content: writer.wrap(rows),
    nextCursor: resumeAfter === null ? null : encodeCursor(orgId, positionOf(request, resumeAfter)),
    records: rows.length,
  });
}
