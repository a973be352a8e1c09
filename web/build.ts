import { copyFile, mkdir } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

/**
 * `npm run build`: the console page (API.md §10) into `web/dist/` (git-ignored): `index.html`, one
 * minified ES module `app.js` and `app.css`. `npm start` runs it first; the stack uploads the result.
 */
export const WEB_ROOT = dirname(fileURLToPath(import.meta.url));
export const DIST = join(WEB_ROOT, "dist");

export async function buildPage(): Promise<void> {
  await mkdir(DIST, { recursive: true });
  await build({
    entryPoints: [join(WEB_ROOT, "src/main.tsx")],
    outfile: join(DIST, "app.js"),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: ["chrome120", "firefox120", "safari17"],
    minify: true,
    jsx: "automatic",
    jsxImportSource: "preact",
    // No source of the page's own text is worth a third-party request: nothing is loaded at run time.
    legalComments: "none",
    logLevel: "warning",
  });
  await copyFile(join(WEB_ROOT, "index.html"), join(DIST, "index.html"));
  await copyFile(join(WEB_ROOT, "app.css"), join(DIST, "app.css"));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildPage();
}
