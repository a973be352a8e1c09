import { describe, expect, it } from "vitest";
import { ItemClaims } from "../../../../../lib/local/dynamo/claims";

/** Whether a promise has settled, after letting every queued microtask run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => {
    done = true;
  });
  await new Promise<void>((resolve) => setImmediate(resolve));
  return done;
}

function taken<T extends object>(claim: T | { conflicts: number[] }): T {
  if ("conflicts" in claim) throw new Error(`conflicts at ${claim.conflicts.join(", ")}`);
  return claim;
}

describe("item claims: the emulator's concurrency core", () => {
  it("gives a write transaction all its items or none, naming the conflicting positions", () => {
    const claims = new ItemClaims();
    const first = taken(claims.claimForWrite(["a", "b"]));

    expect(claims.claimForWrite(["c", "b", "d", "a"])).toEqual({ conflicts: [1, 3] });
    // Nothing of the refused claim was taken: c and d are free.
    const other = taken(claims.claimForWrite(["c", "d"]));
    first.release();
    other.release();
    expect("conflicts" in claims.claimForWrite(["a", "b", "c", "d"])).toBe(false);
  });

  it("lets read transactions share items, and keeps write transactions off them until the last one ends", () => {
    const claims = new ItemClaims();
    const one = taken(claims.claimForRead(["a"]));
    const two = taken(claims.claimForRead(["a", "b"]));

    expect(claims.claimForWrite(["a"])).toEqual({ conflicts: [0] });
    one.release();
    expect(claims.claimForWrite(["a"])).toEqual({ conflicts: [0] });
    two.release();
    expect("conflicts" in claims.claimForWrite(["a"])).toBe(false);
  });

  it("refuses a read transaction on an item under a write transaction or a single write", async () => {
    const claims = new ItemClaims();
    const write = taken(claims.claimForWrite(["a"]));
    const single = await claims.enterSingleWrite(["b"]);

    expect(claims.claimForRead(["b", "a"])).toEqual({ conflicts: [0, 1] });
    write.release();
    single?.();
    expect("conflicts" in claims.claimForRead(["a", "b"])).toBe(false);
  });

  it("refuses single writes on an item a write transaction holds; that transaction waits out the ones in flight", async () => {
    const claims = new ItemClaims();
    const inFlight = await claims.enterSingleWrite(["a"]);
    const write = taken(claims.claimForWrite(["a"]));

    expect(await claims.enterSingleWrite(["a"])).toBeUndefined();
    expect(await settled(write.drained)).toBe(false);
    inFlight?.();
    expect(await settled(write.drained)).toBe(true);
    write.release();
    expect(await claims.enterSingleWrite(["a"])).toBeTypeOf("function");
  });

  it("holds a single write back while a read transaction reads its item, then lets it in", async () => {
    const claims = new ItemClaims();
    const read = taken(claims.claimForRead(["a"]));
    const entering = claims.enterSingleWrite(["a"]);

    expect(await settled(entering)).toBe(false);
    read.release();
    expect(await entering).toBeTypeOf("function");
  });

  it("releases once however often release is called", async () => {
    const claims = new ItemClaims();
    const one = taken(claims.claimForRead(["a"]));
    const two = taken(claims.claimForRead(["a"]));
    one.release();
    one.release();

    // Had the second release counted, the read count would be zero and the write would pass.
    expect(claims.claimForWrite(["a"])).toEqual({ conflicts: [0] });
    two.release();
  });
});
