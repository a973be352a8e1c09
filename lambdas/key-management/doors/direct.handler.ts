import type { APIGatewayProxyEvent, Context } from "aws-lambda";
import type { ErrorEnvelope } from "../../../contract/error-codes";
import { ADMIN_PREFIX } from "../../../contract/routes/key-operations";
import type { Runtime } from "../../../contract/runtime";
import { claimedActorSchema, idempotencyKeySchema } from "../../../contract/schemas/keys";
import * as z from "../../../contract/zod";
import { validationError } from "../../shared/http/errors";
import { within } from "../../shared/http/failures";
import { errorResult } from "../../shared/http/response";
import { validate } from "../../shared/http/validation";
import { runtimeFromEnvironment } from "../../shared/runtime";
import type { Actor, KeyServiceDeps } from "../key-store";
import { type Answer, type Call, OPERATIONS, routesUnder } from "../operations";
import { keyServiceDepsOf } from "../service-deps";
import { parseOrgId } from "./door";

/**
 * The direct door of key management (`aws lambda invoke`, the Lambda console), its own function that
 * API Gateway cannot invoke. Payloads take the form
 * `{ "action": "createKey", "orgId": "...", "keyId"?: "...", ...the HTTP body's fields }`, answered
 * with the same JSON body, or with the error envelope plus `"status"`. A payload may carry `actor`
 * (recorded unverified as the audit event's `claimedActor`) and `idempotencyKey` (createKey only).
 *
 * Whoever can invoke this function is trusted as an administrator (IAM decided that), but never as a
 * particular one: every change is recorded as `direct-invoke` (CloudTrail holds the real invoker). A
 * payload shaped like an API Gateway event is served as the admin route it names, with the identity it
 * claims kept only as `claimedActor`. Nothing here logs a payload.
 */

const DIRECT_ACTOR = "direct-invoke";

const byAction = new Map(Object.entries(OPERATIONS));
const adminRoutes = routesUnder(ADMIN_PREFIX);
const ACTIONS = [...byAction.keys()].join(", ");

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** A direct invocation's actor: `direct-invoke`, with what the payload claims (if well formed). */
function directActor(claim: unknown): Actor {
  const parsed = claimedActorSchema.safeParse(claim);
  return { actor: DIRECT_ACTOR, ...(parsed.success ? { claimedActor: parsed.data } : {}) };
}

function isProxyShaped(
  payload: Record<string, unknown>,
): payload is Record<string, unknown> & APIGatewayProxyEvent {
  return typeof payload.httpMethod === "string" && isObject(payload.requestContext);
}

/** A payload shaped like an API Gateway event: served as its route, its claimed identity unverified. */
function serveProxyShaped(event: APIGatewayProxyEvent, base: Pick<Call, "deps" | "via">): Promise<Answer> {
  const op = adminRoutes.get(`${event.httpMethod} ${event.resource}`);
  if (!op) throw validationError([{ path: "action", message: `Must be one of ${ACTIONS}.` }]);
  const path = isObject(event.pathParameters) ? event.pathParameters : {};
  const orgId = parseOrgId(path.orgId);
  const keyId = op.takesKeyId
    ? validate(z.string("Name the key: keyId is required."), path.keyId, within("keyId"))
    : "";
  const claim = isObject(event.requestContext.identity) ? event.requestContext.identity.userArn : undefined;
  return op.serveEvent(event, { ...base, orgId, keyId, actor: directActor(claim) });
}

async function serveDirect(deps: KeyServiceDeps, payload: unknown): Promise<unknown> {
  if (!isObject(payload)) {
    throw validationError([{ path: "body", message: "The invocation payload must be a JSON object." }]);
  }
  const base = { deps, via: "direct" as const };
  if (isProxyShaped(payload)) return (await serveProxyShaped(payload, base)).body;
  const {
    action,
    orgId: rawOrgId,
    keyId: rawKeyId,
    actor: rawActor,
    idempotencyKey: rawIdempotencyKey,
    ...rest
  } = payload;
  const op = typeof action === "string" ? byAction.get(action) : undefined;
  if (!op) throw validationError([{ path: "action", message: `Must be one of ${ACTIONS}.` }]);
  const orgId = parseOrgId(rawOrgId);
  const keyId = op.takesKeyId
    ? validate(z.string("Name the key: keyId is required."), rawKeyId, within("keyId"))
    : "";
  // Fields an operation does not take stay in: its strict schema names them as unknown.
  const fields = {
    ...rest,
    ...(op.takesKeyId || rawKeyId === undefined ? {} : { keyId: rawKeyId }),
    ...(op.idempotent || rawIdempotencyKey === undefined ? {} : { idempotencyKey: rawIdempotencyKey }),
  };
  const claimedActor =
    rawActor === undefined ? undefined : validate(claimedActorSchema, rawActor, within("actor"));
  const idempotencyKey =
    op.idempotent && rawIdempotencyKey !== undefined
      ? validate(idempotencyKeySchema, rawIdempotencyKey, within("idempotencyKey"))
      : undefined;
  const actor: Actor = { actor: DIRECT_ACTOR, ...(claimedActor === undefined ? {} : { claimedActor }) };
  const answer = await op.servePayload(fields, { ...base, orgId, keyId, actor, idempotencyKey });
  return answer.body;
}

/** A direct invocation's error: the envelope of API.md §4 plus the status an HTTP caller would get. */
export type DirectError = { status: number } & ErrorEnvelope;

/**
 * The direct door's handler: any payload is a direct invocation, served over the key service's
 * dependencies built (and checked) once from the function's runtime.
 */
export function createHandler(runtime: Runtime): (payload: unknown, context: Context) => Promise<unknown> {
  const deps = keyServiceDepsOf(runtime, { usageTable: true });
  return async (payload, context) => {
    try {
      return await serveDirect(deps, payload);
    } catch (error) {
      const result = errorResult(error, context.awsRequestId);
      return { status: result.statusCode, ...(result.body as ErrorEnvelope) } satisfies DirectError;
    }
  };
}

/** The Lambda entry point: built once, when the function starts, from its environment. */
export const handler = createHandler(runtimeFromEnvironment(process.env));
