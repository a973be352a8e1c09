import { randomBytes } from "node:crypto";

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/**
 * A resource id that sorts by creation time (ULID layout: 48-bit milliseconds, then 80 random bits,
 * in Crockford base32), behind a type prefix: `acc_01JD...`. Sorting keys by id lists oldest first.
 */
export function newId(prefix: string, nowMs: number, random: Uint8Array = randomBytes(10)): string {
  let time = "";
  let ms = nowMs;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[ms % 32] + time;
    ms = Math.floor(ms / 32);
  }
  let bits = 0n;
  for (const byte of random.subarray(0, 10)) bits = (bits << 8n) | BigInt(byte);
  let rest = "";
  for (let i = 0; i < 16; i++) {
    rest = CROCKFORD[Number(bits & 31n)] + rest;
    bits >>= 5n;
  }
  return `${prefix}_${time}${rest}`;
}
