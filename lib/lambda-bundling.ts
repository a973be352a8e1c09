import path from "node:path";

/**
 * The module a deployed bundle takes for the SDK's default credential chain, from the project root:
 * the execution role's credentials from the environment, nothing else (docs/DECISIONS.md #334).
 */
export const ENV_CREDENTIALS_MODULE = "lambdas/shared/env-credentials.ts";

/**
 * The module a deployed bundle takes for `node:stream/web`: Node's own, loaded when first used
 * (docs/DECISIONS.md #337).
 */
export const WEB_STREAMS_MODULE = "lambdas/shared/web-streams-on-demand.cjs";

/**
 * How every Lambda function is bundled, in esbuild's own option names: the stack's functions
 * (lib/constructs/fynex-function.ts hands these to CDK's esbuild), the bench's and the budget test's
 * builds (bench/deployed-bundles.ts) and the bundle test all read it here, so what is measured and
 * checked is what is deployed.
 */
export interface LambdaBundling {
  target: "node22";
  format: "cjs";
  minify: boolean;
  sourcemap: boolean;
  sourcesContent: boolean;
  mainFields: string[];
  /** Import path → absolute path of the module bundled in its place. */
  alias: Record<string, string>;
}

/** The deployed bundling of the project at `projectRoot` (`alias` names files under it). */
export function lambdaBundling(projectRoot: string): LambdaBundling {
  return {
    // The Lambda runtime (NODEJS_22_X), as CommonJS.
    target: "node22",
    format: "cjs",
    minify: true,
    // Stack traces point at the TypeScript sources; the map only needs positions: leaving the sources
    // out keeps the artifact small.
    sourcemap: true,
    sourcesContent: false,
    // ES module entry points let esbuild drop the parts of the SDK a handler never calls.
    mainFields: ["module", "main"],
    alias: {
      // Every SDK client imports its default credential provider from this package: the whole Node
      // chain (SSO, ini files, process, web identity, instance metadata, and the nested STS/SSO
      // clients they use), about 135 KB of each minified bundle. A function only ever finds its
      // role's credentials in the environment (docs/DECISIONS.md #334). Only bundles: the local
      // runtime, the tests and the CLI run the sources and keep the full chain.
      "@aws-sdk/credential-provider-node": path.join(projectRoot, ENV_CREDENTIALS_MODULE),
      // @middy/core imports web streams at its top for a mode no function uses (streamed responses):
      // loading them cost every business function 1 to 3 ms of CPU at its cold start.
      "node:stream/web": path.join(projectRoot, WEB_STREAMS_MODULE),
    },
  };
}
