import { createPublicKey } from "node:crypto";

/**
 * Parses `FYNEX_SECRET_SCANNING_KEYS` for `npm start`: a JSON object of key id → PEM, every PEM an
 * ECDSA P-256 public key in SubjectPublicKeyInfo form (the only kind GitHub signs reports with).
 * Throws, naming the key id (never a key's content), when it is not, so a mistyped setting stops the
 * start rather than every report's signature check. A private key is refused too: none belongs in a
 * setting. Deployed, the function reads the same variable's shape only (docs/DEPLOY.md).
 */
export function parseSigningKeys(json: string): Record<string, string> {
  const shape = "FYNEX_SECRET_SCANNING_KEYS must be a JSON object of key id to PEM public key";
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new Error(shape);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error(shape);
  const keys: Record<string, string> = {};
  for (const [id, pem] of Object.entries(parsed)) {
    if (id === "" || typeof pem !== "string" || !publicP256(pem)) {
      throw new Error(`FYNEX_SECRET_SCANNING_KEYS: "${id}" is not a PEM-encoded ECDSA P-256 public key`);
    }
    keys[id] = pem;
  }
  return keys;
}

function publicP256(pem: string): boolean {
  if (!/^\s*-----BEGIN PUBLIC KEY-----/.test(pem)) return false;
  try {
    return createPublicKey(pem).asymmetricKeyDetails?.namedCurve === "prime256v1";
  } catch {
    return false;
  }
}
