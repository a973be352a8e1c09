import { createHash, randomBytes } from "node:crypto";
import * as zlib from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  API_KEY_LENGTH,
  API_KEY_PREFIX,
  apiKeyHint,
  base62,
  crc32,
  digestApiKey,
  generateApiKey,
  hashApiKey,
  isWellFormedApiKey,
  keyId,
  keyIdFromHash,
} from "../../../../../lambdas/shared/api-keys/api-key";

/** API.md §1's test vector, verbatim. */
const VECTOR = {
  randomHex: "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
  key: "fynex_k_003aUlTJC7tjlCTQj2uNU3MFagCXG9LRKRcwGkBIDlf3oAV0y",
  crc32: 3489717800,
  checksumDigits: "3oAV0y",
  sha256Hex: "c1f996ff0b66c7511308ea0f18906426097df8ba053d122238d3ecad2cc6a51e",
  id: "key_5u1a57vZeyw1x9yto1mqYA",
  hint: "fynex_k_003a…AV0y",
};

const KEY_SHAPE = /^fynex_k_[0-9A-Za-z]{49}$/;
const BASE62_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** The same string with the character at `index` replaced by another base62 digit. */
function withCharChanged(text: string, index: number, step = 1): string {
  const current = BASE62_DIGITS.indexOf(text[index] ?? "");
  const replacement = BASE62_DIGITS[(current + step) % BASE62_DIGITS.length];
  return text.slice(0, index) + replacement + text.slice(index + 1);
}

describe("the key test vector of API.md §1", () => {
  const random = Buffer.from(VECTOR.randomHex, "hex");

  it("generates the vector's key from the vector's random bytes", () => {
    expect(generateApiKey(random)).toBe(VECTOR.key);
  });

  it("computes the vector's CRC32 over the first 51 characters", () => {
    expect(crc32(VECTOR.key.slice(0, 51))).toBe(VECTOR.crc32);
    expect(VECTOR.crc32).toBe(0xd000de28);
  });

  it("ends the key with the vector's six checksum digits", () => {
    expect(VECTOR.key.slice(-6)).toBe(VECTOR.checksumDigits);
    expect(base62(Buffer.from(VECTOR.crc32.toString(16).padStart(8, "0"), "hex"), 6)).toBe(
      VECTOR.checksumDigits,
    );
  });

  it("writes the random bytes as 43 base62 digits after the prefix", () => {
    expect(base62(random, 43)).toBe(VECTOR.key.slice(API_KEY_PREFIX.length, 51));
  });

  it("hashes the key to the vector's SHA-256", () => {
    expect(hashApiKey(VECTOR.key).toString("hex")).toBe(VECTOR.sha256Hex);
  });

  it("derives the vector's key id", () => {
    expect(keyId(VECTOR.key)).toBe(VECTOR.id);
    expect(keyIdFromHash(Buffer.from(VECTOR.sha256Hex, "hex"))).toBe(VECTOR.id);
  });

  it("shows the vector's hint", () => {
    expect(apiKeyHint(VECTOR.key)).toBe(VECTOR.hint);
  });

  it("digests the key into the vector's id, hash and hint", () => {
    expect(digestApiKey(VECTOR.key)).toEqual({ id: VECTOR.id, hashHex: VECTOR.sha256Hex, hint: VECTOR.hint });
  });

  it("accepts the vector's key as well formed", () => {
    expect(isWellFormedApiKey(VECTOR.key)).toBe(true);
  });
});

describe("base62", () => {
  it("orders the digits 0-9, then A-Z, then a-z", () => {
    expect(base62(Uint8Array.of(0), 1)).toBe("0");
    expect(base62(Uint8Array.of(9), 1)).toBe("9");
    expect(base62(Uint8Array.of(10), 1)).toBe("A");
    expect(base62(Uint8Array.of(35), 1)).toBe("Z");
    expect(base62(Uint8Array.of(36), 1)).toBe("a");
    expect(base62(Uint8Array.of(61), 1)).toBe("z");
  });

  it("writes the most significant digit first and left-pads with 0", () => {
    expect(base62(Uint8Array.of(62), 4)).toBe("0010");
    expect(base62(Uint8Array.of(1, 0), 3)).toBe("048"); // 256 = 4 * 62 + 8
  });

  it("reads the bytes as one big-endian number", () => {
    expect(base62(Uint8Array.of(0, 0, 1), 2)).toBe("01");
    expect(base62(Uint8Array.of(1, 0, 0), 4)).toBe("0H32"); // 65536 = 17 * 62^2 + 3 * 62 + 2
  });
});

describe("generateApiKey", () => {
  it("makes keys of 57 characters matching the published pattern", () => {
    // Prepare
    const keys = Array.from({ length: 200 }, () => generateApiKey());

    // Assess
    for (const key of keys) {
      expect(key).toHaveLength(57);
      expect(key).toMatch(KEY_SHAPE);
      expect(isWellFormedApiKey(key)).toBe(true);
    }
    expect(new Set(keys).size).toBe(keys.length);
    expect(API_KEY_LENGTH).toBe(57);
  });

  it("fits the largest 32-byte number in 43 digits", () => {
    const key = generateApiKey(new Uint8Array(32).fill(0xff));

    expect(key).toMatch(KEY_SHAPE);
    expect(isWellFormedApiKey(key)).toBe(true);
  });

  it("left-pads the smallest 32-byte number with zeros", () => {
    const key = generateApiKey(new Uint8Array(32));

    expect(key.slice(0, 51)).toBe(`fynex_k_${"0".repeat(43)}`);
    expect(isWellFormedApiKey(key)).toBe(true);
  });

  it("refuses randomness that is not exactly 32 bytes", () => {
    expect(() => generateApiKey(new Uint8Array(31))).toThrow(RangeError);
    expect(() => generateApiKey(new Uint8Array(33))).toThrow(RangeError);
  });
});

describe("crc32", () => {
  const samples = [
    "",
    "a",
    "123456789",
    "The quick brown fox jumps over the lazy dog",
    VECTOR.key.slice(0, 51),
  ];

  it("matches the standard check value of CRC-32/ISO-HDLC", () => {
    expect(crc32("123456789")).toBe(0xcbf43926);
    expect(crc32("")).toBe(0);
    expect(crc32("The quick brown fox jumps over the lazy dog")).toBe(0x414fa339);
  });

  const zlibCrc32 = (zlib as { crc32?: (data: string | Uint8Array) => number }).crc32;

  it.runIf(typeof zlibCrc32 === "function")("agrees with node:zlib's crc32", () => {
    const generated = Array.from({ length: 50 }, () => generateApiKey().slice(0, 51));

    for (const text of [...samples, ...generated]) {
      expect(crc32(text)).toBe(zlibCrc32?.(Buffer.from(text, "utf8")));
    }
  });

  it("is an unsigned 32-bit number", () => {
    for (const text of [...samples, ...Array.from({ length: 50 }, () => randomBytes(12).toString("hex"))]) {
      const value = crc32(text);
      expect(Number.isInteger(value)).toBe(true);
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThanOrEqual(0xffffffff);
    }
  });
});

describe("isWellFormedApiKey", () => {
  it("rejects a wrong prefix", () => {
    const body = VECTOR.key.slice(API_KEY_PREFIX.length);

    for (const prefix of ["fynex_x_", "Fynex_k_", "FYNEX_K_", "fynex-k_", "ghp_k___", "fynex_K_"]) {
      expect(isWellFormedApiKey(prefix + body)).toBe(false);
    }
  });

  it("rejects a prefix that carries a valid checksum of its own", () => {
    // The checksum alone must not make another prefix pass: the shape is checked too.
    const body = `fynex_x_${VECTOR.key.slice(8, 51)}`;
    const checksum = base62(Buffer.from(crc32(body).toString(16).padStart(8, "0"), "hex"), 6);

    expect(isWellFormedApiKey(body + checksum)).toBe(false);
  });

  it("rejects keys one character too short or too long", () => {
    expect(isWellFormedApiKey(VECTOR.key.slice(0, -1))).toBe(false);
    expect(isWellFormedApiKey(`${VECTOR.key}0`)).toBe(false);
    expect(isWellFormedApiKey(`0${VECTOR.key}`)).toBe(false);
    expect(isWellFormedApiKey("")).toBe(false);
    expect(isWellFormedApiKey(API_KEY_PREFIX)).toBe(false);
  });

  it("rejects characters outside base62", () => {
    for (const bad of ["-", "_", "+", "/", "=", " ", "é", "\n", "\u0000"]) {
      const candidate = `${VECTOR.key.slice(0, 20)}${bad}${VECTOR.key.slice(21)}`;
      expect(isWellFormedApiKey(candidate)).toBe(false);
    }
  });

  it("rejects the key wrapped in whitespace", () => {
    expect(isWellFormedApiKey(` ${VECTOR.key}`)).toBe(false);
    expect(isWellFormedApiKey(`${VECTOR.key}\n`)).toBe(false);
    expect(isWellFormedApiKey(`${VECTOR.key.slice(0, -1)}\n`)).toBe(false);
  });

  it("catches every single changed character of the random part", () => {
    for (let index = API_KEY_PREFIX.length; index < 51; index++) {
      for (const step of [1, 31, 61]) {
        const changed = withCharChanged(VECTOR.key, index, step);
        expect(changed).toMatch(KEY_SHAPE);
        expect(isWellFormedApiKey(changed), `position ${index}, step ${step}`).toBe(false);
      }
    }
  });

  it("catches every single changed checksum digit", () => {
    for (let index = 51; index < 57; index++) {
      for (const step of [1, 30, 61]) {
        expect(isWellFormedApiKey(withCharChanged(VECTOR.key, index, step)), `position ${index}`).toBe(false);
      }
    }
  });

  it("catches a swapped case, the classic typo", () => {
    const index = VECTOR.key.indexOf("U");
    const changed = `${VECTOR.key.slice(0, index)}u${VECTOR.key.slice(index + 1)}`;

    expect(isWellFormedApiKey(changed)).toBe(false);
  });

  it("accepts every freshly generated key and rejects it with its last two characters swapped", () => {
    for (let i = 0; i < 50; i++) {
      const key = generateApiKey();
      const swapped = `${key.slice(0, -2)}${key.at(-1)}${key.at(-2)}`;
      expect(isWellFormedApiKey(key)).toBe(true);
      if (swapped !== key) expect(isWellFormedApiKey(swapped)).toBe(false);
    }
  });
});

describe("key ids and hashes", () => {
  it("hashes the UTF-8 bytes of the key with SHA-256", () => {
    for (const text of [VECTOR.key, generateApiKey(), "fynex_k_é", "ключ"]) {
      const expected = createHash("sha256").update(Buffer.from(text, "utf8")).digest();
      expect(hashApiKey(text).equals(expected)).toBe(true);
      expect(hashApiKey(text)).toHaveLength(32);
    }
  });

  it("makes ids of key_ and 22 base62 digits", () => {
    for (let i = 0; i < 100; i++) {
      expect(keyId(generateApiKey())).toMatch(/^key_[0-9A-Za-z]{22}$/);
    }
  });

  it("derives the id from the first 16 bytes of the hash only", () => {
    const hash = hashApiKey(VECTOR.key);
    const sameHead = Buffer.concat([hash.subarray(0, 16), Buffer.alloc(16, 0xab)]);

    expect(keyIdFromHash(sameHead)).toBe(VECTOR.id);
    expect(keyIdFromHash(hash.subarray(0, 16))).toBe(VECTOR.id);
  });

  it("gives different keys different ids and the same key the same id", () => {
    const keys = Array.from({ length: 100 }, () => generateApiKey());

    expect(new Set(keys.map(keyId)).size).toBe(keys.length);
    expect(keyId(keys[0] ?? "")).toBe(keyId(keys[0] ?? ""));
  });

  it("hints with the prefix, four characters, an ellipsis and the last four", () => {
    const key = generateApiKey();

    expect(apiKeyHint(key)).toBe(`${key.slice(0, 12)}\u2026${key.slice(-4)}`);
    expect(apiKeyHint(key)).toHaveLength(17);
  });
});
