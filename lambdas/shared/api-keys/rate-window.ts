/**
 * Fixed rate windows: a window starts at a multiple of its length since the epoch. All times here are
 * explicit arguments so that window boundaries are deterministic in tests.
 */

/** Start of the window holding `nowMs`, in epoch seconds. */
export function windowStart(nowMs: number, windowSeconds: number): number {
  return Math.floor(nowMs / 1000 / windowSeconds) * windowSeconds;
}

/** End of the window holding `nowMs` (the next window's start), in epoch seconds. */
export function windowEnd(nowMs: number, windowSeconds: number): number {
  return windowStart(nowMs, windowSeconds) + windowSeconds;
}

/** Whole seconds from `nowMs` until `resetAtSeconds`, rounded up, never below 1 (Retry-After, RateLimit t=). */
export function secondsUntil(resetAtSeconds: number, nowMs: number): number {
  return Math.max(1, Math.ceil((resetAtSeconds * 1000 - nowMs) / 1000));
}
