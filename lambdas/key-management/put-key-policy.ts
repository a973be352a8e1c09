import { DEFAULT_KEY_POLICY, type KeyPolicy, type KeyPolicyBody } from "../../contract/api-types";
import { ROTATION_RECOMPUTE } from "../../contract/tables";
import { conditionFailedAt, unexpectedCancellation } from "../shared/dynamo/transact";
import { type Outcome, ok, storeBusy } from "../shared/outcome";
import { policyAnswer, policyKey, readPolicy, type StoredPolicy, versionCondition } from "./key-policy-store";
import { type ActorInput, actorOf, commit, eventOf, type KeyServiceDeps, putAudit } from "./key-store";

type Change = { from: unknown; to: unknown };

/** Scope lists compare as sets (reordering them is no change); null only equals null. */
const sameRule = (a: KeyPolicyBody[keyof KeyPolicyBody], b: KeyPolicyBody[keyof KeyPolicyBody]) =>
  JSON.stringify(Array.isArray(a) ? [...a].sort() : a) ===
  JSON.stringify(Array.isArray(b) ? [...b].sort() : b);

/** The rules that differ between `before` and `after`, as `key.updated` writes changes. */
export function policyChanges(before: KeyPolicyBody, after: KeyPolicyBody): Record<string, Change> {
  const changes: Record<string, Change> = {};
  // The rules in API.md §12's order, as the defaults list them.
  for (const field of Object.keys(DEFAULT_KEY_POLICY) as (keyof KeyPolicyBody)[]) {
    if (!sameRule(before[field], after[field])) changes[field] = { from: before[field], to: after[field] };
  }
  return changes;
}

/** A policy write that lost a race with another tries again (re-reading), this often, then answers 503. */
const POLICY_ATTEMPTS = 3;

/**
 * Replaces the org's key policy (API.md §12) with `input`, with its `policy.updated` event
 * (`changes`: `{field: {from, to}}` of what really changed) in one transaction. The Put is
 * conditional on the version read (docs/DECISIONS.md #311): a concurrent PUT that committed first
 * makes this one read again and compute its changes against what that one stored. A PUT that changes
 * nothing writes nothing and records nothing. A change of `rotateAfterDays` marks the item for the
 * daily run, which moves the org's keys' rotation-due days before it reminds (docs/DECISIONS.md #317);
 * the mark stays until the run did it, whatever PUTs come in between.
 */
export async function putKeyPolicy(
  deps: KeyServiceDeps,
  orgId: string,
  input: KeyPolicyBody,
  actor: ActorInput,
): Promise<Outcome<KeyPolicy>> {
  const who = actorOf(actor);
  for (let attempt = 0; attempt < POLICY_ATTEMPTS; attempt++) {
    const now = deps.clock();
    const current = await readPolicy(deps, orgId);
    const changes = policyChanges(current.rules, input);
    if (Object.keys(changes).length === 0) return ok(policyAnswer(current));
    const next: StoredPolicy = {
      rules: { ...input },
      version: (current.version ?? 0) + 1,
      updatedAt: new Date(now).toISOString(),
      updatedBy: who.actor,
    };
    const result = await commit(deps, [
      {
        Put: {
          TableName: deps.table,
          Item: {
            pk: policyKey(orgId),
            ...next.rules,
            version: next.version,
            updatedAt: next.updatedAt,
            updatedBy: next.updatedBy,
            ...(current.marked || "rotateAfterDays" in changes ? { rotationDueDay: ROTATION_RECOMPUTE } : {}),
          },
          ...versionCondition(current.version),
        },
      },
      putAudit(deps, eventOf(orgId, who, "policy.updated", null, changes, now)),
    ]);
    if (result.committed) return ok(policyAnswer(next));
    if (!conditionFailedAt(result, 0)) throw unexpectedCancellation(result, "writing a key policy");
  }
  throw storeBusy();
}
