import { createHash } from "node:crypto";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import type { CreatedKey } from "../../contract/api-types";
import type { CreateKeyInput } from "../../contract/schemas/keys";
import * as z from "../../contract/zod";
import { conditionFailedAt, unexpectedCancellation } from "../shared/dynamo/transact";
import { conflict, invalidInput, type Outcome, ok, problemAt, storeBusy } from "../shared/outcome";
import { capMessage, countNewKey, discountDeadKeys } from "./active-key-count";
import { keyEvents } from "./key-events";
import { policyUnchanged, readPolicy } from "./key-policy-store";
import { type ActorInput, actorOf, eventOf, type KeyServiceDeps, putAudit, record } from "./key-store";
import { commitNewKey, newKeyItem, putNewKey, settingsChanges } from "./new-key";
import { newKeyProblems } from "./policy-rules";

/** A create's `Idempotency-Key` is remembered this long (Stripe keeps them 24 hours too). */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

/**
 * The idempotency record's partition key: a hash of the org and the client's key, so a client's key
 * (any printable ASCII) never becomes part of a key, and orgs never share one. The separator cannot
 * occur in an org id. The item holds no `orgId` or `createdAt`, so it never enters the org index.
 */
export function idempotencyRecordKey(orgId: string, idempotencyKey: string): string {
  return `IDEMPOTENCY#${createHash("sha256").update(`${orgId}\n${idempotencyKey}`, "utf8").digest("hex")}`;
}

/** Position of the idempotency record's Put in a create's transaction. */
const IDEMPOTENCY_ACTION = 2;
/** Attempts of a create whose idempotency record expired between its failed condition and the read. */
const CREATE_ATTEMPTS = 2;
/** Attempts of a create whose org's key policy changed between its read and the commit, then a 503. */
const POLICY_ATTEMPTS = 3;

/**
 * Creates a key for `orgId`, with its `key.created` event and, given an `idempotencyKey`, the
 * idempotency record, in one transaction. Only the key's hash is stored; the key itself is in the
 * answer and nowhere else (not in the item, not in the event, not in a log, not in an error). The item
 * starts in the current rate window with a count of 0, so the key's first request costs the
 * authorizer a single call. A replayed `idempotencyKey` (same org, within 24 hours) creates nothing
 * and names the key it created first. The org's active-key counter moves in the same transaction,
 * only under the cap; at the cap the org's dead keys are discounted once and the create tried once
 * more, and if the counter is still at the cap the create is a conflict (`active-key-count.ts`).
 * The org's key policy (API.md §12) is read and applied first (a 400 at the field that breaks it), and
 * the transaction checks the policy is still the one read: a policy written meanwhile cancels it, and
 * the create is validated again against the new one (docs/DECISIONS.md #313).
 */
export async function createKey(
  deps: KeyServiceDeps,
  orgId: string,
  input: CreateKeyInput,
  actor: ActorInput,
  options: { idempotencyKey?: string } = {},
): Promise<Outcome<CreatedKey>> {
  const who = actorOf(actor);
  let discounted = false;
  let policyRaces = 0;
  for (let attempt = 1; ; attempt++) {
    const now = deps.clock();
    const policy = await readPolicy(deps, orgId);
    const problems = newKeyProblems(policy.rules, input, now);
    if (problems.length > 0) return invalidInput(...problems);
    const { key, item } = newKeyItem(
      deps,
      orgId,
      { ...input, rateLimit: input.rateLimit?.limit, rotateAfterDays: policy.rules.rotateAfterDays },
      who.actor,
      now,
    );
    const items = [
      putNewKey(deps, item),
      putAudit(deps, eventOf(orgId, who, "key.created", item.pk, settingsChanges(item), now)),
    ];
    const recordKey =
      options.idempotencyKey === undefined ? undefined : idempotencyRecordKey(orgId, options.idempotencyKey);
    if (recordKey !== undefined) {
      items.push({
        Put: {
          TableName: deps.table,
          Item: {
            pk: recordKey,
            keyId: item.pk,
            at: now,
            ttl: Math.ceil(now / 1000) + IDEMPOTENCY_TTL_SECONDS,
          },
          // DynamoDB's TTL deletes late: a record past its TTL is treated as gone.
          ConditionExpression: "attribute_not_exists(pk) OR #ttl <= :nowSeconds",
          ExpressionAttributeNames: { "#ttl": "ttl" },
          ExpressionAttributeValues: { ":nowSeconds": Math.floor(now / 1000) },
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        },
      });
    }
    // After the idempotency record (its index is fixed), before the events.
    const counterAction = items.push(countNewKey(deps, orgId, "underCap")) - 1;
    const policyAction = items.push(policyUnchanged(deps, orgId, policy.version)) - 1;
    // Last: cancellation reasons are read by index (the idempotency record's, the counter's, the policy's).
    items.push(
      ...keyEvents(
        deps,
        orgId,
        [{ type: "api_key.created", record: record(deps, item, now, policy.rules) }],
        now,
      ),
    );
    // With the Secrets Manager hook on, the copy is written first and removed if this does not commit.
    const { result, created } = await commitNewKey(deps, orgId, { key, item }, items, now, policy.rules);
    if (created) return ok(created);
    if (conditionFailedAt(result, policyAction)) {
      // The policy changed since it was read: validate again against the new one.
      if (++policyRaces === POLICY_ATTEMPTS) throw storeBusy();
      attempt--;
      continue;
    }
    const replayed = recordKey !== undefined && conditionFailedAt(result, IDEMPOTENCY_ACTION);
    if (conditionFailedAt(result, counterAction) && !replayed) {
      // The counter is an upper bound (keys expire by the clock): correct it once, then try once
      // more whatever this discount found, since a concurrent one may have made room (#210).
      if (discounted) return conflict(capMessage(deps));
      await discountDeadKeys(deps, orgId);
      discounted = true;
      attempt--;
      continue;
    }
    if (recordKey === undefined || !conditionFailedAt(result, IDEMPOTENCY_ACTION)) {
      throw unexpectedCancellation(result, "creating a key");
    }
    const earlier =
      result.reasons[IDEMPOTENCY_ACTION]?.Item?.keyId?.S ??
      (await readIdempotencyRecord(deps, recordKey, now));
    if (earlier !== undefined) return alreadyCreated(earlier);
    if (attempt === CREATE_ATTEMPTS) throw new Error("the idempotency record kept changing under a create");
  }
}

/**
 * A create's idempotency key used before (same org, within 24 hours), for the key `keyId`: a conflict
 * at the idempotency key. The key itself is never shown again: a replay names the key it created.
 */
export const alreadyCreated = (keyId: string) =>
  conflict(
    `This idempotency key was already used to create the API key ${keyId}; the key is not shown again.`,
    [problemAt("idempotencyKey", `Already used to create ${keyId}.`)],
  );

/** The key an idempotency record names, if the record is there and within its TTL. */
async function readIdempotencyRecord(
  deps: KeyServiceDeps,
  recordKey: string,
  nowMs: number,
): Promise<string | undefined> {
  const { Item } = await deps.db.send(
    new GetCommand({ TableName: deps.table, Key: { pk: recordKey }, ConsistentRead: true }),
  );
  const parsed = z.object({ keyId: z.string(), ttl: z.number() }).safeParse(Item);
  return parsed.success && parsed.data.ttl > Math.floor(nowMs / 1000) ? parsed.data.keyId : undefined;
}
