import { createHash } from "node:crypto";
import type { Label, ReportedToken, TokenLabel } from "../../contract/schemas/secret-scanning";
import { findKeyByToken } from "../key-management/get-key";
import type { KeyServiceDeps } from "../key-management/key-store";
import { revokeKey } from "../key-management/revoke-key";
import { deleteSecretOfRevoked } from "../shared/api-keys/key-secrets";

/**
 * Leaked-key reports in GitHub's secret scanning partner format (API.md §8). Each reported token that
 * is a Fynex key still live is revoked at once, with a `key.leak_reported` audit event holding the
 * report's `url` and `source`, never the token. The id is derived from the token, so no scan is
 * needed: a malformed token costs nothing, a well-formed one a single strongly consistent read.
 *
 * The answer follows GitHub's false-positive feedback format with `token_hash` (SHA-256 hex of the
 * token), never `token_raw`: a response must not carry a live credential back over the wire.
 */

/** The actor of every change a report makes (API.md §5). */
export const SECRET_SCANNING_ACTOR = "secret-scanning";

/** The key service's dependencies; with the Secrets Manager hook on, a revoked key's copy is deleted too. */
export type LeakReportDeps = KeyServiceDeps;

/** What a report did, for the log line (counts only: nothing that could identify a token). */
export interface ReportSummary {
  reported: number;
  truePositives: number;
  revoked: number;
}

/** Reads and revokes this many tokens at a time: a report of 1000 live keys fits well within the timeout. */
const CONCURRENCY = 16;

const sha256Hex = (token: string) => createHash("sha256").update(token, "utf8").digest("hex");

/** Labels every match of a report, in order, revoking each live Fynex key it names. */
export async function handleLeakReport(
  deps: LeakReportDeps,
  report: ReportedToken[],
): Promise<{ labels: TokenLabel[]; summary: ReportSummary }> {
  // A token reported twice (two files of one commit) is judged and revoked once.
  const verdicts = new Map<string, Promise<Verdict>>();
  const distinct = [...new Map(report.map((entry) => [entry.token, entry])).values()];
  await eachLimited(distinct, CONCURRENCY, async (entry) => {
    const verdict = judge(deps, entry);
    verdicts.set(entry.token, verdict);
    await verdict;
  });
  const labels: TokenLabel[] = [];
  for (const entry of report) {
    const verdict = await (verdicts.get(entry.token) as Promise<Verdict>);
    labels.push({ token_hash: sha256Hex(entry.token), token_type: entry.type, label: verdict.label });
  }
  const all = await Promise.all(verdicts.values());
  return {
    labels,
    summary: {
      reported: report.length,
      truePositives: all.filter((verdict) => verdict.label === "true_positive").length,
      revoked: all.filter((verdict) => verdict.revoked).length,
    },
  };
}

interface Verdict {
  label: Label;
  revoked: boolean;
}

const FALSE_POSITIVE: Verdict = { label: "false_positive", revoked: false };

/**
 * `true_positive` when Fynex issued the token (its item exists with the same full hash), live or not;
 * a live one is revoked now, through the key service's revoke: one transaction with its
 * `key.leak_reported` event (`changes`: the report's `url` and `source`, and `revokedAt`), retried on
 * conflicts with concurrent writes (an attacker hammering the key). Anything else (not a Fynex key, a
 * bad checksum, never issued) is `false_positive`; so is a key gone by TTL (dead for 90 days).
 * A dead key (revoked, or expired) is left as it is: it no longer works.
 */
async function judge(deps: LeakReportDeps, entry: ReportedToken): Promise<Verdict> {
  const found = await findKeyByToken(deps, entry.token);
  if (!found) return FALSE_POSITIVE;
  if (found.status !== "active") return { label: "true_positive", revoked: false };
  const outcome = await revokeKey(deps, found.orgId, found.id, SECRET_SCANNING_ACTOR, {
    eventType: "key.leak_reported",
    changes: { url: entry.url, source: entry.source },
    // This function's IAM lets it touch only what a revocation writes (docs/DECISIONS.md #206).
    narrowCondition: true,
  });
  // Busy past every retry, the key service throws `storeBusy()`: a 503, and GitHub sends the report again.
  if (!outcome.ok) return { label: "true_positive", revoked: false };
  // A failure here is logged, never the report's: the key is revoked, the copy holds a dead key.
  await deleteSecretOfRevoked(deps.secrets, { orgId: found.orgId, keyId: found.id }, false);
  return { label: "true_positive", revoked: true };
}

/** Runs `work` over `items`, at most `limit` at a time; the first failure fails the whole. */
async function eachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
