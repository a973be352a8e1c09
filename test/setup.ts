import fc from "fast-check";

/**
 * Property tests explore the same inputs on every run, so CI is deterministic: a failure found once is
 * found again. `FAST_CHECK_SEED=<n> npm test` explores elsewhere (and a failure prints its seed).
 */
fc.configureGlobal({ seed: Number(process.env.FAST_CHECK_SEED ?? 20261126) });
