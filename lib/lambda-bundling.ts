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
}

/** The deployed bundling. */
export const LAMBDA_BUNDLING: LambdaBundling = {
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
};
