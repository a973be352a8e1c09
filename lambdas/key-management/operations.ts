import type { APIGatewayProxyEvent } from "aws-lambda";
import {
  KEY_OPERATIONS,
  type KeyOperation,
  type KeyOperationName,
} from "../../contract/routes/key-operations";
import { idempotencyKeySchema } from "../../contract/schemas/keys";
import * as z from "../../contract/zod";
import { deleteSecretOfRevoked } from "../shared/api-keys/key-secrets";
import {
  byField,
  inBody,
  inHeader,
  inQuery,
  type Locate,
  refusal,
  valueOrThrow,
} from "../shared/http/failures";
import { headerValues } from "../shared/http/headers";
import { parseJsonBody, parseQuery, validate } from "../shared/http/validation";
import { invalidInput } from "../shared/outcome";
import { createKey } from "./create-key";
import { getKey } from "./get-key";
import { getKeyPolicy } from "./get-key-policy";
import type { Actor, KeyServiceDeps } from "./key-store";
import { getKeyUsage } from "./key-usage";
import { listAuditEvents } from "./list-audit-events";
import { listKeys } from "./list-keys";
import { putKeyPolicy } from "./put-key-policy";
import { revokeKey } from "./revoke-key";
import { rotateKey } from "./rotate-key";
import { updateKey } from "./update-key";

/**
 * The key-management operations (API.md §5, §12), the same behind every door (`doors/door.ts`): each validates
 * its own input, from an HTTP request or from a direct invocation's JSON fields, calls its verb and
 * answers its value, or its failure through the one mapping (`valueOrThrow`, `lambdas/shared/http/failures.ts`)
 * at the paths the input came from. Nothing here knows who the caller is beyond the `Actor` a door
 * established, nor which org beyond the one a door chose.
 */

export const IDEMPOTENCY_HEADER = "Idempotency-Key";

/** One operation as it is being served. */
export interface Call {
  deps: KeyServiceDeps;
  orgId: string;
  /** The key it names; "" for operations on the org's collection. */
  keyId: string;
  /** Who asked, as the door proved it (or, for a direct invocation, `direct-invoke` and its claim). */
  actor: Actor;
  /** Whether the input came as an HTTP request, or as a direct invocation's fields. */
  via: "http" | "direct";
  /** A create's `Idempotency-Key` (header) or `idempotencyKey` (payload field), validated. */
  idempotencyKey?: string;
  /** Where a new key can be read back (`Location`), as the door's callers address it; HTTP only. */
  keyLocation?: (keyId: string) => string;
  /**
   * Where an input field is in error details: `query.cursor` on a query route, `cursor` in a body or a
   * payload, `headers.Idempotency-Key` for a create's `idempotencyKey` over HTTP.
   */
  locate: Locate;
}

/** What an operation answers: the JSON body both callers get, and the HTTP-only status and headers. */
export interface Answer {
  statusCode: 200 | 201;
  body: unknown;
  headers?: Record<string, string>;
}

/** The input an operation's declaration gives its work: the validated body, query or payload. */
type InputOf<S extends KeyOperation> = S["input"] extends { from: "body"; schema: (nowMs: number) => infer T }
  ? T extends z.ZodMiniType
    ? z.output<T>
    : never
  : S["input"] extends { from: "query"; schema: infer T extends z.ZodMiniType }
    ? z.output<T>
    : undefined;

/** An operation with its input type erased: it validates its own input from either caller. */
export interface Operation {
  method: string;
  path: string;
  takesKeyId: boolean;
  idempotent: boolean;
  serveEvent: (event: APIGatewayProxyEvent, call: Omit<Call, "locate">) => Promise<Answer>;
  servePayload: (fields: Record<string, unknown>, call: Omit<Call, "locate">) => Promise<Answer>;
}

/** No fields at all: an operation without input still refuses unknown query parameters and fields. */
const noFields = z.lazySchema(() => z.strictObject({}));

/** `Idempotency-Key` of an HTTP call: absent, or one valid value (400 at `headers.Idempotency-Key`). */
function idempotencyHeader(event: APIGatewayProxyEvent): string | undefined {
  const values = [...new Set(headerValues(event, IDEMPOTENCY_HEADER))];
  if (values.length === 0) return undefined;
  if (values.length > 1) {
    throw refusal(
      invalidInput({ path: [], message: `Send one ${IDEMPOTENCY_HEADER}.` }),
      inHeader(IDEMPOTENCY_HEADER),
    );
  }
  return validate(idempotencyKeySchema, values[0], inHeader(IDEMPOTENCY_HEADER));
}

/** A body's fields over HTTP: its own paths, but a create's `idempotencyKey` came as a header. */
const inBodyOrHeader = byField({ idempotencyKey: inHeader(IDEMPOTENCY_HEADER) }, inBody);

/**
 * An operation from its declaration (`contract/routes/key-operations.ts`: method, path, input) and its
 * work: it validates its input as declared, from an HTTP request or a payload, then runs.
 */
function operation<S extends KeyOperation>(
  spec: S,
  run: (call: Call, input: InputOf<S>) => Promise<Answer>,
): Operation {
  const input: KeyOperation["input"] = spec.input;
  const work = run as (call: Call, input: unknown) => Promise<Answer>;
  return {
    method: spec.method,
    path: spec.path,
    takesKeyId: spec.takesKeyId,
    idempotent: spec.idempotent ?? false,
    serveEvent: async (event, call) => {
      const now = call.deps.clock();
      if (spec.idempotent) call = { ...call, idempotencyKey: idempotencyHeader(event) };
      if (input.from === "body") {
        const body = parseJsonBody(event, input.schema(now), { optional: input.optional });
        parseQuery(event, noFields);
        // Through the direct door (a proxy-shaped payload), a replay names `idempotencyKey`, as it always did.
        return work({ ...call, locate: call.via === "http" ? inBodyOrHeader : inBody }, body);
      }
      const query = parseQuery(event, input.from === "query" ? input.schema : noFields);
      return work({ ...call, locate: inQuery }, query);
    },
    servePayload: async (fields, call) => {
      const schema =
        input.from === "body"
          ? input.schema(call.deps.clock())
          : input.from === "query"
            ? input.payloadSchema
            : noFields;
      // A payload carries every field, `idempotencyKey` included, as itself.
      return work({ ...call, locate: inBody }, validate(schema, fields));
    },
  };
}

/** `Location` of a new key, when the door gives one (HTTP doors do). */
const locationOf = (call: Call, keyId: string): Record<string, string> | undefined =>
  call.keyLocation ? { Location: call.keyLocation(keyId) } : undefined;

/** Every operation by its direct-invocation action name: each declared operation and its work. */
export const OPERATIONS = {
  createKey: operation(KEY_OPERATIONS.createKey, async (call, input) => {
    const created = valueOrThrow(
      await createKey(call.deps, call.orgId, input, call.actor, { idempotencyKey: call.idempotencyKey }),
      call.locate,
    );
    return { statusCode: 201, body: created, headers: locationOf(call, created.id) };
  }),
  listKeys: operation(KEY_OPERATIONS.listKeys, async (call, input) => ({
    statusCode: 200,
    body: valueOrThrow(await listKeys(call.deps, call.orgId, input), call.locate),
  })),
  getKey: operation(KEY_OPERATIONS.getKey, async (call) => ({
    statusCode: 200,
    body: valueOrThrow(await getKey(call.deps, call.orgId, call.keyId), call.locate),
  })),
  revokeKey: operation(KEY_OPERATIONS.revokeKey, async (call) => {
    const revoked = valueOrThrow(await revokeKey(call.deps, call.orgId, call.keyId, call.actor), call.locate);
    // Secrets Manager hook: every revoke (a repeat too) schedules the copy's deletion; a failure is a 502.
    await deleteSecretOfRevoked(call.deps.secrets, { orgId: call.orgId, keyId: call.keyId }, true);
    return { statusCode: 200, body: revoked };
  }),
  updateKey: operation(KEY_OPERATIONS.updateKey, async (call, input) => ({
    statusCode: 200,
    body: valueOrThrow(await updateKey(call.deps, call.orgId, call.keyId, input, call.actor), call.locate),
  })),
  rotateKey: operation(KEY_OPERATIONS.rotateKey, async (call, input) => {
    const rotated = valueOrThrow(
      await rotateKey(call.deps, call.orgId, call.keyId, input, call.actor),
      call.locate,
    );
    // Revoked by the rotation: its copy goes. Never a failed answer here, or the new key would be lost.
    if (!input.gracePeriodSeconds) {
      await deleteSecretOfRevoked(call.deps.secrets, { orgId: call.orgId, keyId: call.keyId }, false);
    }
    return { statusCode: 201, body: rotated, headers: locationOf(call, rotated.id) };
  }),
  getKeyUsage: operation(KEY_OPERATIONS.getKeyUsage, async (call, input) => ({
    statusCode: 200,
    body: valueOrThrow(await getKeyUsage(call.deps, call.orgId, call.keyId, input), call.locate),
  })),
  listAuditEvents: operation(KEY_OPERATIONS.listAuditEvents, async (call, input) => ({
    statusCode: 200,
    body: valueOrThrow(await listAuditEvents(call.deps, call.orgId, input), call.locate),
  })),
  getKeyPolicy: operation(KEY_OPERATIONS.getKeyPolicy, async (call) => ({
    statusCode: 200,
    body: valueOrThrow(await getKeyPolicy(call.deps, call.orgId), call.locate),
  })),
  putKeyPolicy: operation(KEY_OPERATIONS.putKeyPolicy, async (call, input) => ({
    statusCode: 200,
    body: valueOrThrow(await putKeyPolicy(call.deps, call.orgId, input, call.actor), call.locate),
  })),
} satisfies Record<KeyOperationName, Operation>;

/** The operations by API Gateway route (`METHOD resource`), for a door whose resources start at `prefix`. */
export function routesUnder(prefix: string): ReadonlyMap<string, Operation> {
  return new Map(Object.values(OPERATIONS).map((op) => [`${op.method} ${prefix}${op.path}`, op]));
}
