import { setTimeout as delay } from "node:timers/promises";

/**
 * How many deliveries may be in flight at once from one dispatcher (a Lambda instance deployed, the
 * process locally): per org, so one tenant's fan-out cannot take the dispatcher over, and per
 * destination host, so no tenant can aim a burst at a third party (API.md §9, issue 12 point 4).
 */
export const DELIVERY_LIMITS = { perOrg: 8, perHost: 4 } as const;

/**
 * How long an attempt waits for a slot before it is handed to the retry queue instead (not counted
 * as a failure): the dispatcher's invocation must end well inside its timeout, whatever the backlog.
 */
export const MAX_SLOT_WAIT_MS = 20_000;

/** Gives back a slot. */
export type Release = () => void;

/** Bounds deliveries in flight per org and per host; waiters are served first come, first served. */
export interface DeliveryGate {
  /**
   * A slot for a delivery of `orgId` to `host`, once both have room; undefined if `expired` settles
   * first (the caller defers the attempt).
   */
  acquire(orgId: string, host: string, expired: Promise<unknown>): Promise<Release | undefined>;
  /** Deliveries in flight now, per key (`org:<id>`, `host:<name>`), for tests and logs. */
  inFlight(key: string): number;
}

interface Waiter {
  keys: [string, string];
  grant: (release: Release) => void;
}

/** An in-memory gate with the given limits. */
export function deliveryGate(limits: { perOrg: number; perHost: number } = DELIVERY_LIMITS): DeliveryGate {
  const counts = new Map<string, number>();
  const waiters: Waiter[] = [];
  const limitOf = (key: string) => (key.startsWith("org:") ? limits.perOrg : limits.perHost);
  const count = (key: string) => counts.get(key) ?? 0;
  const hasRoom = (keys: string[]) => keys.every((key) => count(key) < limitOf(key));

  function take(keys: [string, string]): Release {
    for (const key of keys) counts.set(key, count(key) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const key of keys) {
        const left = count(key) - 1;
        if (left > 0) counts.set(key, left);
        else counts.delete(key);
      }
      // Serve waiters in order; one blocked on a busy host does not hold back others behind it.
      for (let index = 0; index < waiters.length; ) {
        const waiter = waiters[index];
        if (waiter && hasRoom(waiter.keys)) {
          waiters.splice(index, 1);
          waiter.grant(take(waiter.keys));
        } else index++;
      }
    };
  }

  return {
    acquire(orgId, host, expired) {
      const keys: [string, string] = [`org:${orgId}`, `host:${host.toLowerCase()}`];
      if (hasRoom(keys)) return Promise.resolve(take(keys));
      return new Promise((resolve) => {
        const waiter: Waiter = { keys, grant: resolve };
        waiters.push(waiter);
        void expired.then(() => {
          const index = waiters.indexOf(waiter);
          if (index === -1) return;
          waiters.splice(index, 1);
          resolve(undefined);
        });
      });
    },
    inFlight: count,
  };
}

/** The wait allowed for a slot, as a timer that never keeps a process alive. */
export const slotWait = (ms = MAX_SLOT_WAIT_MS) => delay(ms, undefined, { ref: false });
