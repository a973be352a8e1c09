import type { AuthorizerContext } from "./authorizer-context";
import { secondsUntil } from "./rate-window";

/**
 * The rate-limit fields every response to a live key carries (API.md §3): the IETF RateLimit fields
 * (draft-ietf-httpapi-ratelimit-headers) and GitHub-style X-RateLimit-* for older clients.
 */
export function rateLimitHeaders(auth: AuthorizerContext, nowMs: number): Record<string, string> {
  const reset = secondsUntil(auth.resetAt, nowMs);
  return {
    "RateLimit-Policy": `"default";q=${auth.limit};w=${auth.windowSeconds}`,
    RateLimit: `"default";r=${auth.remaining};t=${reset}`,
    "X-RateLimit-Limit": String(auth.limit),
    "X-RateLimit-Remaining": String(auth.remaining),
    "X-RateLimit-Reset": String(auth.resetAt),
  };
}
