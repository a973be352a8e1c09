import type { RotatedKey } from "../../contract/api-types";
import type { RotateKeyInput } from "../../contract/schemas/keys";
import type { AuditItem } from "../shared/api-keys/audit-events";
import { type ApiKeyItem, ttlFor } from "../shared/api-keys/key-record";
import { conditionFailedAt, type TransactItem, unexpectedCancellation } from "../shared/dynamo/transact";
import { conflict, invalidInput, type Outcome, ok } from "../shared/outcome";
import { countNewKey, discountDeadKeys, graceCapMessage } from "./active-key-count";
import { keyEvents } from "./key-events";
import { policyUnchanged, readPolicy } from "./key-policy-store";
import {
  type ActorInput,
  actorOf,
  eventOf,
  iso,
  type KeyServiceDeps,
  putAudit,
  readCheckWrite,
  record,
  stillLive,
} from "./key-store";
import { commitNewKey, newKeyItem, putNewKey, settingsChanges } from "./new-key";
import { latestExpiry, newKeyProblems } from "./policy-rules";

/** Position of the counter's move in a rotation's transaction (after the two keys and two events). */
const COUNTER_ACTION = 4;

/** The old key's change: grace (expires later) or none (revoked now), and the event recording it. */
function retireOld(
  old: ApiKeyItem,
  newId: string,
  grace: number,
  orgId: string,
  who: ReturnType<typeof actorOf>,
  now: number,
): { after: ApiKeyItem; event: AuditItem; expression: string; values: Record<string, unknown> } {
  const revision = (old.revision ?? 0) + 1;
  if (grace > 0) {
    const expiresAt = Math.min(old.expiresAt ?? Number.POSITIVE_INFINITY, now + grace * 1000);
    // An expiry the grace set was chosen a moment ago: it leaves the reminders' index (API.md §11).
    const graceSetsExpiry = expiresAt !== old.expiresAt;
    const after: ApiKeyItem = { ...old, expiresAt, ttl: ttlFor(expiresAt), replacedBy: newId, revision };
    if (graceSetsExpiry) delete after.expiryDay;
    return {
      after,
      expression: `SET replacedBy = :replacedBy, expiresAt = :expiresAt, #ttl = :ttl, #revision = :nextRevision${graceSetsExpiry ? " REMOVE expiryDay" : ""}`,
      values: { ":expiresAt": expiresAt },
      event: eventOf(
        orgId,
        who,
        "key.expired_by_rotation",
        old.pk,
        {
          expiresAt: iso(expiresAt),
          previousExpiresAt: iso(old.expiresAt),
          gracePeriodSeconds: grace,
          replacedBy: newId,
        },
        now,
      ),
    };
  }
  const after: ApiKeyItem = { ...old, revokedAt: now, ttl: ttlFor(now), replacedBy: newId, revision };
  // Revoked now: it leaves the org's active-key counter, the new key takes its place (no net move).
  delete after.counted;
  return {
    after,
    expression: `SET replacedBy = :replacedBy, revokedAt = :now, #ttl = :ttl, #revision = :nextRevision${old.counted ? " REMOVE counted" : ""}`,
    values: {},
    event: eventOf(
      orgId,
      who,
      "key.revoked",
      old.pk,
      { reason: "rotation", revokedAt: iso(now), replacedBy: newId },
      now,
    ),
  };
}

/**
 * Replaces an active key that was never rotated with a new key of the same name, scopes, limit and
 * allowlist (and `input.expiresAt`, if given), in one transaction with its events:
 * - `gracePeriodSeconds` 1 to 604800: the old key keeps working until now + grace, or its own earlier
 *   expiry, and is then `expired` (`key.expired_by_rotation`, with its new `expiresAt`);
 * - 0 or none: the old key is revoked now (`key.revoked` with `changes.reason: "rotation"`);
 * - the new key's event is `key.rotated` with `changes.replaces` (and its settings).
 * The old key gets `replacedBy`; a second rotation of it, or a rotation of a key that is not active,
 * is a conflict, under concurrency too (the old key's update is conditional).
 * The new key is held to the org's key policy like a create (API.md §12): without `expiresAt` it gets
 * now plus `maxLifetimeDays` when the policy sets one; inherited scopes or a missing allowlist the
 * policy forbids are a 400; the transaction checks the policy is still the one read.
 */
export function rotateKey(
  deps: KeyServiceDeps,
  orgId: string,
  keyId: string,
  input: RotateKeyInput,
  actor: ActorInput,
): Promise<Outcome<RotatedKey>> {
  const who = actorOf(actor);
  let discounted = false;
  return readCheckWrite(deps, orgId, keyId, { done: "rotated", onlyActive: true }, async (old, now) => {
    if (old.replacedBy !== undefined) {
      return conflict(
        `The API key was already rotated (replaced by ${old.replacedBy}); rotate its replacement instead.`,
      );
    }

    const policy = await readPolicy(deps, orgId);
    const max = policy.rules.maxLifetimeDays;
    const expiresAt = input.expiresAt ?? (max === null ? undefined : latestExpiry(max, now));
    const terms = { scopes: old.scopes, expiresAt, allowedIps: old.allowedIps };
    const problems = newKeyProblems(policy.rules, terms, now);
    if (problems.length > 0) return invalidInput(...problems);

    const { key, item } = newKeyItem(
      deps,
      orgId,
      {
        name: old.name,
        scopes: old.scopes,
        expiresAt,
        rateLimit: old.rateLimit,
        allowedIps: old.allowedIps,
        // A rotation's new key starts a new age (API.md §12).
        rotateAfterDays: policy.rules.rotateAfterDays,
      },
      who.actor,
      now,
    );
    item.replaces = old.pk;

    const grace = input.gracePeriodSeconds ?? 0;
    const retired = retireOld(old, item.pk, grace, orgId, who, now);
    const live = stillLive(old, { revision: true, notRotated: true });
    const oldEvent = retired.event;
    const rotatedEvent = eventOf(
      orgId,
      who,
      "key.rotated",
      item.pk,
      { replaces: old.pk, ...settingsChanges(item) },
      now,
    );
    // Both events share one instant; the new key's lists first (newest first), so it gets the later id.
    if (rotatedEvent.id < oldEvent.id) [rotatedEvent.id, oldEvent.id] = [oldEvent.id, rotatedEvent.id];

    const rotation: TransactItem[] = [
      putNewKey(deps, item),
      {
        Update: {
          TableName: deps.table,
          Key: { pk: old.pk },
          UpdateExpression: retired.expression,
          ConditionExpression: live.condition,
          ExpressionAttributeNames: { "#ttl": "ttl", "#revision": "revision" },
          ExpressionAttributeValues: {
            ":replacedBy": item.pk,
            ":ttl": retired.after.ttl,
            ":nextRevision": retired.after.revision,
            ":now": now,
            ...retired.values,
            ...live.values,
          },
        },
      },
      putAudit(deps, rotatedEvent),
      putAudit(deps, oldEvent),
      // The org's active-key counter (docs/DECISIONS.md #203, #208): a graced rotation adds a key for
      // a while, allowed at the cap but not beyond; without grace the old key's place is the new one's,
      // unless the old one was never counted.
      ...(grace > 0
        ? [countNewKey(deps, orgId, "atMostCap")]
        : old.counted
          ? []
          : [countNewKey(deps, orgId, "none")]),
      // A policy written since it was read cancels the rotation, which is then decided anew.
      policyUnchanged(deps, orgId, policy.version),
      ...keyEvents(
        deps,
        orgId,
        [
          { type: "api_key.created", record: record(deps, item, now, policy.rules) },
          // Without grace the old key is revoked now; with it, it expires later (no event: API.md §11).
          ...(input.gracePeriodSeconds
            ? []
            : [{ type: "api_key.revoked" as const, record: record(deps, retired.after, now, policy.rules) }]),
        ],
        now,
      ),
    ];
    const { result, created } = await commitNewKey(deps, orgId, { key, item }, rotation, now, policy.rules);
    if (created) return ok({ ...created, replaces: old.pk });
    if (conditionFailedAt(result, 0)) throw unexpectedCancellation(result, "rotating a key");
    if (grace > 0 && conditionFailedAt(result, COUNTER_ACTION)) {
      // Over the cap: discount the org's dead keys once and decide again (a concurrent discount may
      // have made room even if this one found nothing, #210); refused again, it is a conflict.
      if (discounted) return conflict(graceCapMessage(deps));
      await discountDeadKeys(deps, orgId);
      discounted = true;
      return "stale";
    }
    // The old key changed since it was read (revoked, rotated, patched, expired), or the policy did:
    // decide again.
    return "stale";
  });
}
