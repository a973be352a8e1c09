/**
 * When failed webhook deliveries are tried again (API.md §9). Everything is measured in units of the
 * schedule's base (`FYNEX_WEBHOOK_RETRY_BASE_SECONDS`, 30 s unless set), so that one setting scales the
 * whole schedule, its 24-hour span included; the 3-day disabling rule is not scaled.
 *
 * With the default base, the nominal waits are 30 s, 1, 2, 4, 8, 16, 32, 64 and 128 minutes, then 4
 * hours (480 bases) each, and retries go on until an attempt fails 24 hours (2,880 bases) or more after
 * the first one: about 14 retries, the last at 24 to 28 hours. Each wait is shortened by a random
 * part of up to a quarter ("jitter", so that the retries of many events do not arrive in step), never
 * lengthened: the first retry always comes within one base.
 */

/** The schedule's base unless configured: the first retry comes within it. */
export const DEFAULT_RETRY_BASE_SECONDS = 30;

/** Retries go on until an attempt fails this many bases after the first: 24 hours at the default base. */
export const RETRY_SPAN_BASES = 2_880;

/** The longest wait between two attempts: 4 hours at the default base. */
export const MAX_WAIT_BASES = 480;

/** The largest share of a wait that jitter may take off. */
export const JITTER = 0.25;

/** A subscription whose deliveries have all failed for this long is disabled (not scaled). */
export const DISABLE_AFTER_MS = 3 * 24 * 60 * 60 * 1000;

/** The nominal wait, ms, before attempt `attempt + 1`, after attempt `attempt` (1-based) failed. */
export function nominalWaitMs(baseSeconds: number, attempt: number): number {
  const bases = Math.min(MAX_WAIT_BASES, 2 ** Math.max(0, attempt - 1));
  return bases * baseSeconds * 1000;
}

/** The wait before the next attempt, with jitter: `random` uniform in [0, 1) takes up to a quarter off. */
export function retryWaitMs(baseSeconds: number, attempt: number, random: () => number): number {
  return Math.round(nominalWaitMs(baseSeconds, attempt) * (1 - JITTER * random()));
}

/** How long after the first attempt a failed attempt ends the retries: 24 hours at the default base. */
export function retrySpanMs(baseSeconds: number): number {
  return RETRY_SPAN_BASES * baseSeconds * 1000;
}

/**
 * What follows a failed attempt made at `nowMs`: another attempt at `nextAttemptAt`, or none (the
 * delivery has been retried for the whole span: it is marked failed).
 */
export function afterFailure(
  baseSeconds: number,
  attempt: number,
  firstAttemptAt: number,
  nowMs: number,
  random: () => number,
): { nextAttemptAt: number } | { giveUp: true } {
  if (nowMs - firstAttemptAt >= retrySpanMs(baseSeconds)) return { giveUp: true };
  return { nextAttemptAt: nowMs + retryWaitMs(baseSeconds, attempt, random) };
}
