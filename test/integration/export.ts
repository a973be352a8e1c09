/**
 * What the export files share (`export-formats`, `export-pages`): a local runtime on a manual clock
 * from 2026-03-01T09:00Z, keys with the `export` scope, account and interaction items to seed, and the
 * reading of a page: its records whatever the format, and the `Link` to the next one.
 */
import { parse } from "csv-parse/sync";
import { expect } from "vitest";
import { orgPk, sk } from "../../contract/data-items";
import type { Account } from "../../contract/schemas/accounts";
import type { Interaction } from "../../contract/schemas/interactions";
import { newId } from "../../lambdas/shared/ids";
import { pathUnder } from "./business";
import { createKey, ManualClock, type Reply, urlOf, useTarget } from "./harness";

export const T0 = Date.UTC(2026, 2, 1, 9, 0, 0);
export const ACCOUNT_HEADER = "id,name,externalRef,currency,balance,status,createdAt,updatedAt";
export const INTERACTION_HEADER = "id,accountId,type,at,data";
/** The media type each format is answered in. */
export const CONTENT_TYPE = { json: "application/json", ndjson: "application/x-ndjson", csv: "text/csv" };

/** An account of an org created at `at`: the item to seed and the value the API answers. */
export function account(orgId: string, at: number, fields: Partial<Account> = {}) {
  const iso = new Date(at).toISOString();
  const value: Account = {
    id: newId("acc", at),
    name: `Account ${at}`,
    externalRef: null,
    currency: "EUR",
    balance: 0,
    status: "open",
    createdAt: iso,
    updatedAt: iso,
    ...fields,
  };
  return { item: { pk: orgPk(orgId), sk: sk.account(value.id), ...value }, value };
}

/** An interaction of an org at `at`: the item to seed and the value the API answers. */
export function interaction(orgId: string, at: number, fields: Partial<Interaction> = {}) {
  const value: Interaction = {
    id: newId("int", at),
    accountId: null,
    type: "account.created",
    at: new Date(at).toISOString(),
    data: {},
    ...fields,
  };
  return { item: { pk: orgPk(orgId), sk: sk.interaction(value.id), ...value }, value };
}

/** The records of one page, whatever its format (CSV through an RFC 4180 parser, header checked). */
export function recordsOf(reply: Reply, format: string, header: string): Record<string, unknown>[] {
  if (format === "ndjson") {
    expect(reply.text === "" || reply.text.endsWith("\n")).toBe(true);
    return reply.text
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line));
  }
  if (format === "csv") {
    expect(reply.text.startsWith(`${header}\r\n`)).toBe(true);
    return parse(reply.text, { columns: true }) as Record<string, unknown>[];
  }
  return reply.json;
}

/**
 * Starts the file's local runtime on a manual clock at T0, and returns it with the helpers bound to
 * it: a key to export with, and the next page a reply links to.
 */
export function useExport() {
  const clock = new ManualClock(T0);
  const target = useTarget({ clock: clock.now });

  /** A key with the `export` scope for an org; a fresh one per use keeps each test inside the rate limit. */
  async function exportKey(orgId: string): Promise<string> {
    return (await createKey(target, orgId, { scopes: ["export"] })).key;
  }

  /** The target of a `Link: <...>; rel="next"`, resolved against the URL the page was fetched from. */
  function nextPath(reply: Reply, fetchedPath: string): string | undefined {
    const link = reply.headers.link;
    if (link === undefined) return undefined;
    const match = /^<([^>]+)>; rel="next"$/.exec(link);
    expect(match, link).not.toBeNull();
    const path = pathUnder(target, new URL(match?.[1] ?? "", urlOf(target.url, fetchedPath)).href);
    expect(path.split("?")[0]).toBe(fetchedPath.split("?")[0]);
    return path;
  }

  return { clock, target, exportKey, nextPath };
}
