import {
  type ImportResult,
  type ImportRow,
  type ImportRowResult,
  importRowSchema,
} from "../../contract/schemas/import";
import {
  accountIdByRef,
  createAccount,
  findAccount,
  patched,
  writeAccountUpdate,
} from "../accounts/account-store";
import type { DataDeps } from "../shared/dynamo/data-store";
import { DEFAULT_RETRY, pause, transact } from "../shared/dynamo/transact";
import { formatPath, problemsOf } from "../shared/field-problems";
import { newId } from "../shared/ids";
import { errorFields, log } from "../shared/observability/log";
import { eventItems } from "../shared/outbox-events";
import { OutageError } from "../shared/outcome";
import { ID_PREFIX } from "../shared/resource-ids";

/** Rows written at once. Each is a small transaction; more would only queue at DynamoDB. */
export const IMPORT_CONCURRENCY = 8;

type RowOutcome = Omit<ImportRowResult, "index">;

/** A valid row, its position, and the id its account gets should the row create one. */
interface PlannedRow {
  index: number;
  row: ImportRow;
  id: string;
}

/** Why a row failed: where in the row (`currency`, or `row` for the row as a whole), and what. */
type RowError = NonNullable<ImportRowResult["errors"]>[number];

const failed = (errors: RowError[]): RowOutcome => ({ status: "failed", errors });

/** A row's problems, paths relative to the row; the row as a whole is `row`. */
function rowProblems(issues: Parameters<typeof problemsOf>[0]): RowError[] {
  return problemsOf(issues).map((problem) => {
    const path = formatPath(problem.path);
    return path === ""
      ? { path: "row", message: "Must be an object of account fields." }
      : { path, message: problem.message };
  });
}

/**
 * Creates the row's account, or, when the org already has an account with the row's `externalRef`,
 * updates its name. Each step is one small transaction (account, ref guard, interaction); losing a
 * race for the ref (a concurrent create or import) turns into an update of the winner's account.
 */
async function applyRow(
  deps: DataDeps,
  orgId: string,
  { row, id }: PlannedRow,
  nowMs: number,
): Promise<RowOutcome> {
  const ref = row.externalRef;
  if (ref === undefined) {
    const created = await createAccount(deps, orgId, row, nowMs, id);
    // Without a ref nothing can conflict: a failure here would be a bug.
    if (!created.ok) throw new Error(`creating an account without a ref failed: ${created.failure.kind}`);
    return { status: "created", id: created.value.id };
  }
  // Re-read when a concurrent writer (another import, a create, a PATCH) got in first.
  const policy = deps.retry ?? DEFAULT_RETRY;
  for (let attempt = 0; attempt < policy.attempts; attempt++) {
    if (attempt > 0) await pause(policy, attempt - 1);
    const existingId = await accountIdByRef(deps, orgId, ref);
    if (existingId === undefined) {
      const created = await createAccount(deps, orgId, row, nowMs, id);
      if (created.ok) return { status: "created", id: created.value.id };
      // Another writer took the ref since it was read: read again (its account, this time).
      continue;
    }
    const account = await findAccount(deps, orgId, existingId);
    // The ref moved to another account (or away) between the two reads: read again.
    if (!account || account.externalRef !== ref) continue;
    if (account.currency !== row.currency) {
      return {
        ...failed([
          {
            path: "currency",
            message: `The account with this externalRef holds ${account.currency}; an account's currency never changes.`,
          },
        ]),
        id: account.id,
      };
    }
    const next = patched(account, { name: row.name }, nowMs);
    if (next === account) return { status: "updated", id: account.id };
    const outcome = await writeAccountUpdate(deps, orgId, account, next, nowMs);
    if (outcome === "written") return { status: "updated", id: account.id };
  }
  return failed([{ path: "row", message: "Other writes kept changing this account; import the row again." }]);
}

/** The row's outcome, whatever happens: a storage failure fails the row, not the rows around it. */
async function settleRow(
  deps: DataDeps,
  orgId: string,
  planned: PlannedRow,
  nowMs: number,
): Promise<RowOutcome> {
  try {
    return await applyRow(deps, orgId, planned, nowMs);
  } catch (error) {
    // A busy store is expected under load; anything else is a bug or a storage failure, logged.
    if (!(error instanceof OutageError)) {
      log("error", "import row failed", { orgId, index: planned.index, ...errorFields(error) });
    }
    return failed([{ path: "row", message: "The row could not be saved just now; import it again." }]);
  }
}

/** Runs `tasks` with at most `limit` at a time, each started in order. */
async function inPool(tasks: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const task = tasks[next++];
      if (task) await task();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}

/**
 * Imports rows (API.md §6): each row validated on its own (bad rows are named, good rows kept),
 * then applied with bounded concurrency. Rows sharing an `externalRef` form one lane applied in row
 * order, so a later row of the file wins, as it would applied one by one; rows without a ref are
 * independent creates. Ends with one org-level `import.completed` interaction holding the summary.
 */
export async function importAccounts(
  deps: DataDeps,
  orgId: string,
  rows: readonly unknown[],
  nowMs: number,
  concurrency: number = IMPORT_CONCURRENCY,
): Promise<ImportResult> {
  const outcomes: RowOutcome[] = new Array(rows.length);
  const lanes = new Map<string, PlannedRow[]>();
  const independent: PlannedRow[] = [];
  rows.forEach((raw, index) => {
    const parsed = importRowSchema.safeParse(raw);
    if (!parsed.success) {
      outcomes[index] = failed(rowProblems(parsed.error.issues));
      return;
    }
    // Ids made here, in row order, so the accounts an import creates list in row order.
    const planned = { index, row: parsed.data, id: newId(ID_PREFIX.account, nowMs) };
    const ref = parsed.data.externalRef;
    if (ref === undefined) independent.push(planned);
    else {
      const lane = lanes.get(ref);
      if (lane) lane.push(planned);
      else lanes.set(ref, [planned]);
    }
  });

  const work = [...lanes.values(), ...independent.map((entry) => [entry])].sort(
    (a, b) => (a[0]?.index ?? 0) - (b[0]?.index ?? 0),
  );
  await inPool(
    work.map((lane) => async () => {
      for (const planned of lane) outcomes[planned.index] = await settleRow(deps, orgId, planned, nowMs);
    }),
    concurrency,
  );

  const results: ImportRowResult[] = outcomes.map((outcome, index) => ({ index, ...outcome }));
  const count = (status: ImportRowResult["status"]) =>
    results.filter((result) => result.status === status).length;
  const summary = {
    received: rows.length,
    created: count("created"),
    updated: count("updated"),
    failed: count("failed"),
  };
  // Puts without conditions: only a transient cancellation could stop it, and that is retried or thrown.
  await transact(
    deps.db,
    eventItems(deps.table, orgId, { type: "import.completed", accountId: null, data: summary, at: nowMs }),
    deps.retry,
  );
  return { summary, results };
}
