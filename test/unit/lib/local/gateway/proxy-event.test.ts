import { afterEach, describe, expect, it, vi } from "vitest";
import { lambdaContext } from "../../../../../lib/local/gateway/proxy-event";

afterEach(() => {
  vi.useRealTimers();
});

describe("the Lambda context of the local gateway", () => {
  it("gives a function API Gateway's 29 s, counting down as it runs", () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 5, 1) });
    const context = lambdaContext("req-1", "lambdas/import/import-accounts.handler");
    expect(context.getRemainingTimeInMillis()).toBe(29_000);
    vi.advanceTimersByTime(28_000);
    expect(context.getRemainingTimeInMillis()).toBe(1_000);
    vi.advanceTimersByTime(5_000);
    expect(context.getRemainingTimeInMillis()).toBe(0);
  });

  it("gives the deadline a test lifts it to", () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 5, 1) });
    const context = lambdaContext("req-2", "lambdas/import/import-accounts.handler", 110_000);
    vi.advanceTimersByTime(60_000);
    expect(context.getRemainingTimeInMillis()).toBe(50_000);
  });
});
