import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Fynex API key format (API.md §1):
 * `fynex_k_` + 43 base62 digits of 32 random bytes + 6 base62 digits of the CRC32 of the first 51 characters.
 */
export const API_KEY_PREFIX = "fynex_k_";
export const API_KEY_LENGTH = 57;
const RANDOM_DIGITS = 43;
const CHECKSUM_DIGITS = 6;
const ID_DIGITS = 22;
const KEY_PATTERN = /^fynex_k_[0-9A-Za-z]{49}$/;
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** Big-endian bytes read as one unsigned number, written in base62, left-padded with `0` to `width` digits. */
export function base62(bytes: Uint8Array, width: number): string {
  let n = 0n;
  for (const byte of bytes) n = (n << 8n) | BigInt(byte);
  return base62OfNumber(n, width);
}

function base62OfNumber(value: bigint, width: number): string {
  let n = value;
  let out = "";
  while (n > 0n) {
    out = BASE62[Number(n % 62n)] + out;
    n /= 62n;
  }
  if (out.length > width) throw new RangeError(`value needs more than ${width} base62 digits`);
  return out.padStart(width, "0");
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[i] = c >>> 0;
  }
  return table;
})();

/** CRC32 with the IEEE polynomial, as zlib computes it, of an ASCII string. */
export function crc32(text: string): number {
  let crc = 0xffffffff;
  for (let i = 0; i < text.length; i++) {
    crc = (CRC_TABLE[(crc ^ text.charCodeAt(i)) & 0xff] as number) ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function checksumDigits(body: string): string {
  return base62OfNumber(BigInt(crc32(body)), CHECKSUM_DIGITS);
}

/** A new key from 32 bytes of randomness (injectable so the test vector can be reproduced). */
export function generateApiKey(random: Uint8Array = randomBytes(32)): string {
  if (random.length !== 32) throw new RangeError("a key needs exactly 32 random bytes");
  const body = API_KEY_PREFIX + base62(random, RANDOM_DIGITS);
  return body + checksumDigits(body);
}

/**
 * The largest random part a key can have: 2^256 - 1 in 43 digits. 43 base62 digits reach a little
 * past 2^256, so some checksum-valid strings are no key; base62 digits sort as their ASCII codes, so
 * comparing the strings compares the numbers.
 */
const MAX_RANDOM_PART = base62(new Uint8Array(32).fill(0xff), RANDOM_DIGITS);

/**
 * True when `candidate` has the key's shape and a valid checksum, and its random part is 32 bytes'
 * worth (exactly the strings `generateApiKey` can make). Costs no I/O: the authorizer turns away
 * mistyped keys and garbage before touching DynamoDB.
 */
export function isWellFormedApiKey(candidate: string): boolean {
  if (candidate.length !== API_KEY_LENGTH || !KEY_PATTERN.test(candidate)) return false;
  if (candidate.slice(API_KEY_PREFIX.length, API_KEY_PREFIX.length + RANDOM_DIGITS) > MAX_RANDOM_PART)
    return false;
  const body = candidate.slice(0, API_KEY_LENGTH - CHECKSUM_DIGITS);
  return checksumDigits(body) === candidate.slice(API_KEY_LENGTH - CHECKSUM_DIGITS);
}

/** SHA-256 of the key, the only form the service stores. */
export function hashApiKey(key: string): Buffer {
  return createHash("sha256").update(key, "utf8").digest();
}

/** `key_` + the first 16 bytes of SHA-256(key) in 22 base62 digits. */
export function keyIdFromHash(hash: Uint8Array): string {
  return `key_${base62(hash.subarray(0, 16), ID_DIGITS)}`;
}

/** The key's id, derived from the key itself so its holder can name it without sending it. */
export function keyId(key: string): string {
  return keyIdFromHash(hashApiKey(key));
}

/** Shown in lists so a person can recognise a key: prefix, 4 characters, `…`, last 4. */
export function apiKeyHint(key: string): string {
  return `${key.slice(0, API_KEY_PREFIX.length + 4)}…${key.slice(-4)}`;
}

/** Everything the service keeps about a key's secret: its hash (hex), id and hint. */
export interface ApiKeyDigest {
  id: string;
  hashHex: string;
  hint: string;
}

/**
 * Whether a stored digest (hex) is the presented one, compared in constant time: how long the
 * comparison takes says nothing about how much of them agrees. Every comparison of a secret or of
 * a hash of one goes through here.
 */
export function sameDigest(stored: string | undefined, presented: string): boolean {
  if (stored === undefined) return false;
  const a = Buffer.from(stored, "utf8");
  const b = Buffer.from(presented, "utf8");
  return a.length === b.length && timingSafeEqual(a, b);
}

export function digestApiKey(key: string): ApiKeyDigest {
  const hash = hashApiKey(key);
  return { id: keyIdFromHash(hash), hashHex: hash.toString("hex"), hint: apiKeyHint(key) };
}
