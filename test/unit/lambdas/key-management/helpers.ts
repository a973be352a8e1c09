import { readFileSync } from "node:fs";
import type { APIGatewayProxyEvent, Context } from "aws-lambda";
import * as z from "zod";
import type { Runtime } from "../../../../contract/runtime";
import type { ApiKeyItem } from "../../../../lambdas/shared/api-keys/key-record";
import { decodeCursor, encodeCursor } from "../../../../lambdas/shared/dynamo/cursor";
import { offlineDynamo } from "../../../offline-dynamo";

/** The admin tests' fixed instant: 7 min 42.123 s into the 15:00 rate window. */
export const NOW = Date.parse("2025-06-17T15:07:42.123Z");
export const WINDOW_START = Date.parse("2025-06-17T15:00:00Z") / 1000;
export const SETTINGS = {
  keysTable: "keys",
  dataTable: "",
  auditTable: "audit",
  usageTable: "usage",
  rateLimit: 100,
  rateWindowSeconds: 900,
};
export const KEY_PATTERN = /^fynex_k_[0-9A-Za-z]{49}$/;

/** API.md §1 test vector: the random bytes 00..1f make this key, id, hash and hint. */
export const VECTOR = {
  random: Uint8Array.from({ length: 32 }, (_, i) => i),
  key: "fynex_k_003aUlTJC7tjlCTQj2uNU3MFagCXG9LRKRcwGkBIDlf3oAV0y",
  id: "key_5u1a57vZeyw1x9yto1mqYA",
  hash: "c1f996ff0b66c7511308ea0f18906426097df8ba053d122238d3ecad2cc6a51e",
  hint: "fynex_k_003a…AV0y",
};

/** What the doors are built over in tests: a clock the test controls, an offline client, the test settings. */
export function testRuntime(clock: () => number = () => NOW): Runtime {
  return { clock, dynamo: offlineDynamo(), settings: SETTINGS };
}

/** Sequential, well-formed key ids: `key_` + 22 base62 digits. */
export const keyIdFor = (n: number) => `key_${String(n).padStart(22, "0")}`;

/** A stored key as the table holds it; `n` makes its id and creation time (later n, newer key). */
export function storedKey(n: number, overrides: Partial<ApiKeyItem> = {}): ApiKeyItem {
  return {
    pk: keyIdFor(n),
    hash: "ab".repeat(32),
    orgId: "acme",
    name: `Key ${n}`,
    scopes: ["accounts:read"],
    hint: "fynex_k_abcd…wxyz",
    createdAt: new Date(Date.parse("2025-06-01T00:00:00.000Z") + n * 60_000).toISOString(),
    createdBy: "arn:aws:iam::123456789012:user/admin",
    windowStart: WINDOW_START,
    windowCount: 7,
    ...overrides,
  };
}

/** What the org index holds for a stored key (its keys and the status attributes only). */
export function indexEntry(item: ApiKeyItem): Record<string, unknown> {
  const { pk, orgId, createdAt, expiresAt, revokedAt } = item;
  return {
    pk,
    orgId,
    createdAt,
    ...(expiresAt === undefined ? {} : { expiresAt }),
    ...(revokedAt === undefined ? {} : { revokedAt }),
  };
}

// The fields of the captured event the admin handler relies on; the rest is passed through as AWS sent it.
const iamEventSchema = z.looseObject({
  httpMethod: z.string(),
  resource: z.string(),
  headers: z.record(z.string(), z.string()),
  multiValueHeaders: z.record(z.string(), z.array(z.string())),
  requestContext: z.looseObject({
    requestId: z.string(),
    identity: z.looseObject({ userArn: z.string() }),
  }),
});

/** The real AWS_IAM proxy event of `test/fixtures/apigw-rest/`. */
const IAM_EVENT = iamEventSchema.parse(
  JSON.parse(readFileSync(new URL("../../../fixtures/apigw-rest/iam-auth.json", import.meta.url), "utf8")),
);
export const FIXTURE_REQUEST_ID = IAM_EVENT.requestContext.requestId;
export const FIXTURE_USER_ARN = IAM_EVENT.requestContext.identity.userArn;

export interface AdminRequest {
  method: "GET" | "POST" | "PATCH";
  /** Resource with placeholders, as API Gateway reports it. */
  resource: string;
  pathParameters: Record<string, string>;
  query?: Record<string, string | string[]>;
  body?: string;
  contentType?: string;
  userArn?: string | null;
}

/** A proxy event for an admin route, built on the captured IAM event. */
export function adminEvent(request: AdminRequest): APIGatewayProxyEvent {
  const path = request.resource.replace(
    /\{(\w+)\}/g,
    (_, name: string) => request.pathParameters[name] ?? "",
  );
  const headers: Record<string, string> = { ...IAM_EVENT.headers };
  const multiValueHeaders: Record<string, string[]> = { ...IAM_EVENT.multiValueHeaders };
  if (request.contentType) {
    headers["Content-Type"] = request.contentType;
    multiValueHeaders["Content-Type"] = [request.contentType];
  }
  const entries = Object.entries(request.query ?? {});
  const event = {
    ...IAM_EVENT,
    resource: request.resource,
    path,
    httpMethod: request.method,
    headers,
    multiValueHeaders,
    pathParameters: request.pathParameters,
    queryStringParameters:
      entries.length === 0
        ? null
        : Object.fromEntries(entries.map(([k, v]) => [k, Array.isArray(v) ? (v.at(-1) ?? "") : v])),
    multiValueQueryStringParameters:
      entries.length === 0
        ? null
        : Object.fromEntries(entries.map(([k, v]) => [k, Array.isArray(v) ? v : [v]])),
    body: request.body ?? null,
    requestContext: {
      ...IAM_EVENT.requestContext,
      resourcePath: request.resource,
      httpMethod: request.method,
      path: `/prod${path}`,
      identity: {
        ...IAM_EVENT.requestContext.identity,
        userArn: request.userArn === undefined ? FIXTURE_USER_ARN : request.userArn,
      },
    },
  };
  // The captured event is a real APIGatewayProxyEvent; the schema above checked what the handler reads.
  return event as unknown as APIGatewayProxyEvent;
}

export const KEYS_RESOURCE = "/admin/v1/orgs/{orgId}/api-keys";
export const KEY_RESOURCE = `${KEYS_RESOURCE}/{keyId}`;
export const REVOKE_RESOURCE = `${KEY_RESOURCE}/revoke`;
export const ROTATE_RESOURCE = `${KEY_RESOURCE}/rotate`;
export const AUDIT_RESOURCE = "/admin/v1/orgs/{orgId}/audit-events";

/** A Lambda context as the runtime passes it; only `awsRequestId` matters to the admin handler. */
export function lambdaContext(awsRequestId = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: "fynex-admin",
    functionVersion: "$LATEST",
    invokedFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:fynex-admin",
    memoryLimitInMB: "512",
    awsRequestId,
    logGroupName: "/aws/lambda/fynex-admin",
    logStreamName: "2025/06/17/[$LATEST]abcdef",
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** The cursor the list hands out after the index entry at `position`. */
export function cursorAt(position: { orgId: string; createdAt: string; pk: string }): string {
  return encodeCursor(position.orgId, { createdAt: position.createdAt, pk: position.pk });
}

/** The index key a cursor resumes after, as the list would hand it to DynamoDB; undefined if foreign. */
export function positionIn(cursor: string, orgId: string) {
  const position = decodeCursor(cursor, orgId, z.record(z.string(), z.string()));
  return position && { orgId, ...position };
}
