import middy from "@middy/core";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { z } from "zod";
import type { ErrorEnvelope } from "../../contract/error-codes";
import { SERVICE } from "../../contract/metric-names";
import { deleteSecretOfRevoked } from "../shared/api-keys/key-secrets";
import { httpEnvelope } from "../shared/http/envelope";
import { HttpError, notFound, validationError } from "../shared/http/errors";
import { headerValues } from "../shared/http/headers";
import { errorResult, type HttpResult } from "../shared/http/response";
import { parseJsonBody, parseQuery, pathParameter, validate } from "../shared/http/validation";
import { requestTelemetry } from "../shared/observability/telemetry";
import {
  type Actor,
  createKey,
  getKey,
  type KeyServiceDeps,
  listAuditEvents,
  listKeys,
  type Outcome,
  revokeKey,
  rotateKey,
  updateKey,
} from "./key-service";
import {
  claimedActorSchema,
  createKeySchema,
  idempotencyKeySchema,
  isKeyId,
  listAuditEventsInputSchema,
  listAuditEventsQuerySchema,
  listKeysInputSchema,
  listKeysQuerySchema,
  orgIdSchema,
  revokeKeySchema,
  rotateKeySchema,
  updateKeySchema,
} from "./schemas";
import { keyServiceDeps } from "./service-deps";

/**
 * The management Lambda (API.md §5). One function serves two callers:
 * - API Gateway proxy events on the admin routes (IAM-authorized; a bearer token locally), answered
 *   as proxy results in the shared envelope;
 * - direct invocations (Lambda console, `aws lambda invoke`) of the form
 *   `{ "action": "createKey", "orgId": "...", "keyId"?: "...", ...the HTTP body's fields }`, answered
 *   with the same JSON body, or with the error envelope plus `"status"`. A direct invocation may also
 *   carry `actor` (any action; recorded unverified as the audit event's `claimedActor`) and
 *   `idempotencyKey` (createKey only; the `Idempotency-Key` header's counterpart).
 * Both validate with the same schemas and call the same service. Nothing here logs an event or a body.
 */

const KEYS_PATH = "/admin/v1/orgs/{orgId}/api-keys";
const KEY_PATH = `${KEYS_PATH}/{keyId}`;
const AUDIT_PATH = "/admin/v1/orgs/{orgId}/audit-events";
const DIRECT_ACTOR = "direct-invoke";
const IDEMPOTENCY_HEADER = "Idempotency-Key";

/** One operation as it is being served. */
interface Call {
  deps: KeyServiceDeps;
  orgId: string;
  /** The key it names; "" for operations on the org's collection. */
  keyId: string;
  /**
   * Who asked: the IAM principal's ARN, `local-admin` locally, `direct-invoke` for direct invocations
   * (with the payload's self-declared `actor` as `claimedActor`).
   */
  actor: Actor;
  /** Who is calling: API Gateway, or a direct invocation. */
  via: "http" | "direct";
  /** Where this caller finds the org's keys (`Location` of a created key): each HTTP door has its own. */
  keysPath: string;
  /** A create's `Idempotency-Key` (header) or `idempotencyKey` (payload field), validated. */
  idempotencyKey?: string;
  /** Where an input field is in error details: `query.cursor` on a query route, `cursor` in a payload. */
  fieldPath: (field: string) => string;
}

/** What an operation answers: the JSON body both callers get, and the HTTP-only status and headers. */
interface Answer {
  statusCode: 200 | 201;
  body: unknown;
  headers?: Record<string, string>;
}

/** Where an operation's input comes from over HTTP; a direct invocation carries it as JSON fields. */
type InputSpec<I> =
  /** A JSON body; `nowMs` is the clock reading a schema may need (`expiresAt` in the future). */
  | { from: "body"; schema: (nowMs: number) => z.ZodType<I>; optional?: boolean }
  /** Query parameters (strings) over HTTP; the same fields typed as JSON in a payload. */
  | { from: "query"; schema: z.ZodType<I>; payloadSchema: z.ZodType<I> };

interface OperationSpec<I> {
  method: "GET" | "POST" | "PATCH";
  /** API Gateway resource path, as in the route table. */
  resource: string;
  takesKeyId: boolean;
  /** Honours `Idempotency-Key` (the header; `idempotencyKey` in a payload). */
  idempotent?: boolean;
  input: InputSpec<I>;
  run: (call: Call, input: I) => Promise<Answer>;
}

/** An operation with its input type erased: it validates its own input from either caller. */
interface Operation {
  method: string;
  resource: string;
  takesKeyId: boolean;
  idempotent: boolean;
  serveEvent: (event: APIGatewayProxyEvent, call: Omit<Call, "fieldPath">) => Promise<Answer>;
  servePayload: (fields: Record<string, unknown>, call: Omit<Call, "fieldPath">) => Promise<Answer>;
}

/** No fields at all: an operation without input still refuses unknown query parameters and fields. */
const noFields = z.strictObject({});

/** `Idempotency-Key` of an HTTP call: absent, or one valid value (400 at `headers.Idempotency-Key`). */
function idempotencyHeader(event: APIGatewayProxyEvent): string | undefined {
  const values = [...new Set(headerValues(event, IDEMPOTENCY_HEADER))];
  if (values.length === 0) return undefined;
  const path = `headers.${IDEMPOTENCY_HEADER}`;
  if (values.length > 1) throw validationError([{ path, message: `Send one ${IDEMPOTENCY_HEADER}.` }]);
  return validate(idempotencyKeySchema, values[0], [path]);
}

function operation<I>(spec: OperationSpec<I>): Operation {
  const { input } = spec;
  const plain = (field: string) => field;
  return {
    method: spec.method,
    resource: spec.resource,
    takesKeyId: spec.takesKeyId,
    idempotent: spec.idempotent ?? false,
    serveEvent: async (event, call) => {
      const now = call.deps.clock();
      if (spec.idempotent) call = { ...call, idempotencyKey: idempotencyHeader(event) };
      if (input.from === "body") {
        const body = parseJsonBody(event, input.schema(now), { optional: input.optional });
        parseQuery(event, noFields);
        return spec.run({ ...call, fieldPath: plain }, body);
      }
      const query = parseQuery(event, input.schema);
      return spec.run({ ...call, fieldPath: (field) => `query.${field}` }, query);
    },
    servePayload: async (fields, call) => {
      const schema = input.from === "body" ? input.schema(call.deps.clock()) : input.payloadSchema;
      return spec.run({ ...call, fieldPath: plain }, validate(schema, fields));
    },
  };
}

/** A service outcome as the answer's body, or the error a caller should see. */
function unwrap<T>(outcome: Outcome<T>, call: Call): T {
  if (outcome.ok) return outcome.value;
  switch (outcome.reason) {
    case "not_found":
      throw notFound("API key");
    case "invalid_cursor":
      throw validationError([
        { path: call.fieldPath("cursor"), message: "The cursor is not valid for this list." },
      ]);
    case "conflict":
      throw new HttpError("conflict", outcome.message);
    case "idempotency_replay": {
      // The key itself is never shown again: a replay names the key it created, nothing more.
      const where = call.via === "direct" ? "idempotencyKey" : `headers.${IDEMPOTENCY_HEADER}`;
      throw new HttpError(
        "conflict",
        `This idempotency key was already used to create the API key ${outcome.keyId}; the key is not shown again.`,
        { details: [{ path: where, message: `Already used to create ${outcome.keyId}.` }] },
      );
    }
    case "busy":
      throw new HttpError("unavailable", "The API key is being changed by another request; try again.", {
        headers: { "Retry-After": "1" },
      });
  }
}

/** Every operation by its direct-invocation action name. */
const OPERATIONS = {
  createKey: operation({
    method: "POST",
    resource: KEYS_PATH,
    takesKeyId: false,
    idempotent: true,
    input: { from: "body", schema: createKeySchema },
    run: async (call, input) => {
      const created = unwrap(
        await createKey(call.deps, call.orgId, input, call.actor, { idempotencyKey: call.idempotencyKey }),
        call,
      );
      return {
        statusCode: 201,
        body: created,
        headers: { Location: `${call.keysPath}/${created.id}` },
      };
    },
  }),
  listKeys: operation({
    method: "GET",
    resource: KEYS_PATH,
    takesKeyId: false,
    input: { from: "query", schema: listKeysQuerySchema, payloadSchema: listKeysInputSchema },
    run: async (call, input) => ({
      statusCode: 200,
      body: unwrap(await listKeys(call.deps, call.orgId, input), call),
    }),
  }),
  getKey: operation({
    method: "GET",
    resource: KEY_PATH,
    takesKeyId: true,
    input: { from: "query", schema: noFields, payloadSchema: noFields },
    run: async (call) => ({
      statusCode: 200,
      body: unwrap(await getKey(call.deps, call.orgId, call.keyId), call),
    }),
  }),
  revokeKey: operation({
    method: "POST",
    resource: `${KEY_PATH}/revoke`,
    takesKeyId: true,
    input: { from: "body", schema: () => revokeKeySchema, optional: true },
    run: async (call) => {
      const revoked = unwrap(await revokeKey(call.deps, call.orgId, call.keyId, call.actor), call);
      // Secrets Manager hook: every revoke (a repeat too) schedules the copy's deletion; a failure is a 502.
      await deleteSecretOfRevoked(call.deps.secrets, { orgId: call.orgId, keyId: call.keyId }, true);
      return { statusCode: 200, body: revoked };
    },
  }),
  updateKey: operation({
    method: "PATCH",
    resource: KEY_PATH,
    takesKeyId: true,
    input: { from: "body", schema: () => updateKeySchema, optional: true },
    run: async (call, input) => ({
      statusCode: 200,
      body: unwrap(await updateKey(call.deps, call.orgId, call.keyId, input, call.actor), call),
    }),
  }),
  rotateKey: operation({
    method: "POST",
    resource: `${KEY_PATH}/rotate`,
    takesKeyId: true,
    input: { from: "body", schema: rotateKeySchema, optional: true },
    run: async (call, input) => {
      const rotated = unwrap(await rotateKey(call.deps, call.orgId, call.keyId, input, call.actor), call);
      // Revoked by the rotation: its copy goes. Never a failed answer here, or the new key would be lost.
      if (!input.gracePeriodSeconds) {
        await deleteSecretOfRevoked(call.deps.secrets, { orgId: call.orgId, keyId: call.keyId }, false);
      }
      return {
        statusCode: 201,
        body: rotated,
        headers: { Location: `${call.keysPath}/${rotated.id}` },
      };
    },
  }),
  listAuditEvents: operation({
    method: "GET",
    resource: AUDIT_PATH,
    takesKeyId: false,
    input: { from: "query", schema: listAuditEventsQuerySchema, payloadSchema: listAuditEventsInputSchema },
    run: async (call, input) => ({
      statusCode: 200,
      body: unwrap(await listAuditEvents(call.deps, call.orgId, input), call),
    }),
  }),
} satisfies Record<string, Operation>;

const byAction = new Map<string, Operation>(Object.entries(OPERATIONS));
const byRoute = new Map<string, Operation>(
  Object.values(OPERATIONS).map((op) => [`${op.method} ${op.resource}`, op]),
);
const ACTIONS = [...byAction.keys()].join(", ");

const parseOrgId = (value: unknown) => validate(orgIdSchema, value, ["orgId"]);

/**
 * The path's key id as the request log may show it: a path segment that is no key id may be anything
 * the caller typed there, a full key pasted in place of its id among them, and is never logged.
 */
const loggedKeyId = (value: string | undefined) =>
  value === undefined || isKeyId(value) ? value : "invalid";

/**
 * What an HTTP door (IAM on `/admin/v1`, Cognito on `/console/v1`) decided about a request: which
 * org, who is asking, and which operation (named by its admin API resource path). Nothing else
 * differs between doors.
 */
export interface HttpDoor {
  orgId: string;
  actor: Actor;
  /** The admin API's resource path of the operation asked for (`/admin/v1/orgs/{orgId}/api-keys`). */
  resource: string;
  /** Where this door serves the org's keys, for `Location`. */
  keysPath: string;
}

/** Serves one HTTP request through the door that admitted it, with the admin API's bodies and answers. */
export async function serveThroughDoor(event: APIGatewayProxyEvent, door: HttpDoor): Promise<HttpResult> {
  const op = byRoute.get(`${event.httpMethod} ${door.resource}`);
  if (!op) throw notFound("route");
  const keyId = op.takesKeyId ? pathParameter(event, "keyId") : "";
  const answer = await op.serveEvent(event, {
    deps: keyServiceDeps(),
    via: "http",
    orgId: door.orgId,
    keyId,
    actor: door.actor,
    keysPath: door.keysPath,
  });
  return { statusCode: answer.statusCode, body: answer.body, headers: answer.headers };
}

const serveHttp = middy<APIGatewayProxyEvent, APIGatewayProxyResult | HttpResult>()
  .use(
    requestTelemetry(SERVICE.admin, (event) => ({
      orgId: event.pathParameters?.orgId,
      keyId: loggedKeyId(event.pathParameters?.keyId),
      actor: event.requestContext.identity?.userArn ?? undefined,
    })),
  )
  .use(httpEnvelope())
  .handler(async (event): Promise<HttpResult> => {
    if (!byRoute.has(`${event.httpMethod} ${event.resource}`)) throw notFound("route");
    // IAM authorization puts the caller's ARN here (the local runtime: `local-admin`); without it, refuse.
    const actor = event.requestContext.identity?.userArn;
    if (!actor) throw new HttpError("forbidden", "This route needs an authenticated administrator.");
    const orgId = parseOrgId(pathParameter(event, "orgId"));
    return serveThroughDoor(event, {
      orgId,
      actor: { actor },
      resource: event.resource,
      keysPath: `/admin/v1/orgs/${orgId}/api-keys`,
    });
  });

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

async function serveDirect(payload: unknown): Promise<unknown> {
  if (!isObject(payload)) {
    throw validationError([{ path: "body", message: "The invocation payload must be a JSON object." }]);
  }
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
    ? validate(z.string("Name the key: keyId is required."), rawKeyId, ["keyId"])
    : "";
  // Fields an operation does not take stay in: its strict schema names them as unknown.
  const fields = {
    ...rest,
    ...(op.takesKeyId || rawKeyId === undefined ? {} : { keyId: rawKeyId }),
    ...(op.idempotent || rawIdempotencyKey === undefined ? {} : { idempotencyKey: rawIdempotencyKey }),
  };
  const claimedActor = rawActor === undefined ? undefined : validate(claimedActorSchema, rawActor, ["actor"]);
  const idempotencyKey =
    op.idempotent && rawIdempotencyKey !== undefined
      ? validate(idempotencyKeySchema, rawIdempotencyKey, ["idempotencyKey"])
      : undefined;
  const actor: Actor = { actor: DIRECT_ACTOR, ...(claimedActor === undefined ? {} : { claimedActor }) };
  const answer = await op.servePayload(fields, {
    deps: keyServiceDeps(),
    via: "direct",
    orgId,
    keyId,
    actor,
    idempotencyKey,
    keysPath: `/admin/v1/orgs/${orgId}/api-keys`,
  });
  return answer.body;
}

/** A direct invocation's error: the envelope of API.md §4 plus the status an HTTP caller would get. */
export type DirectError = { status: number } & ErrorEnvelope;

function isProxyEvent(event: unknown): event is APIGatewayProxyEvent {
  return isObject(event) && typeof event.httpMethod === "string" && isObject(event.requestContext);
}

/** Lambda entry point: an API Gateway proxy event, or a direct invocation's payload. */
export function handler(event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult>;
export function handler(event: unknown, context: Context): Promise<unknown>;
export async function handler(event: unknown, context: Context): Promise<unknown> {
  if (isProxyEvent(event)) return serveHttp(event, context);
  try {
    return await serveDirect(event);
  } catch (error) {
    const result = errorResult(error, context.awsRequestId);
    return { status: result.statusCode, ...(result.body as ErrorEnvelope) } satisfies DirectError;
  }
}
