import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { expect } from "vitest";
import { orgPk, SK_PREFIX } from "../../contract/data-items";
import type { Interaction } from "../../contract/schemas/interactions";
import { SCOPES } from "../../contract/scopes";
import { dataDepsOf } from "../../lambdas/shared/dynamo/data-store";
import { createKey, type Reply, withKey } from "./harness";
import { expectRequestId } from "./request-ids";
import { localOf, type Target } from "./target";

/** Every scope: a key that may do anything in its org. */
export const ALL_SCOPES: string[] = [...SCOPES];

/** A key of `orgId` with `scopes` (all of them by default); returns the key itself. */
export async function keyOf(target: Target, orgId: string, scopes: string[] = ALL_SCOPES): Promise<string> {
  return (await createKey(target, orgId, { scopes })).key;
}

/** `POST /api/v1/accounts`, expecting 201; returns the account. */
export async function newAccount(
  target: Target,
  key: string,
  body: Record<string, unknown> = { name: "Acme Ltd", currency: "EUR" },
) {
  const reply = await withKey(target, key, "/api/v1/accounts", { method: "POST", body });
  if (reply.status !== 201) throw new Error(`create account failed: ${reply.status} ${reply.text}`);
  return reply.json as { id: string; [field: string]: unknown };
}

/**
 * A `Location` (or `Link` target) resolved against the URL the client called, as a path under the
 * target's base URL: on a stage URL the link must keep the stage (API.md §6), so one that escapes the
 * base fails here, and the path it gives can be called through the same target.
 */
export function pathUnder(target: Target, link: string | undefined): string {
  const base = new URL(`${target.url.replace(/\/$/, "")}/`);
  const resolved = new URL(link ?? "", base);
  expect(resolved.origin).toBe(base.origin);
  expect(resolved.pathname.startsWith(base.pathname), `${link} resolves outside ${base.href}`).toBe(true);
  return `${resolved.pathname.slice(base.pathname.length - 1)}${resolved.search}`;
}

/** A function's error envelope (API.md §4), its request id where API.md §3 puts it; returns the error. */
export function expectError(reply: Reply, status: number, code: string) {
  expect({ status: reply.status, code: reply.json?.error?.code }, reply.text).toEqual({ status, code });
  expect(reply.json).toEqual({
    error: {
      code,
      message: expect.any(String),
      requestId: reply.headers["x-request-id"],
      details: expect.any(Array),
    },
  });
  expectRequestId(reply, "function");
  return reply.json.error as { code: string; message: string; details: { path: string; message: string }[] };
}

/** The paths a 400 names, sorted. */
export function detailPaths(reply: Reply): string[] {
  return (expectError(reply, 400, "validation_error").details ?? []).map((detail) => detail.path).sort();
}

/**
 * The org's interaction items as stored, oldest first (local runtime only: read from the embedded
 * DynamoDB through the client and table its functions were built over; the export route is how
 * clients read them).
 */
export async function storedInteractions(target: Target, orgId: string): Promise<Interaction[]> {
  const { db, table } = dataDepsOf(localOf(target).deps);
  const items: Interaction[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues: { ":pk": orgPk(orgId), ":prefix": SK_PREFIX.interaction },
        ExclusiveStartKey: start,
        ConsistentRead: true,
      }),
    );
    for (const { pk: _pk, sk: _sk, ...interaction } of page.Items ?? [])
      items.push(interaction as Interaction);
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Every item of a list, following `nextCursor`. */
export async function listAll(target: Target, key: string, path: string, pageSize = 100) {
  const items: { id: string; [field: string]: unknown }[] = [];
  let cursor: string | null = null;
  const separator = path.includes("?") ? "&" : "?";
  do {
    const query: string = `${separator}limit=${pageSize}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const reply = await withKey(target, key, `${path}${query}`);
    if (reply.status !== 200) throw new Error(`list failed: ${reply.status} ${reply.text}`);
    items.push(...reply.json.items);
    cursor = reply.json.nextCursor;
  } while (cursor);
  return items;
}
