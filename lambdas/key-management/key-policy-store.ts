import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { DEFAULT_KEY_POLICY, type KeyPolicy, type KeyPolicyBody } from "../../contract/api-types";
import { keyPolicySchema } from "../../contract/schemas/key-policy";
import { KEY_POLICY_PK_PREFIX } from "../../contract/tables";
import * as z from "../../contract/zod";
import type { TransactItem } from "../shared/dynamo/transact";
import { batchGet } from "./batch-get";
import type { KeyServiceDeps } from "./key-store";

/**
 * An org's key policy as stored (API.md §12; docs/DECISIONS.md #310): one item per org in the keys
 * table, `KEY_POLICY#<orgId>`, holding the four rules (null stored as null), `updatedAt`,
 * `updatedBy` and `version`, a number every write moves up by one. Writes are whole-item Puts
 * conditional on the version they were computed from, so two concurrent PUTs never interleave fields
 * and each audit event's `from` is what the write really replaced; a key create, rotation or PATCH
 * checks the same version in its own transaction (`policyUnchanged`), so it never commits against a
 * policy that changed after it was validated (docs/DECISIONS.md #313).
 */

/** The policy item's partition key for `orgId`. */
export const policyKey = (orgId: string) => `${KEY_POLICY_PK_PREFIX}${orgId}`;

/** The stored item: the rules as the PUT body validates them, and who wrote them at which version. */
const storedPolicySchema = z.lazySchema(() =>
  z.extend(keyPolicySchema, {
    pk: z.string(),
    rotationDueDay: z.optional(z.string()),
    version: z.number(),
    updatedAt: z.string(),
    updatedBy: z.string(),
  }),
);

/** What a read found: the rules in force, and the version they were read at (none: never set). */
export interface StoredPolicy {
  rules: KeyPolicyBody;
  /** Undefined while the org never set a policy (the defaults apply, no item exists). */
  version?: number;
  updatedAt: string | null;
  updatedBy: string | null;
  /** The org's keys' rotation-due days still follow an older `rotateAfterDays` (the run moves them). */
  marked?: boolean;
}

/** The org's policy, read strongly consistently; the defaults when it never set one. */
export async function readPolicy(deps: KeyServiceDeps, orgId: string): Promise<StoredPolicy> {
  const { Item } = await deps.db.send(
    new GetCommand({ TableName: deps.table, Key: { pk: policyKey(orgId) }, ConsistentRead: true }),
  );
  return storedPolicyOf(Item);
}

/**
 * The policies of `orgIds`, in one strongly consistent BatchGetItem per 100 orgs (the scheduled run,
 * whose role reads key items that way): the defaults for an org that never set one.
 */
export async function readPolicies(
  deps: KeyServiceDeps,
  orgIds: Iterable<string>,
): Promise<Map<string, StoredPolicy>> {
  const orgs = [...new Set(orgIds)];
  const items = await batchGet(
    deps,
    deps.table,
    orgs.map((orgId) => ({ pk: policyKey(orgId) })),
  );
  const byKey = new Map(items.map((item) => [item.pk, item]));
  return new Map(orgs.map((orgId) => [orgId, storedPolicyOf(byKey.get(policyKey(orgId)))]));
}

/** A policy item as read (none: the defaults). */
function storedPolicyOf(Item: Record<string, unknown> | undefined): StoredPolicy {
  if (Item === undefined) return { rules: { ...DEFAULT_KEY_POLICY }, updatedAt: null, updatedBy: null };
  // Only this module writes the item: a shape it cannot read is a bug, a 500, never a default policy.
  const { pk: _pk, version, updatedAt, updatedBy, rotationDueDay, ...rules } = storedPolicySchema.parse(Item);
  return { rules, version, updatedAt, updatedBy, marked: rotationDueDay !== undefined };
}

/** The policy as the routes answer it. */
export const policyAnswer = (stored: StoredPolicy): KeyPolicy => ({
  ...stored.rules,
  updatedAt: stored.updatedAt,
  updatedBy: stored.updatedBy,
});

/**
 * The condition that the policy item is still at `version` (absent, when it was read absent): a
 * policy write commits only over the policy it was computed from.
 */
export function versionCondition(version: number | undefined): {
  ConditionExpression: string;
  ExpressionAttributeValues?: Record<string, unknown>;
} {
  return version === undefined
    ? { ConditionExpression: "attribute_not_exists(pk)" }
    : {
        ConditionExpression: "version = :policyVersion",
        ExpressionAttributeValues: { ":policyVersion": version },
      };
}

/**
 * A transaction's check that the org's policy is still at the version (or absence) the change was
 * validated against: when a policy write commits first, the change is cancelled and decided anew.
 */
export const policyUnchanged = (
  deps: KeyServiceDeps,
  orgId: string,
  version: number | undefined,
): TransactItem => ({
  ConditionCheck: { TableName: deps.table, Key: { pk: policyKey(orgId) }, ...versionCondition(version) },
});
