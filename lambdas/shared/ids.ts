import { randomBytes } from "node:crypto";

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** The last generated id's millisecond and random part, for monotonic ids within one millisecond. */
let previous: { ms: number; random: Uint8Array } | undefined;

/**
 * Random bits for an id at `nowMs`: fresh ones, except within the millisecond of the previous id,
 * where they are the previous ones plus one (ULID's monotonic mode). So ids made one after another in
 * one process (an import's rows, all at the request's instant) sort in the order they were made.
 */
function monotonicRandom(nowMs: number): Uint8Array {
  if (previous?.ms === nowMs) {
    const next = Uint8Array.from(previous.random);
    let index = next.length - 1;
    while (index >= 0 && next[index] === 0xff) next[index--] = 0;
    if (index >= 0) {
      next[index] = (next[index] ?? 0) + 1;
      previous = { ms: nowMs, random: next };
      return next;
    }
  }
  previous = { ms: nowMs, random: randomBytes(10) };
  return previous.random;
}

/**
 * A resource id that sorts by creation time (ULID layout: 48-bit milliseconds, then 80 random bits,
 * in Crockford base32), behind a type prefix: `acc_01JD...`. Sorting keys by id lists oldest first;
 * ids made in one millisecond by one process keep their order too.
 */
export function newId(prefix: string, nowMs: number, random: Uint8Array = monotonicRandom(nowMs)): string {
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
