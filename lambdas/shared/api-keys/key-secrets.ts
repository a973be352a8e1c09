import {
  CreateSecretCommand,
  DeleteSecretCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { secretName } from "../../../contract/secret-names";
import { errorFields, log } from "../observability/log";
import { upstreamFailed } from "../outcome";

/**
 * The optional Secrets Manager hook (API.md §5): a copy of each created or rotated key, where the
 * admin asked for it, under `fynex/<env>/api-keys/<orgId>/<keyId>`, tagged with the environment, org
 * and key. Revoking schedules the copy's deletion.
 *
 * Order, so that no failure leaves an active key without its copy (`commitWithSecret`): the secret is
 * written first, then the key item. If the secret cannot be written, nothing else happens. If the item
 * cannot be written, the copy is removed again, unless a read shows the item did commit after all (an
 * ambiguous failure), in which case the copy stays with its key. The only leftover any failure can
 * make is a copy of a key that never worked, never an active key without a copy.
 */

/** Names the key a copy belongs to. */
export interface KeySecretRef {
  orgId: string;
  keyId: string;
}

/** Where key copies go. Injected: the management Lambda builds one only when the hook is on. */
export interface KeySecretStore {
  /** Writes the copy of a key that is about to exist, tagged; answers the secret's ARN. */
  write(ref: KeySecretRef, key: string): Promise<string>;
  /** Removes the copy of a key that never came to exist: at once, no recovery window. */
  discard(ref: KeySecretRef): Promise<void>;
  /** Schedules the copy of a revoked key for deletion, recoverable for the recovery window. */
  scheduleDeletion(ref: KeySecretRef): Promise<void>;
}

/** Days a revoked key's copy can still be restored (Secrets Manager allows 7 to 30). */
export const SECRET_RECOVERY_WINDOW_DAYS = 7;

/** Tag keys on every copy, so that Secrets Manager (and cost reports) can be searched by org and key. */
export const SECRET_TAGS = { env: "fynex:env", orgId: "fynex:orgId", keyId: "fynex:keyId" } as const;

/** What a copy holds: the key, and what names it (JSON, so consumers can pick `key` by name). */
export interface KeySecretValue extends KeySecretRef {
  key: string;
}

/** By name: the SDK's error classes may come from more than one copy of the package. */
const isNamed = (error: unknown, ...names: string[]) => error instanceof Error && names.includes(error.name);

/** A key store over Secrets Manager; `client` is created by the caller, once, only with the hook on. */
export function secretsManagerKeyStore(
  client: SecretsManagerClient,
  envName: string,
  options: { recoveryWindowDays?: number } = {},
): KeySecretStore {
  const nameOf = (ref: KeySecretRef) => secretName(envName, ref);
  return {
    write: async (ref, key) => {
      const value: KeySecretValue = { key, orgId: ref.orgId, keyId: ref.keyId };
      // Tags travel with CreateSecret: the copy never exists untagged.
      const { ARN } = await client.send(
        new CreateSecretCommand({
          Name: nameOf(ref),
          Description: `Fynex API key ${ref.keyId} of org ${ref.orgId} (${envName})`,
          SecretString: JSON.stringify(value),
          Tags: [
            { Key: SECRET_TAGS.env, Value: envName },
            { Key: SECRET_TAGS.orgId, Value: ref.orgId },
            { Key: SECRET_TAGS.keyId, Value: ref.keyId },
          ],
        }),
      );
      if (!ARN) throw new Error("CreateSecret answered no ARN");
      return ARN;
    },
    discard: async (ref) => {
      try {
        await client.send(
          new DeleteSecretCommand({ SecretId: nameOf(ref), ForceDeleteWithoutRecovery: true }),
        );
      } catch (error) {
        if (!isNamed(error, "ResourceNotFoundException")) throw error;
      }
    },
    scheduleDeletion: async (ref) => {
      try {
        await client.send(
          new DeleteSecretCommand({
            SecretId: nameOf(ref),
            RecoveryWindowInDays: options.recoveryWindowDays ?? SECRET_RECOVERY_WINDOW_DAYS,
          }),
        );
      } catch (error) {
        // No copy (a key made before the hook was on), or one already scheduled: nothing left to do.
        if (!isNamed(error, "ResourceNotFoundException", "InvalidRequestException")) throw error;
      }
    },
  };
}

/** The secret could not be written: nothing was created (the edge answers 502: the upstream store failed). */
export const secretWriteFailed = () =>
  upstreamFailed("Secrets Manager did not take the key's copy, so no key was created; try again.");

/** The key is revoked, but its copy is not scheduled for deletion; a repeated revoke tries again. */
export const secretDeletionFailed = () =>
  upstreamFailed(
    "The key is revoked, but Secrets Manager did not schedule its copy for deletion; repeat the revoke to try again.",
  );

export interface CommitWithSecret<T> {
  store: KeySecretStore | undefined;
  ref: KeySecretRef;
  /** The new key, for its copy. */
  key: string;
  /** The write that makes the key exist (its item, in whatever transaction goes with it). */
  commit: () => Promise<T>;
  /** Whether `commit`'s result made the key exist; an outcome such as a conflict did not. Default: yes. */
  committed?: (result: T) => boolean;
  /** After `commit` threw: does the key's item exist after all? (A strongly consistent read.) */
  exists: () => Promise<boolean>;
}

/** A failed Secrets Manager step, logged with the key's id and org: never the key, never the copy. */
function logCopyFailure(message: string, ref: KeySecretRef, error: unknown): void {
  log("error", message, { keyId: ref.keyId, orgId: ref.orgId, ...errorFields(error) });
}

/**
 * Runs the write that makes a key exist with its copy written first (see the module comment). Answers
 * the commit's result and the copy's ARN (undefined with the hook off). Throws `secretWriteFailed`
 * when the copy cannot be written, and the commit's own error when the commit fails.
 */
export async function commitWithSecret<T>(
  options: CommitWithSecret<T>,
): Promise<{ result: T; secretArn?: string }> {
  const { store, ref } = options;
  if (!store) return { result: await options.commit() };
  let secretArn: string;
  try {
    secretArn = await store.write(ref, options.key);
  } catch (error) {
    logCopyFailure("key copy not written to Secrets Manager", ref, error);
    throw secretWriteFailed();
  }
  let result: T;
  try {
    result = await options.commit();
  } catch (error) {
    await discardUnlessCommitted(store, ref, options.exists);
    throw error;
  }
  if (options.committed && !options.committed(result)) {
    await discardQuietly(store, ref);
    return { result };
  }
  return { result, secretArn };
}

async function discardUnlessCommitted(
  store: KeySecretStore,
  ref: KeySecretRef,
  exists: () => Promise<boolean>,
): Promise<void> {
  let committed: boolean;
  try {
    committed = await exists();
  } catch (error) {
    // Unknown: keep the copy. A copy of a key that may not exist is harmless; a key without one is not.
    logCopyFailure("could not tell whether a key committed; its copy is kept", ref, error);
    return;
  }
  if (!committed) await discardQuietly(store, ref);
}

/** Compensation is best effort: a failed discard leaves a copy of a key that never worked, logged. */
async function discardQuietly(store: KeySecretStore, ref: KeySecretRef): Promise<void> {
  try {
    await store.discard(ref);
  } catch (error) {
    logCopyFailure("copy of a key that was never created is left in Secrets Manager", ref, error);
  }
}

/**
 * Schedules a revoked key's copy for deletion. `strict`: a failure is the caller's error (an admin's
 * revoke answers 502 and can be repeated); otherwise it is logged (a leak report must not fail on it).
 */
export async function deleteSecretOfRevoked(
  store: KeySecretStore | undefined,
  ref: KeySecretRef,
  strict: boolean,
): Promise<void> {
  if (!store) return;
  try {
    await store.scheduleDeletion(ref);
  } catch (error) {
    logCopyFailure("copy of a revoked key not scheduled for deletion", ref, error);
    if (strict) throw secretDeletionFailed();
  }
}

/**
 * The hook's store for these settings, or undefined when the hook is off. Called once per execution
 * environment (by `keyServiceDepsOf`, from a function's `createHandler`), so the Secrets Manager client
 * is made once, when the function starts, and never when the hook is off.
 */
export function keySecretStoreFor(settings: {
  secretsManagerHook?: boolean;
  envName?: string;
}): KeySecretStore | undefined {
  if (!settings.secretsManagerHook) return undefined;
  if (!settings.envName) throw new Error("FYNEX_ENV is not set, and the Secrets Manager hook needs it");
  return secretsManagerKeyStore(new SecretsManagerClient({}), settings.envName);
}
