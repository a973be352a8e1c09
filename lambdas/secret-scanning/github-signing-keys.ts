import { createPublicKey, verify } from "node:crypto";
import { type DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { GITHUB_SIGNING_KEYS_PK } from "../../contract/tables";

/**
 * The public keys a secret-scanning report must be signed with (API.md §8): GitHub's published
 * secret-scanning keys, by `key_identifier`. Two sources:
 * - the environment's own list (`FYNEX_SECRET_SCANNING_KEYS`, a JSON object of key id → PEM), which
 *   is how the local runtime and tests trust a key;
 * - deployed, the item the scheduled refresher writes into the keys table (`GITHUB_SIGNING_KEYS_PK`), read
 *   through a short cache.
 */

/** Key id → PEM (SubjectPublicKeyInfo, as GitHub publishes them). */
export type SigningKeyMap = Record<string, string>;

/** What the refresher stores; `keys` is the whole published list, current and retiring keys alike. */
export interface SigningKeysItem {
  pk: typeof GITHUB_SIGNING_KEYS_PK;
  keys: SigningKeyMap;
  /** GitHub's ETag of the list, for a conditional request next time (a 304 costs no rate limit). */
  etag?: string;
  /** ISO time of the fetch that produced `keys`. */
  fetchedAt: string;
}

/**
 * True when `pem` is an EC public key on P-256 (the only kind GitHub signs reports with), in
 * SubjectPublicKeyInfo PEM. A private key is refused even though a public key can be derived from it:
 * no private key belongs in a setting.
 */
export function isP256PublicKey(pem: string): boolean {
  if (!pem.trimStart().startsWith("-----BEGIN PUBLIC KEY-----")) return false;
  try {
    const key = createPublicKey(pem);
    return key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1";
  } catch {
    return false;
  }
}

/**
 * Verifies GitHub's `Github-Public-Key-Signature`: base64 of a DER-encoded ECDSA signature, with
 * SHA-256, over the raw body exactly as received. Any malformed input is simply not a valid signature.
 */
export function verifyReportSignature(rawBody: Buffer, signatureBase64: string, pem: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signatureBase64)) return false;
  try {
    return verify(
      "sha256",
      rawBody,
      { key: pem, dsaEncoding: "der" },
      Buffer.from(signatureBase64, "base64"),
    );
  } catch {
    return false;
  }
}

export interface SigningKeySourceDeps {
  /** The environment's own keys (local runtime, tests); checked first. */
  configured: SigningKeyMap;
  /** Where the refresher's item is read from; absent locally when nothing is stored. */
  store?: { db: DynamoDBDocumentClient; table: string };
  clock: () => number;
}

/** How long the stored list is trusted before it is read again. */
export const SIGNING_KEYS_CACHE_MS = 60_000;
/** An unknown key id re-reads the list, at most this often (a report signed with a key GitHub just added). */
export const UNKNOWN_SIGNING_KEY_REREAD_MS = 5_000;

/** Looks up a trusted key by its id: the configured keys, then the stored list (cached). */
export interface SigningKeySource {
  lookup(keyId: string): Promise<string | undefined>;
}

export function signingKeySource(deps: SigningKeySourceDeps): SigningKeySource {
  let cached: { keys: SigningKeyMap; readAt: number } | undefined;
  const read = async (): Promise<SigningKeyMap> => {
    if (!deps.store) return {};
    const { Item } = await deps.store.db.send(
      new GetCommand({ TableName: deps.store.table, Key: { pk: GITHUB_SIGNING_KEYS_PK } }),
    );
    const keys = (Item as Partial<SigningKeysItem> | undefined)?.keys;
    return keys && typeof keys === "object" ? keys : {};
  };
  return {
    lookup: async (keyId) => {
      if (Object.hasOwn(deps.configured, keyId)) return deps.configured[keyId];
      if (!deps.store) return undefined;
      const now = deps.clock();
      const age = cached === undefined ? Number.POSITIVE_INFINITY : now - cached.readAt;
      const known = cached !== undefined && Object.hasOwn(cached.keys, keyId);
      if (age >= SIGNING_KEYS_CACHE_MS || (!known && age >= UNKNOWN_SIGNING_KEY_REREAD_MS)) {
        cached = { keys: await read(), readAt: now };
      }
      return Object.hasOwn(cached?.keys ?? {}, keyId) ? cached?.keys[keyId] : undefined;
    },
  };
}
