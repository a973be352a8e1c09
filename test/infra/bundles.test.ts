import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Metafile } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";
import { handlerModules } from "../../contract/routes";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const OPENAPI_HANDLER = "lambdas/openapi/handler";

/**
 * What each handler module's bundle holds, bundled as the stack bundles it (esbuild, ES module entry
 * points). The AWS SDK is left external here: it cannot pull the generator in, and bundling it thirty
 * times would make this check slow.
 */
let inputsByHandler: Map<string, string[]>;

beforeAll(async () => {
  const handlers = handlerModules();
  const result = await build({
    entryPoints: Object.fromEntries(handlers.map((handler) => [handler, resolve(ROOT, `${handler}.ts`)])),
    bundle: true,
    platform: "node",
    target: "node22",
    format: "cjs",
    mainFields: ["module", "main"],
    external: ["@aws-sdk/*", "@smithy/*"],
    outdir: resolve(ROOT, "cdk.out/bundle-check"),
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const outputs = (result.metafile as Metafile).outputs;
  inputsByHandler = new Map(
    Object.values(outputs)
      .filter((output) => output.entryPoint !== undefined)
      .map((output) => [
        relative(ROOT, resolve(ROOT, output.entryPoint ?? "")).replace(/\.ts$/, ""),
        Object.keys(output.inputs),
      ]),
  );
}, 120_000);

describe("Lambda bundles", () => {
  it("keeps the OpenAPI generator and the schema registry out of every business Lambda", () => {
    expect(inputsByHandler.size).toBe(handlerModules().length);
    for (const [handler, inputs] of inputsByHandler) {
      if (handler === OPENAPI_HANDLER) continue;
      const leaked = inputs.filter(
        (input) => input.includes("node_modules/zod-openapi") || input.includes("lambdas/openapi/"),
      );
      expect(leaked, handler).toEqual([]);
    }
  });

  it("bundles the generator into the OpenAPI Lambda, which serves the document", () => {
    const inputs = inputsByHandler.get(OPENAPI_HANDLER) ?? [];
    expect(inputs.some((input) => input.includes("node_modules/zod-openapi"))).toBe(true);
  });
});
