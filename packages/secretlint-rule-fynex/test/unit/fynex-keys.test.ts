import * as zlib from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
// The service's own key code, to hold the package's independent copy to it (tests only: the package
// itself imports nothing of the service).
import {
  generateApiKey,
  isWellFormedApiKey,
  base62 as serviceBase62,
} from "../../../../lambdas/shared/api-keys/api-key";
import { crc32, FYNEX_KEY_LENGTH, findFynexKeys, fynexKeyHint, isFynexKey } from "../../src/fynex-keys";

/** API.md §1's test vector (public: it is in the contract). */
const VECTOR = {
  random: Uint8Array.from({ length: 32 }, (_, i) => i),
  key: "fynex_k_003aUlTJC7tjlCTQj2uNU3MFagCXG9LRKRcwGkBIDlf3oAV0y",
  crc32: 3489717800,
  hint: "fynex_k_003a…AV0y",
};
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** `text` with the character at `index` replaced by the next base62 digit. */
const withCharChanged = (text: string, index: number) =>
  text.slice(0, index) + BASE62[(BASE62.indexOf(text[index] ?? "0") + 1) % 62] + text.slice(index + 1);

/** A string with a key's shape and a right checksum over any 43-digit random part (the service's code). */
function checksummed(randomPart: string): string {
  const body = `fynex_k_${randomPart}`;
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body));
  return body + serviceBase62(crc, 6);
}

const randomBytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

describe("the package's own key check", () => {
  it("reproduces API.md §1's test vector: CRC32 of the first 51 characters, and the hint", () => {
    expect(generateApiKey(VECTOR.random)).toBe(VECTOR.key);
    expect(crc32(VECTOR.key.slice(0, 51))).toBe(VECTOR.crc32);
    expect(isFynexKey(VECTOR.key)).toBe(true);
    expect(fynexKeyHint(VECTOR.key)).toBe(VECTOR.hint);
  });

  it("computes CRC32 as zlib does", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary-ascii", maxLength: 80 }), (text) => {
        expect(crc32(text)).toBe(zlib.crc32(Buffer.from(text, "latin1")));
      }),
    );
  });

  it("accepts every key the service's generator makes, the smallest and largest random parts among them", () => {
    fc.assert(
      fc.property(randomBytes32, (random) => {
        expect(isFynexKey(generateApiKey(random))).toBe(true);
      }),
      { examples: [[new Uint8Array(32)], [new Uint8Array(32).fill(0xff)]] },
    );
  });

  it("agrees with the service's authorizer on keys with any one character changed", () => {
    fc.assert(
      fc.property(randomBytes32, fc.integer({ min: 0, max: FYNEX_KEY_LENGTH - 1 }), (random, index) => {
        const lookalike = withCharChanged(generateApiKey(random), index);
        expect(isFynexKey(lookalike)).toBe(isWellFormedApiKey(lookalike));
        // A changed prefix is no key; a changed base62 character breaks the checksum.
        expect(isFynexKey(lookalike)).toBe(false);
      }),
    );
  });

  it("agrees with the service's authorizer on checksum-valid strings past 32 bytes' worth of random part", () => {
    const tooLarge = checksummed("z".repeat(43));
    const largest = checksummed(serviceBase62(new Uint8Array(32).fill(0xff), 43));
    expect([isFynexKey(tooLarge), isWellFormedApiKey(tooLarge)]).toEqual([false, false]);
    expect([isFynexKey(largest), isWellFormedApiKey(largest)]).toEqual([true, true]);
  });

  it("refuses strings of the wrong length, a prefix in another case, and non-base62 characters", () => {
    expect(isFynexKey(VECTOR.key.slice(0, -1))).toBe(false);
    expect(isFynexKey(`${VECTOR.key}0`)).toBe(false);
    expect(isFynexKey(VECTOR.key.replace("fynex_k_", "FYNEX_K_"))).toBe(false);
    expect(isFynexKey(`${VECTOR.key.slice(0, 20)}-${VECTOR.key.slice(21)}`)).toBe(false);
  });
});

describe("findFynexKeys", () => {
  it("finds a key with its offsets and hint, and nothing in text without one", () => {
    const text = `token: ${VECTOR.key}\n`;
    expect(findFynexKeys(text)).toEqual([{ start: 7, end: 64, hint: VECTOR.hint }]);
    expect(findFynexKeys("fynex_k_ is the prefix of a Fynex key")).toEqual([]);
  });

  it("finds any generated key wherever it sits between non-base62 characters", () => {
    const separator = fc.constantFrom(
      " ",
      "\n",
      "\r\n",
      '"',
      "'",
      "`",
      "=",
      ":",
      ",",
      ";",
      "/",
      "-",
      ".",
      "_",
    );
    fc.assert(
      fc.property(randomBytes32, separator, separator, (random, before, after) => {
        const key = generateApiKey(random);
        const text = `a${before}${key}${after}b`;
        expect(findFynexKeys(text)).toEqual([
          { start: 1 + before.length, end: 1 + before.length + 57, hint: fynexKeyHint(key) },
        ]);
      }),
    );
  });
});
