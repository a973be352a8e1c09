import type { KeyRecord } from "../../contract/api-types";
import type { UpdateKeyInput } from "../../contract/schemas/keys";
import type { ApiKeyItem } from "../shared/api-keys/key-record";
import { invalidInput, type Outcome, ok } from "../shared/outcome";
import { policyUnchanged, readPolicy } from "./key-policy-store";
import {
  type ActorInput,
  actorOf,
  commit,
  eventOf,
  type KeyServiceDeps,
  putAudit,
  readCheckWrite,
  record,
  stillLive,
} from "./key-store";
import { patchProblems } from "./policy-rules";

type Change = { from: unknown; to: unknown };

const sameSet = (a: readonly string[] | undefined, b: readonly string[] | undefined) =>
  a === undefined || b === undefined
    ? a === b
    : a.length === b.length && new Set([...a, ...b]).size === new Set(a).size;

/** The attribute each PATCH field is stored in, and how the event shows its value. */
const UPDATABLE = {
  name: { show: (item: ApiKeyItem) => item.name },
  scopes: { show: (item: ApiKeyItem) => item.scopes },
  rateLimit: {
    show: (item: ApiKeyItem) => (item.rateLimit === undefined ? null : { limit: item.rateLimit }),
  },
  allowedIps: { show: (item: ApiKeyItem) => item.allowedIps ?? null },
} as const;
type UpdatableField = keyof typeof UPDATABLE;

/**
 * The key as the PATCH would leave it, and only the fields that really change (scopes and addresses
 * compare as sets: reordering them is no change).
 */
function applyPatch(
  item: ApiKeyItem,
  input: UpdateKeyInput,
): { next: ApiKeyItem; changed: UpdatableField[] } {
  const next: ApiKeyItem = { ...item };
  const changed: UpdatableField[] = [];
  if (input.name !== undefined && input.name !== item.name) {
    next.name = input.name;
    changed.push("name");
  }
  // As sent, duplicates included (the policy's scopes[i]); stored and compared folded.
  const scopes = input.scopes && [...new Set(input.scopes)];
  if (scopes !== undefined && !sameSet(scopes, item.scopes)) {
    next.scopes = scopes;
    changed.push("scopes");
  }
  if (input.rateLimit !== undefined && (input.rateLimit?.limit ?? undefined) !== item.rateLimit) {
    if (input.rateLimit === null) delete next.rateLimit;
    else next.rateLimit = input.rateLimit.limit;
    changed.push("rateLimit");
  }
  if (input.allowedIps !== undefined && !sameSet(input.allowedIps ?? undefined, item.allowedIps)) {
    if (input.allowedIps === null) delete next.allowedIps;
    else next.allowedIps = input.allowedIps;
    changed.push("allowedIps");
  }
  return { next, changed };
}

/**
 * Changes an active key's name, scopes, limit or allowlist. Effective on the very next request: the
 * authorizer reads the base item. `rateLimit: null` and `allowedIps: null` remove the override and the
 * list. Records `key.updated` with `changes` `{field: {from, to}}` of what really changed; a PATCH
 * that changes nothing writes nothing and records nothing. Expired and revoked keys are a conflict.
 * The fields it sends are held to the org's key policy (API.md §12), checked again at commit.
 */
export function updateKey(
  deps: KeyServiceDeps,
  orgId: string,
  keyId: string,
  input: UpdateKeyInput,
  actor: ActorInput,
): Promise<Outcome<KeyRecord>> {
  const who = actorOf(actor);
  return readCheckWrite(deps, orgId, keyId, { done: "changed", onlyActive: true }, async (current, now) => {
    const policy = await readPolicy(deps, orgId);
    const problems = patchProblems(policy.rules, input);
    if (problems.length > 0) return invalidInput(...problems);
    const { next, changed } = applyPatch(current, input);
    if (changed.length === 0) return ok(record(deps, current, now, policy.rules));
    next.revision = (current.revision ?? 0) + 1;

    const names: Record<string, string> = { "#revision": "revision" };
    const values: Record<string, unknown> = { ":nextRevision": next.revision, ":now": now };
    const sets = ["#revision = :nextRevision"];
    const removes: string[] = [];
    for (const field of changed) {
      names[`#${field}`] = field;
      const value = next[field];
      if (value === undefined) removes.push(`#${field}`);
      else {
        sets.push(`#${field} = :${field}`);
        values[`:${field}`] = value;
      }
    }
    const live = stillLive(current, { revision: true });
    const changes: Record<string, Change> = {};
    for (const field of changed) {
      changes[field] = { from: UPDATABLE[field].show(current), to: UPDATABLE[field].show(next) };
    }
    const result = await commit(deps, [
      {
        Update: {
          TableName: deps.table,
          Key: { pk: keyId },
          UpdateExpression: `SET ${sets.join(", ")}${removes.length > 0 ? ` REMOVE ${removes.join(", ")}` : ""}`,
          ConditionExpression: live.condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ...values, ...live.values },
        },
      },
      putAudit(deps, eventOf(orgId, who, "key.updated", keyId, changes, now)),
      policyUnchanged(deps, orgId, policy.version),
    ]);
    return result.committed ? ok(record(deps, next, now, policy.rules)) : "stale";
  });
}
