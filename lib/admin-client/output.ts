import type { AuditEvent, KeyPolicy, KeyRecord, Page, RotatedKey } from "../../contract/api-types";
import { type AdminReply, apiErrorOf } from "./admin-client";
import { terminalSafe, terminalSafeDeep, terminalSafeJson } from "./terminal-text";

/** Where the CLI writes: standard output (what scripts capture) and standard error (for people). */
export interface Writers {
  out(text: string): void;
  err(text: string): void;
}

/** What the admin API answers for a key (the create and rotate answers add `key`, `replaces`, `secretArn`). */
type KeyAnswer = KeyRecord & Partial<Omit<RotatedKey, keyof KeyRecord>>;

const show = (value: string | null | undefined, absent = "-") => value ?? absent;

function recordLines(record: KeyAnswer): string[] {
  const rows: [string, string][] = [
    ["id", record.id],
    ["org", record.orgId],
    ["name", record.name],
    ["status", record.status],
    ["scopes", record.scopes.join(", ")],
    ["hint", record.hint],
    ["created", `${record.createdAt} by ${record.createdBy}`],
    ["expires", show(record.expiresAt, "never")],
    ["revoked", show(record.revokedAt)],
    ["last used", show(record.lastUsedAt, "never")],
    ["rate limit", `${record.rateLimit.limit} per ${record.rateLimit.windowSeconds} s`],
    ["allowed IPs", record.allowedIps ? record.allowedIps.join(", ") : "any"],
    ["replaced by", show(record.replacedBy)],
    ["usage", `${record.usage.count} since ${record.usage.windowStart}`],
  ];
  if (record.replaces) rows.push(["replaces", record.replaces]);
  if (record.secretArn) rows.push(["secret", record.secretArn]);
  return rows.map(([label, value]) => `${label.padEnd(12)}${value}`);
}

/** An org's key policy (API.md §12) as labelled lines. */
function policyLines(policy: KeyPolicy): string[] {
  const days = (value: number | null, absent: string) => (value === null ? absent : `${value} days`);
  const rows: [string, string][] = [
    ["max lifetime", days(policy.maxLifetimeDays, "none")],
    ["scopes", policy.allowedScopes ? policy.allowedScopes.join(", ") : "any"],
    ["allowlist", policy.requireAllowlist ? "required" : "optional"],
    ["rotate after", days(policy.rotateAfterDays, "never (no reminders)")],
    [
      "updated",
      policy.updatedAt ? `${policy.updatedAt} by ${show(policy.updatedBy)}` : "never (the defaults)",
    ],
  ];
  return rows.map(([label, value]) => `${label.padEnd(14)}${value}`);
}

function table(headers: string[], rows: string[][]): string[] {
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...rows.map((row) => (row[i] ?? "").length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)];
}

/**
 * Prints an admin API answer for a person: a record as labelled lines, lists as tables. A new key goes
 * to `out` alone (so `KEY=$(npx fynex-keys create ...)` captures it), everything else of a create or a
 * rotation to `err`. Every string of the answer is made terminal-safe first (API.md §4): a name, an
 * actor or a cursor can hold nothing that acts on the operator's terminal.
 */
export function printHuman(
  { out, err }: Writers,
  command: string,
  answer: unknown,
  cursor: string | null,
): void {
  const body = terminalSafeDeep(answer);
  const nextCursor = cursor === null ? null : terminalSafe(cursor);
  switch (command) {
    case "create":
    case "rotate": {
      const record = body as KeyAnswer;
      for (const line of recordLines(record)) err(line);
      err(`\nThe new key, shown this once (store it now; it cannot be shown again):`);
      out(record.key ?? "");
      return;
    }
    case "list": {
      const items = (body as Page<KeyAnswer>).items;
      const rows = items.map((k) => [
        k.id,
        k.status,
        k.name,
        k.scopes.join(","),
        k.createdAt,
        show(k.expiresAt, "never"),
      ]);
      for (const line of table(["ID", "STATUS", "NAME", "SCOPES", "CREATED", "EXPIRES"], rows)) out(line);
      break;
    }
    case "audit": {
      const items = (body as Page<AuditEvent>).items;
      const rows = items.map((e) => [
        e.at,
        e.type,
        show(e.keyId, "-"),
        e.claimedActor ? `${e.actor} (claims ${e.claimedActor})` : e.actor,
        JSON.stringify(e.changes),
      ]);
      for (const line of table(["AT", "TYPE", "KEY", "ACTOR", "CHANGES"], rows)) out(line);
      break;
    }
    case "policy":
      for (const line of policyLines(body as KeyPolicy)) out(line);
      break;
    default:
      for (const line of recordLines(body as KeyAnswer)) out(line);
  }
  if (nextCursor) err(`More: add --cursor ${nextCursor} (or --all)`);
}

/** Prints an API answer as JSON for scripts (`--json`), terminal-safe and parsing back to the answer. */
export function printJson({ out }: Writers, body: unknown): void {
  out(terminalSafeJson(body ?? null));
}

/** Prints a refused call: the API's message and details on `err` (the envelope on `out` with `--json`). */
export function printFailure(
  writers: Writers,
  reply: Pick<AdminReply, "status" | "body">,
  options: { json?: boolean },
) {
  if (options.json) printJson(writers, reply.body);
  const error = apiErrorOf(reply.body);
  const summary = error
    ? `${error.message} (${reply.status} ${error.code})`
    : `the API answered HTTP ${reply.status}`;
  writers.err(`fynex-keys: ${terminalSafe(summary)}`);
  for (const detail of error?.details ?? [])
    writers.err(`  ${terminalSafe(`${detail.path}: ${detail.message}`)}`);
}
