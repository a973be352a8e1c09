import { defineConfig, type TestProjectInlineConfiguration } from "vitest/config";

/**
 * The suite's tiers, each a vitest project (`vitest run --project <name>`). A workspace package's tests
 * join them from its own `test/<tier>/` folder (`packages/<name>/test/unit/...`):
 * - unit: no network, no server, no child process; mirrors the source tree (`test/unit/<source path>`);
 * - integration: real HTTP against the local runtime (or a deployed stage), real DynamoDB protocol;
 * - infra: CDK synthesis, assertions and cdk-nag;
 * - hardening: load, faults, crashes, hostile input and property tests;
 * - browser: the console page in the machine's Chromium against the local runtime (`npm run build` first).
 */
const tier = (name: string): TestProjectInlineConfiguration => ({
  extends: true,
  test: { name, include: [`test/${name}/**/*.test.ts`, `packages/*/test/${name}/**/*.test.ts`] },
});

export default defineConfig({
  test: {
    setupFiles: ["test/setup.ts"],
    environment: "node",
    // Two files at a time on this 2-core machine (vitest's default is cores - 1, one here): much of a
    // file's time is spent waiting on child processes, Chromium and sockets. Measured: the suite in
    // 468 s with one worker, 354 s with two.
    maxWorkers: 2,
    testTimeout: 30_000,
    // CDK synths in beforeAll take seconds on a busy 2-core machine.
    hookTimeout: 120_000,
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      // Powertools logs through the global console (which tests can watch), and publishes no metrics.
      POWERTOOLS_DEV: "true",
      // What a deployed function's environment names (`contract/environment.ts`): each entry module
      // builds its Lambda handler from it when it loads, and refuses to load without what its function
      // needs (docs/DECISIONS.md #270). Tests build the handlers they call through `createHandler`;
      // these only let the modules load. (Named here, not imported: Vite loads this file on its own.)
      KEYS_TABLE_NAME: "fynex-test-keys",
      DATA_TABLE_NAME: "fynex-test-data",
      AUDIT_TABLE_NAME: "fynex-test-audit",
      USAGE_TABLE_NAME: "fynex-test-usage",
      WEBHOOK_RETRY_QUEUE_URL: "https://sqs.eu-west-1.amazonaws.com/123456789012/fynex-test-webhook-retries",
    },
    // Files share their worker's modules rather than each loading the SDK, zod and every Lambda again
    // (measured: the unit tier 41 s -> 10 s, integration 129 s -> 75 s), and each stack is synthesised
    // once per worker (`test/infra/synth.ts`). So a file must leave nothing behind: it restores the
    // client mocks, spies and environment it sets in `afterAll` (the support modules' `use...Setup()`
    // make their mocks per file), and a test that loads a module over a mock resets the modules first.
    isolate: false,
    projects: [tier("unit"), tier("integration"), tier("infra"), tier("hardening"), tier("browser")],
  },
});
