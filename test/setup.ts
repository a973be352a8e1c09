import fc from "fast-check";
import { afterAll } from "vitest";
import { stubbedClients } from "./client-stubs";

/**
 * Property tests explore the same inputs on every run, so CI is deterministic: a failure found once is
 * found again. `FAST_CHECK_SEED=<n> npm test` explores elsewhere (and a failure prints its seed).
 */
fc.configureGlobal({ seed: Number(process.env.FAST_CHECK_SEED ?? 20261126) });

/**
 * A file restores the client mocks it makes: the next file in this worker, or the local runtime it
 * starts, would otherwise talk to them. Runs after the file's own `afterAll` hooks.
 */
afterAll(() => {
  const left = stubbedClients();
  if (left.length > 0) {
    throw new Error(`This file left ${left.join(", ")}.prototype.send mocked: restore it in afterAll.`);
  }
});
