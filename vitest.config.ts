import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/setup.ts"],
    environment: "node",
    testTimeout: 30_000,
    // CDK synths in beforeAll take seconds on a busy 2-core machine.
    hookTimeout: 120_000,
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      // Powertools logs through the global console (which tests can watch), and publishes no metrics.
      POWERTOOLS_DEV: "true",
    },
  },
});
