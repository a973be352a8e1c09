import { rmSync } from "node:fs";
import { build } from "esbuild";

/**
 * `npm run build`: the rule's JavaScript into `dist/`, one ES module per source file, with esbuild (the
 * project's TypeScript 7 has no compiler API; `tsc -p tsconfig.json` then writes the declarations beside
 * them). `dist/` is emptied first, so a file renamed in `src/` leaves nothing stale to be packed.
 */
const here = new URL(".", import.meta.url);
rmSync(new URL("dist", here), { recursive: true, force: true });
await build({
  entryPoints: ["src/index.ts", "src/fynex-keys.ts"].map((file) => new URL(file, here).pathname),
  outdir: new URL("dist", here).pathname,
  format: "esm",
  platform: "node",
  target: "node20",
  logLevel: "warning",
});
