import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type BuildOptions, build, type Metafile } from "esbuild";
import { lambdaBundling } from "../lib/lambda-bundling";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * A function's bundle may weigh this many bytes at most (DESIGN.md "Measured budgets"), the code file
 * as deployed: minified, the SDK bundled, the source map beside it not counted.
 */
export const BUNDLE_BUDGET_BYTES = 550_000;

/**
 * esbuild's options as the stack bundles a Lambda: the stack's own definition (lib/lambda-bundling.ts:
 * minified, CommonJS, node22, ES-module entry points first, the environment-only credential provider,
 * a source map beside it), with the SDK bundled, so the bench, the byte budget's test and the deployed
 * artifact weigh the same file.
 */
export const DEPLOYED_BUILD: BuildOptions = {
  bundle: true,
  platform: "node",
  ...lambdaBundling(ROOT),
  logLevel: "silent",
};

/** One function's bundle as deployed: its code file and its size in bytes. */
export interface DeployedBundle {
  file: string;
  bytes: number;
}

/**
 * Builds each handler module (`lambdas/…/handler`, from `projectRoot`, no extension) as deployed into
 * `outdir`, in one esbuild run; with `write: false` nothing is written and only sizes come back.
 * The metafile says which inputs each bundle carries, by output.
 */
export async function buildDeployedBundles(
  projectRoot: string,
  modules: readonly string[],
  outdir: string,
  write = true,
): Promise<{ bundles: Map<string, DeployedBundle>; metafile: Metafile }> {
  const result = await build({
    ...DEPLOYED_BUILD,
    entryPoints: Object.fromEntries(
      modules.map((module) => [module.replaceAll("/", "-"), join(projectRoot, `${module}.ts`)]),
    ),
    outdir,
    write,
    metafile: true,
  });
  const metafile = result.metafile as Metafile;
  const bundles = new Map<string, DeployedBundle>();
  for (const module of modules) {
    const file = join(outdir, `${module.replaceAll("/", "-")}.js`);
    // The metafile names outputs from the working directory, as esbuild resolves them.
    const output = metafile.outputs[relative(process.cwd(), file)];
    if (!output) throw new Error(`no bundle for ${module}`);
    bundles.set(module, { file, bytes: output.bytes });
  }
  return { bundles, metafile };
}
