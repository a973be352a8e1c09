import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { type AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { allCustomMatcherWithAliases } from "aws-sdk-client-mock-vitest";
import { afterAll, afterEach, expect } from "vitest";
import type { RetryPolicy } from "../../../../contract/runtime";
import type { KeyServiceDeps } from "../../../../lambdas/key-management/key-store";
import { AUDIT_RETENTION_SECONDS } from "../../../../lambdas/shared/api-keys/audit-events";
import { DEFAULT_RETRY } from "../../../../lambdas/shared/dynamo/transact";
import { unstub } from "../../../client-stubs";
import { offlineDynamo } from "../../../offline-dynamo";
import { NOW, VECTOR } from "./helpers";
import { answerPolicyReads, resetPolicyReads } from "./policy-reads";

/**
 * What the key-management verb tests (`create-key.test.ts`, `rotate-key.test.ts`, ...) share: the
 * mocked document client, the service's dependencies with a fixed clock, random source and a retry
 * policy that never sleeps, and readers of the transactions sent.
 */
expect.extend(allCustomMatcherWithAliases);

/** The mocked document client, made anew for each file by `useVerbTestSetup`. */
export let ddb: AwsClientStub<DynamoDBDocumentClient>;

/** Mocks the document client for this file, resets it after each test and restores it at the end. */
export function useVerbTestSetup(): void {
  ddb = mockClient(DynamoDBDocumentClient);
  answerPolicyReads();
  afterEach(() => {
    ddb.reset();
    resetPolicyReads();
  });
  afterAll(() => unstub(DynamoDBDocumentClient));
}

/** The project's retry policy with jitter fixed at the middle and sleeps that return at once (or are recorded). */
export const testRetry = (sleep: RetryPolicy["sleep"] = async () => undefined): RetryPolicy => ({
  ...DEFAULT_RETRY,
  random: () => 0.5,
  sleep,
});

export function deps(overrides: Partial<KeyServiceDeps> = {}): KeyServiceDeps {
  return {
    db: DynamoDBDocumentClient.from(offlineDynamo()),
    table: "keys",
    auditTable: "audit",
    clock: () => NOW,
    settings: { rateLimit: 100, rateWindowSeconds: 900 },
    random: () => VECTOR.random,
    retry: testRetry(),
    ...overrides,
  };
}

export const ADMIN = "arn:aws:sts::123456789012:assumed-role/Admin/alice";

/** A cancelled transaction, one reason per item (a code, or a code with the item DynamoDB returned). */
export const cancelled = (...reasons: (string | { Code: string; Item?: Record<string, unknown> })[]) =>
  new TransactionCanceledException({
    message: "Transaction cancelled, please refer cancellation reasons for specific reasons",
    $metadata: {},
    CancellationReasons: reasons.map((reason) =>
      typeof reason === "string" ? { Code: reason } : (reason as { Code: string }),
    ),
  });

/** The items of the `n`th (1-based) transaction sent. */
export const transaction = (n = 1) =>
  ddb.commandCalls(TransactWriteCommand)[n - 1]?.args[0].input.TransactItems ?? [];

/** The audit items a transaction put. */
export const auditPuts = (n = 1) =>
  transaction(n)
    .filter((item) => item.Put?.TableName === "audit")
    .map((item) => item.Put?.Item as Record<string, unknown>);

export const EVENT_ID = expect.stringMatching(/^evt_[0-9A-Z]{26}$/);
export const auditTtl = Math.ceil(NOW / 1000) + AUDIT_RETENTION_SECONDS;

/** The error a verb throws when the store stays busy past the last retry (the edge answers 503). */
export const BUSY = expect.objectContaining({
  name: "OutageError",
  outage: { kind: "busy", message: expect.any(String), retryAfterSeconds: 1 },
});

/** A verb's outcome for a key that is not there, no longer there, or another org's. */
export const KEY_NOT_FOUND = { ok: false, failure: { kind: "not_found", what: "API key", problems: [] } };

/** A verb's outcome when the key's state forbids the change, for the reason `message` gives. */
export const conflictOver = (message: unknown) => ({
  ok: false,
  failure: { kind: "conflict", message, problems: [] },
});

/** A list's outcome for a cursor it did not hand out: invalid input at `cursor`. */
export const INVALID_CURSOR = {
  ok: false,
  failure: {
    kind: "invalid_input",
    problems: [{ path: ["cursor"], message: "The cursor is not valid for this list." }],
  },
};

/** A create's outcome for an idempotency key that already created `keyId`: a conflict at `idempotencyKey`. */
export const replayOf = (keyId: string) => ({
  ok: false,
  failure: {
    kind: "conflict",
    message: `This idempotency key was already used to create the API key ${keyId}; the key is not shown again.`,
    problems: [{ path: ["idempotencyKey"], message: `Already used to create ${keyId}.` }],
  },
});
