import { type AuditEventType, DEFAULT_KEY_POLICY, type KeyRecord } from "../../contract/api-types";
import { type ApiKeyItem, keyStatus, ttlFor } from "../shared/api-keys/key-record";
import { type Outcome, ok } from "../shared/outcome";
import { uncountKey } from "./active-key-count";
import { type KeyEvent, keyEvents } from "./key-events";
import {
  type ActorInput,
  actorOf,
  commit,
  eventOf,
  iso,
  type KeyServiceDeps,
  putAudit,
  readCheckWrite,
  record,
} from "./key-store";

/**
 * A revoked key breaks no key policy (API.md §12: its `policyViolations` are always `[]`), so a
 * revocation reads none; its records are shown under any.
 */
const ANY_POLICY = DEFAULT_KEY_POLICY;

/** How a revocation is recorded: a plain revoke by default; the leaked-key route names its own. */
export interface RevokeOptions {
  /** The event recorded: `key.revoked` (default), or `key.leak_reported` for a leak report. */
  eventType?: Extract<AuditEventType, "key.revoked" | "key.leak_reported">;
  /** Merged into the event's `changes` (a leak report's `{ url }`); `revokedAt` is always the service's. */
  changes?: Record<string, unknown>;
  /**
   * The write's condition reads only `pk` and `revokedAt` (`contract/write-attributes.ts`), so that a
   * caller whose IAM may touch nothing else of a key (the secret-scanning function) can revoke. Safe:
   * nothing ever changes a key's org, and a key that expired between the read and the write is
   * revoked instead, with its TTL from now (a few milliseconds later than from its expiry).
   */
  narrowCondition?: boolean;
}

/**
 * A revocation raises `api_key.revoked`; a leak report's also `api_key.leak_reported` (with its `url`).
 * Here, beside the options it reads, as create and rotate name their events in their own modules.
 */
function revokedEvents(revoked: KeyRecord, options: RevokeOptions): KeyEvent[] {
  const events: KeyEvent[] = [{ type: "api_key.revoked", record: revoked }];
  if (options.eventType === "key.leak_reported") {
    events.push({
      type: "api_key.leak_reported",
      record: revoked,
      extra: { url: options.changes?.url ?? null },
    });
  }
  return events;
}

/**
 * Revokes a key now, recording `options.eventType` (default `key.revoked`) with `changes`
 * `{...options.changes, revokedAt}` in the same transaction. Repeating it is harmless: an already
 * revoked key is answered as it is, its `revokedAt` unchanged, and no event is recorded. An expired
 * key is marked revoked too; its TTL still counts from the moment it stopped working (its `expiresAt`).
 *
 * For other Lambdas as well as the admin API: the leaked-key route calls
 * `revokeKey(deps, orgId, keyId, "secret-scanning", { eventType: "key.leak_reported", changes: { url } })`.
 */
export function revokeKey(
  deps: KeyServiceDeps,
  orgId: string,
  keyId: string,
  actor: ActorInput,
  options: RevokeOptions = {},
): Promise<Outcome<KeyRecord>> {
  const who = actorOf(actor);
  return readCheckWrite(deps, orgId, keyId, { done: "revoked", onlyActive: false }, async (current, now) => {
    if (current.revokedAt !== undefined) return ok(record(deps, current, now, ANY_POLICY));
    // Live: it stops working now. Expired: it stopped at its expiresAt, which must still be that.
    const expiredAt = keyStatus(current, now) === "expired" ? current.expiresAt : undefined;
    const revoked: ApiKeyItem = { ...current, revokedAt: now, ttl: ttlFor(expiredAt ?? now) };
    const stillAsRead =
      expiredAt === undefined
        ? "(attribute_not_exists(expiresAt) OR expiresAt > :now)"
        : "expiresAt = :expiredAt";
    const event = eventOf(
      orgId,
      who,
      options.eventType ?? "key.revoked",
      keyId,
      { ...options.changes, revokedAt: iso(now) },
      now,
    );
    // A counted key leaves the org's active-key counter in this very transaction (docs/DECISIONS.md
    // #209): `counted` must still be there, so a concurrent discount of an expired key and this
    // revoke never both take it off (the loser reads again and finds it uncounted).
    const counted = current.counted !== undefined;
    delete revoked.counted;
    const result = await commit(deps, [
      {
        Update: {
          TableName: deps.table,
          Key: { pk: keyId },
          UpdateExpression: `SET revokedAt = :now, #ttl = :ttl${counted ? " REMOVE counted" : ""}`,
          ConditionExpression: `${
            options.narrowCondition
              ? "attribute_exists(pk) AND attribute_not_exists(revokedAt)"
              : `attribute_exists(pk) AND orgId = :orgId AND attribute_not_exists(revokedAt) AND ${stillAsRead}`
          }${counted ? " AND attribute_exists(counted)" : ""}`,
          ExpressionAttributeNames: { "#ttl": "ttl" },
          ExpressionAttributeValues: {
            ":now": now,
            ":ttl": revoked.ttl,
            ...(options.narrowCondition
              ? {}
              : { ":orgId": orgId, ...(expiredAt === undefined ? {} : { ":expiredAt": expiredAt }) }),
          },
        },
      },
      ...(counted ? [uncountKey(deps, orgId)] : []),
      putAudit(deps, event),
      ...keyEvents(deps, orgId, revokedEvents(record(deps, revoked, now, ANY_POLICY), options), now),
    ]);
    return result.committed ? ok(record(deps, revoked, now, ANY_POLICY)) : "stale";
  });
}
