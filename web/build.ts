import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

/**
 * `npm run build`: the console page (API.md §10) into `web/dist/` (git-ignored): `index.html`, one
 * minified ES module and one stylesheet whose names carry a hash of their content (`app-<hash>.js`),
 * so they can be cached for a year and a deploy is still seen at the next load (the HTML, which
 * names them, is never cached). `npm start` runs it first; the stack uploads the result.
 */
export const WEB_ROOT = dirname(fileURLToPath(import.meta.url));
export const DIST = join(WEB_ROOT, "dist");

/** The built page's file names: what `index.html` links. */
export interface BuiltPage {
  script: string;
  style: string;
}

export async function buildPage(): Promise<BuiltPage> {
  const result = await build({
    entryPoints: { app: join(WEB_ROOT, "src/main.tsx"), "app-style": join(WEB_ROOT, "app.css") },
    outdir: DIST,
    entryNames: "[name]-[hash]",
    metafile: true,
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
  const outputs = Object.keys(result.metafile.outputs).map((path) => basename(path));
  const script = outputs.find((name) => /^app-[A-Z0-9]+\.js$/i.test(name));
  const style = outputs.find((name) => /^app-style-[A-Z0-9]+\.css$/i.test(name));
  if (!script || !style) throw new Error(`esbuild wrote ${outputs.join(", ")}: no script or style`);
  const html = (await readFile(join(WEB_ROOT, "index.html"), "utf8"))
    .replace("/settings/integrations/app.js", `/settings/integrations/${script}`)
    .replace("/settings/integrations/app.css", `/settings/integrations/${style}`);
  if (!html.includes(script) || !html.includes(style))
    throw new Error("index.html no longer links app.js and app.css");
  await writeFile(join(DIST, "index.html"), html);
  // Earlier builds' files would pile up (the stack uploads the whole folder). Only files this build
  // did not write go: test files building at once write the same names, so none removes another's.
  const keep = new Set([...outputs, "index.html"]);
  for (const name of await readdir(DIST)) if (!keep.has(name)) await rm(join(DIST, name), { force: true });
  return { script, style };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildPage();
}
