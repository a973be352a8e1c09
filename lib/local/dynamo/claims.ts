// Per-item claims: the concurrency core of the emulator's transactions (see index.ts).

/** Who holds one item right now. */
export interface ItemHolders {
  writeTransaction: boolean;
  readTransactions: number;
  singleWrites: number;
}

/**
 * Per-item claims. Claiming is synchronous (check every item, then take every item), so a
 * transaction gets all its items or none, and never waits holding some of them.
 */
export class ItemClaims {
  private readonly held = new Map<string, ItemHolders>();
  private readonly readEnded = new Map<string, (() => void)[]>();
  private readonly writesEnded = new Map<string, (() => void)[]>();

  /**
   * Takes the items for a write transaction, or returns the positions that conflict. `drained`
   * resolves once the single-item writes that were already in flight on them have finished (no new
   * one can start while the claim is held).
   */
  claimForWrite(ids: string[]): { release: () => void; drained: Promise<void> } | { conflicts: number[] } {
    const conflicts = this.positions(ids, (h) => h.writeTransaction || h.readTransactions > 0);
    if (conflicts.length > 0) return { conflicts };
    for (const id of ids) this.holders(id).writeTransaction = true;
    const busy = ids.filter((id) => (this.held.get(id)?.singleWrites ?? 0) > 0);
    return {
      drained: Promise.all(
        busy.map(
          (id) =>
            new Promise<void>((resolve) => {
              const waiting = this.writesEnded.get(id) ?? [];
              waiting.push(resolve);
              this.writesEnded.set(id, waiting);
            }),
        ),
      ).then(() => undefined),
      release: once(() => {
        for (const id of ids) {
          this.holders(id).writeTransaction = false;
          this.settle(id);
        }
      }),
    };
  }

  /** Takes the items for a read transaction, or returns the positions that conflict. */
  claimForRead(ids: string[]): { release: () => void } | { conflicts: number[] } {
    const conflicts = this.positions(ids, (h) => h.writeTransaction || h.singleWrites > 0);
    if (conflicts.length > 0) return { conflicts };
    for (const id of ids) this.holders(id).readTransactions++;
    return {
      release: once(() => {
        for (const id of ids) {
          this.holders(id).readTransactions--;
          this.settle(id);
        }
      }),
    };
  }

  /**
   * Registers a single-item write (or a batch) on these items until the returned release is called;
   * undefined when a write transaction holds one of them. Waits out read transactions.
   */
  async enterSingleWrite(ids: string[]): Promise<(() => void) | undefined> {
    for (;;) {
      if (ids.some((id) => this.held.get(id)?.writeTransaction)) return undefined;
      const read = ids.find((id) => (this.held.get(id)?.readTransactions ?? 0) > 0);
      if (read === undefined) break;
      await new Promise<void>((resolve) => {
        const waiting = this.readEnded.get(read) ?? [];
        waiting.push(resolve);
        this.readEnded.set(read, waiting);
      });
    }
    for (const id of ids) this.holders(id).singleWrites++;
    return once(() => {
      for (const id of ids) {
        this.holders(id).singleWrites--;
        this.settle(id);
      }
    });
  }

  private positions(ids: string[], conflicts: (holders: ItemHolders) => boolean): number[] {
    return ids.flatMap((id, position) => {
      const holders = this.held.get(id);
      return holders && conflicts(holders) ? [position] : [];
    });
  }

  private holders(id: string): ItemHolders {
    let holders = this.held.get(id);
    if (!holders) {
      holders = { writeTransaction: false, readTransactions: 0, singleWrites: 0 };
      this.held.set(id, holders);
    }
    return holders;
  }

  private settle(id: string): void {
    const holders = this.holders(id);
    if (holders.readTransactions === 0) {
      const waiting = this.readEnded.get(id) ?? [];
      this.readEnded.delete(id);
      for (const wake of waiting) wake();
    }
    if (holders.singleWrites === 0) {
      const waiting = this.writesEnded.get(id) ?? [];
      this.writesEnded.delete(id);
      for (const wake of waiting) wake();
    }
    if (!holders.writeTransaction && holders.readTransactions === 0 && holders.singleWrites === 0) {
      this.held.delete(id);
    }
  }
}

export function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}
