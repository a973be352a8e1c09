/**
 * Fynex API keys in text, recognised as the service recognises them (API.md §1): `fynex_k_`, 43 base62
 * digits of 32 random bytes, then 6 base62 digits of the CRC32 of the 51 characters before them.
 *
 * Self-contained on purpose: this package ships to customers' repositories and imports nothing of the
 * service. Its tests check it against the service's own key generator.
 */

export const FYNEX_KEY_PREFIX = "fynex_k_";
export const FYNEX_KEY_LENGTH = 57;

const RANDOM_DIGITS = 43;
const CHECKSUM_DIGITS = 6;
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/**
 * The prefix and 49 base62 characters that no further base62 character follows: a longer run is
 * another string (the service refuses it, and its checksum is not where a key's is). Whatever comes
 * before the prefix is left alone, so a key right after an escape such as `\n` in a JSON string is
 * still found.
 */
const CANDIDATE = /fynex_k_[0-9A-Za-z]{49}(?![0-9A-Za-z])/g;

/** A key found in a text: where it starts and ends (UTF-16 offsets, end exclusive), and its hint. */
export interface FoundFynexKey {
  start: number;
  end: number;
  /** The prefix, 4 characters, `…` and the last 4, as the service shows a key: never the key. */
  hint: string;
}

function base62(value: bigint, width: number): string {
  let n = value;
  let digits = "";
  while (n > 0n) {
    digits = BASE62[Number(n % 62n)] + digits;
    n /= 62n;
  }
  return digits.padStart(width, "0");
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

/**
 * The largest random part a key can have: 2^256 - 1 in 43 digits. 43 base62 digits reach a little past
 * 2^256, so a few checksum-valid strings are no key; base62 digits sort as their ASCII codes, so
 * comparing the strings compares the numbers.
 */
const MAX_RANDOM_PART = base62((1n << 256n) - 1n, RANDOM_DIGITS);

/**
 * True when `candidate` is exactly a string the service could have issued as a key: the prefix, 49
 * base62 characters, a random part of at most 32 bytes' worth and the right checksum. A mistyped or
 * made-up lookalike fails the checksum but for about one in 4 billion.
 */
export function isFynexKey(candidate: string): boolean {
  if (candidate.length !== FYNEX_KEY_LENGTH || !candidate.startsWith(FYNEX_KEY_PREFIX)) return false;
  if (!/^[0-9A-Za-z]{49}$/.test(candidate.slice(FYNEX_KEY_PREFIX.length))) return false;
  const body = candidate.slice(0, FYNEX_KEY_LENGTH - CHECKSUM_DIGITS);
  if (body.slice(FYNEX_KEY_PREFIX.length) > MAX_RANDOM_PART) return false;
  return base62(BigInt(crc32(body)), CHECKSUM_DIGITS) === candidate.slice(-CHECKSUM_DIGITS);
}

/** How the service shows a key (API.md §1): the prefix, the next 4 characters, `…`, the last 4. */
export function fynexKeyHint(key: string): string {
  return `${key.slice(0, FYNEX_KEY_PREFIX.length + 4)}…${key.slice(-4)}`;
}

/** Every Fynex key in `text`, in order. Lookalikes with a wrong checksum are not keys. */
export function findFynexKeys(text: string): FoundFynexKey[] {
  const found: FoundFynexKey[] = [];
  for (const match of text.matchAll(CANDIDATE)) {
    const key = match[0];
    if (!isFynexKey(key)) continue;
    found.push({ start: match.index, end: match.index + key.length, hint: fynexKeyHint(key) });
  }
  return found;
}
