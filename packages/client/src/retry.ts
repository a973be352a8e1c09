/** How the client waits out a 429 or a 503 (API.md §3): `createFynexClient({ ..., retry: {...} })`. */
export interface RetryOptions {
  /** Attempts in all, the first included (an integer from 1; 1 never retries). Default 3. */
  attempts?: number;
  /**
   * The longest `Retry-After` the client waits out, in seconds. An answer asking for longer is given back
   * at once (its error carries `retryAfterSeconds`): a 429 can ask for the rest of a 15-minute window,
   * which a request served to a person should not sit through. Default 60.
   */
  maxDelaySeconds?: number;
  /** Waits `milliseconds`, or rejects when `signal` aborts. Default: a timer. Tests pass their own. */
  sleep?: (milliseconds: number, signal: AbortSignal) => Promise<void>;
  /** Now, in epoch milliseconds, to read a `Retry-After` given as an HTTP date. Default `Date.now`. */
  now?: () => number;
}

/** The statuses whose `Retry-After` the client waits out: the key's limit, and storage briefly unavailable. */
export const RETRIED_STATUSES: readonly number[] = [429, 503];

export const DEFAULT_ATTEMPTS = 3;
export const DEFAULT_MAX_DELAY_SECONDS = 60;

/** What `fetch` the client calls: openapi-fetch's, given the request it built. */
export type Fetch = (request: Request) => Promise<Response>;

/**
 * `fetch`, but a 429 or 503 answer with a `Retry-After` is waited out and the request sent again, up to
 * `attempts` in all. The API counts a refused request but serves nothing for it (a 429 comes before the
 * route; a 503 means storage refused the work), so every method is retried, a POST included. An answer
 * without `Retry-After`, or asking for more than `maxDelaySeconds`, is given back as it is.
 */
export function retrying(fetch: Fetch, options: RetryOptions = {}): Fetch {
  const attempts = options.attempts ?? DEFAULT_ATTEMPTS;
  const maxDelaySeconds = options.maxDelaySeconds ?? DEFAULT_MAX_DELAY_SECONDS;
  if (!Number.isInteger(attempts) || attempts < 1) {
    throw new RangeError(`retry.attempts must be an integer of at least 1, not ${attempts}.`);
  }
  if (!(maxDelaySeconds >= 0)) {
    throw new RangeError(`retry.maxDelaySeconds must be 0 or more, not ${maxDelaySeconds}.`);
  }
  const sleep = options.sleep ?? timer;
  const now = options.now ?? Date.now;
  return async (request) => {
    for (let attempt = 1; ; attempt++) {
      // A request's body can be read once: each attempt but the last sends a copy.
      const response = await fetch(attempt < attempts ? request.clone() : request);
      if (attempt >= attempts || !RETRIED_STATUSES.includes(response.status)) return response;
      const delay = retryAfterMilliseconds(response.headers.get("Retry-After"), now());
      if (delay === undefined || delay > maxDelaySeconds * 1000) return response;
      // Free the connection before waiting: the answer's body is not needed.
      await response.body?.cancel();
      await sleep(delay, request.signal);
    }
  };
}

/**
 * `Retry-After` (RFC 9110 §10.2.3) in milliseconds from `nowMs`: whole seconds, or an HTTP date (0 once
 * past). Undefined when absent or unreadable.
 */
export function retryAfterMilliseconds(header: string | null, nowMs: number): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** `Retry-After` in whole seconds (rounded up), as an error reports it; undefined when absent or unreadable. */
export function retryAfterSeconds(header: string | null, nowMs: number = Date.now()): number | undefined {
  const milliseconds = retryAfterMilliseconds(header, nowMs);
  return milliseconds === undefined ? undefined : Math.ceil(milliseconds / 1000);
}

function timer(milliseconds: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const abort = () => {
      clearTimeout(timeout);
      reject(signal.reason);
    };
    const timeout = setTimeout(() => {
      signal.removeEventListener("abort", abort);
      resolve();
    }, milliseconds);
    signal.addEventListener("abort", abort, { once: true });
  });
}
