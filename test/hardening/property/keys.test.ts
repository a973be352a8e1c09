import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  API_KEY_LENGTH,
  API_KEY_PREFIX,
  apiKeyHint,
  base62,
  crc32,
  generateApiKey,
  hashApiKey,
  isWellFormedApiKey,
  keyId,
  keyIdFromHash,
} from "../../../lambdas/shared/api-keys/api-key";

/** Property tests of the key format (API.md §1): parser, checksum, id and hint. */
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const randomBytes = fc.uint8Array({ minLength: 32, maxLength: 32 });
const base62Digits = (length: number) =>
  fc
    .array(fc.constantFrom(...BASE62), { minLength: length, maxLength: length })
    .map((digits) => digits.join(""));

/** Reads base62 digits back into 32 big-endian bytes (the inverse of `base62` at width 43); null past 2^256 - 1. */
function bytesOrNull(digits: string): Uint8Array | null {
  let n = 0n;
  for (const digit of digits) n = n * 62n + BigInt(BASE62.indexOf(digit));
  const bytes = new Uint8Array(32);
  for (let i = 31; i >= 0; i--) {
    bytes[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return n === 0n ? bytes : null;
}

/** Any character a header could carry and then some: ASCII, Latin-1, astral, controls. */
const anyChar = fc.oneof(
  fc.constantFrom(...BASE62),
  fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
  fc.constantFrom(" ", "\t", "\0", "\n", "_", "-", "=", "é", "…", "\u00a0", "\u200b", "𝟘"),
);

describe("isWellFormedApiKey", () => {
  it("accepts every generated key, 57 characters of the published pattern", () => {
    fc.assert(
      fc.property(randomBytes, (bytes) => {
        const key = generateApiKey(bytes);
        expect(key).toHaveLength(API_KEY_LENGTH);
        expect(key).toMatch(/^fynex_k_[0-9A-Za-z]{49}$/);
        expect(isWellFormedApiKey(key)).toBe(true);
      }),
    );
  });

  it("accepts exactly the generated keys: 43 digits with their checksum, if and only if they fit 32 bytes", () => {
    // 62^43 is a little over 2^256: bodies above the largest 32-byte number are no key.
    const largest = base62(new Uint8Array(32).fill(0xff), 43);
    const nearLargest = fc
      .tuple(fc.nat({ max: 43 }), base62Digits(43))
      .map(([kept, tail]) => largest.slice(0, kept) + tail.slice(kept));
    fc.assert(
      fc.property(fc.oneof(base62Digits(43), nearLargest), (digits) => {
        const body = `${API_KEY_PREFIX}${digits}`;
        const candidate = body + base62(Uint8Array.of(...toBytes(crc32(body))), 6);
        const bytes = bytesOrNull(digits);
        expect(isWellFormedApiKey(candidate)).toBe(bytes !== null);
        if (bytes) expect(generateApiKey(bytes)).toBe(candidate);
      }),
      { numRuns: 2000 },
    );
  });

  it("rejects every single-character change of a generated key, wherever it is", () => {
    fc.assert(
      fc.property(
        randomBytes,
        fc.nat({ max: API_KEY_LENGTH - 1 }),
        anyChar,
        (bytes, position, replacement) => {
          const key = generateApiKey(bytes);
          fc.pre(replacement !== key[position]);
          const mutated = key.slice(0, position) + replacement + key.slice(position + 1);
          expect(isWellFormedApiKey(mutated)).toBe(false);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("rejects a generated key with a character added or removed anywhere", () => {
    fc.assert(
      fc.property(
        randomBytes,
        fc.nat({ max: API_KEY_LENGTH }),
        anyChar,
        fc.boolean(),
        (bytes, position, extra, add) => {
          const key = generateApiKey(bytes);
          const changed = add
            ? key.slice(0, position) + extra + key.slice(position)
            : key.slice(0, Math.min(position, API_KEY_LENGTH - 1)) +
              key.slice(Math.min(position, API_KEY_LENGTH - 1) + 1);
          expect(isWellFormedApiKey(changed)).toBe(false);
        },
      ),
    );
  });

  it("never throws, and accepts no random text or random 49 base62 digits", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: "binary", maxLength: 200 }),
          fc.string({ unit: "grapheme", maxLength: 80 }),
          base62Digits(49).map((digits) => `${API_KEY_PREFIX}${digits}`),
        ),
        (candidate) => {
          expect(isWellFormedApiKey(candidate)).toBe(false);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe("key ids", () => {
  it("derive the same id from the same key, always key_ and 22 base62 digits", () => {
    fc.assert(
      fc.property(randomBytes, (bytes) => {
        const key = generateApiKey(bytes);
        expect(keyId(key)).toMatch(/^key_[0-9A-Za-z]{22}$/);
        expect(keyId(key)).toBe(keyIdFromHash(hashApiKey(key)));
      }),
    );
  });

  it("depend on the first 16 bytes of the hash and on every one of them", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.nat({ max: 31 }),
        fc.integer({ min: 1, max: 255 }),
        (hash, position, delta) => {
          const changed = Uint8Array.from(hash);
          changed[position] = ((changed[position] ?? 0) + delta) % 256;
          if (position < 16) expect(keyIdFromHash(changed)).not.toBe(keyIdFromHash(hash));
          else expect(keyIdFromHash(changed)).toBe(keyIdFromHash(hash));
        },
      ),
    );
  });

  it("differ between different keys (no collision among a few thousand)", () => {
    const keys = new Set<string>();
    const ids = new Set<string>();
    fc.assert(
      fc.property(randomBytes, (bytes) => {
        const key = generateApiKey(bytes);
        keys.add(key);
        ids.add(keyId(key));
      }),
      { numRuns: 3000 },
    );
    // fast-check may produce the same bytes twice: as many ids as distinct keys.
    expect(ids.size).toBe(keys.size);
    expect(keys.size).toBeGreaterThan(1000);
  });

  it("hints carry the prefix, 4 characters, an ellipsis and the last 4, never the secret middle", () => {
    fc.assert(
      fc.property(randomBytes, (bytes) => {
        const key = generateApiKey(bytes);
        const hint = apiKeyHint(key);
        expect(hint).toBe(`${key.slice(0, 12)}…${key.slice(-4)}`);
        expect(hint).not.toContain(key.slice(12, 53));
      }),
    );
  });
});

function toBytes(value: number): number[] {
  return [(value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
}
