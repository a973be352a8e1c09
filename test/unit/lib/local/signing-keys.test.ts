import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseSigningKeys } from "../../../../lib/local/signing-keys";

const p256 = generateKeyPairSync("ec", { namedCurve: "P-256" });
const p384 = generateKeyPairSync("ec", { namedCurve: "P-384" });
const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const pem = (key: KeyObject) => key.export({ type: "spki", format: "pem" }).toString();

describe("parseSigningKeys (FYNEX_SECRET_SCANNING_KEYS)", () => {
  it("takes a JSON object of key id to P-256 PEM", () => {
    const keys = { "key-1": pem(p256.publicKey) };

    expect(parseSigningKeys(JSON.stringify(keys))).toEqual(keys);
  });

  it("refuses anything else, naming the key id but never a key", () => {
    expect(() => parseSigningKeys("[]")).toThrow(/JSON object/);
    expect(() => parseSigningKeys("{")).toThrow(/JSON object/);
    expect(() => parseSigningKeys(JSON.stringify({ a: 1 }))).toThrow(/"a" is not/);
    expect(() => parseSigningKeys(JSON.stringify({ p384: pem(p384.publicKey) }))).toThrow(/"p384"/);
    expect(() => parseSigningKeys(JSON.stringify({ rsa: pem(rsa.publicKey) }))).toThrow(/"rsa"/);
    expect(() =>
      parseSigningKeys(JSON.stringify({ priv: p256.privateKey.export({ type: "pkcs8", format: "pem" }) })),
    ).toThrow(/"priv"/);
  });
});
