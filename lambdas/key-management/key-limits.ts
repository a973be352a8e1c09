/**
 * The bounds of API.md §5 that keep one org, or one request, from costing without limit. They are
 * constants deployed; the local runtime (and so the integration tests) may lower them, so that a cap
 * or a short page can be reached with a handful of keys instead of a thousand.
 */
export interface KeyLimits {
  /** Active keys an org may hold (keys in a rotation's grace period count); a create beyond is 409. */
  orgActiveKeys: number;
  /** Index entries a filtered list reads per request; past it the page ends short, with a cursor. */
  filteredListReads: number;
}

export const KEY_LIMITS: KeyLimits = { orgActiveKeys: 1_000, filteredListReads: 1_000 };
