import { afterAll, beforeAll, expect } from "vitest";
import type { LocalRuntime } from "../../lib/local/runtime";
import { createKey, type ManualClock, startLocal, withKey } from "./harness";
import { localTarget, remote, type Target } from "./target";
import { Receiver } from "./webhook-receiver";

/**
 * What the daily schedule's tests share (expiry reminders, API.md §11; rotation due, §12): a local
 * runtime on a clock they move by days, whose schedule runs only when they call it, delivering to a
 * loopback receiver.
 */
export const DAY = 86_400_000;
export const T0 = Date.UTC(2026, 6, 1, 9, 0, 0);
export const POLL = { timeout: 15_000, interval: 25 };

export interface ScheduledRuntime {
  local: LocalRuntime;
  target: Target;
  receiver: Receiver;
}

/** Starts the runtime and the receiver before the file's tests and closes them after. */
export function useScheduledRuntime(clock: ManualClock): ScheduledRuntime {
  const run = {} as ScheduledRuntime;
  beforeAll(async () => {
    if (remote) return;
    run.receiver = await new Receiver().start();
    run.local = await startLocal({
      clock: clock.now,
      webhooksAllowLoopback: true,
      webhookDelivery: { pollIntervalMs: 25 },
      // Only the runs the tests make.
      reminderIntervalSeconds: 86_400,
    });
    run.target = localTarget(run.local);
  });
  afterAll(async () => {
    await run.local?.close();
    await run.receiver?.close();
  });
  return run;
}

/** Subscribes `orgId` to `event` at the receiver, with a key of its own; answers that key's id. */
export async function subscribe(run: ScheduledRuntime, orgId: string, event: string): Promise<string> {
  const manager = await createKey(run.target, orgId, { name: "webhooks", scopes: ["webhooks:manage"] });
  const reply = await withKey(run.target, manager.key, "/api/v1/webhooks", {
    method: "POST",
    body: { url: `${run.receiver.url}/${orgId}`, events: [event] },
  });
  expect(reply.status, reply.text).toBe(201);
  return manager.id;
}
