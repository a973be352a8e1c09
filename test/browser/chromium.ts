import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";

/**
 * The machine's Chromium (Debian's package, or `CHROMIUM_PATH`), driven by playwright-core; never a
 * downloaded browser. `scripts/ensure-chromium.sh` installs it (CI runs it first).
 */
export function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
  if (!existsSync(path)) {
    throw new Error(`No Chromium at ${path}: run scripts/ensure-chromium.sh (or set CHROMIUM_PATH).`);
  }
  return path;
}

/** Flags for a quiet, offline, reproducible browser: no sandbox (root in CI), no GPU, no phoning home. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** One Chromium for a test file, with a fresh profile (`--user-data-dir`) that is deleted afterwards. */
export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), "fynex-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    args: CHROMIUM_ARGS,
    headless: true,
    viewport: { width: 1280, height: 800 },
  });
  context.setDefaultTimeout(15_000);
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/**
 * axe-core's serious and critical violations on the page as it is now. The script is evaluated over
 * the DevTools protocol, which the page's Content-Security-Policy (no inline script) does not govern.
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  // Written as page-side source: this file is typed for Node, the function runs in the page.
  const violations = (await page.evaluate(`(async () => {
    const result = await window.axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map(({ id, impact, help, nodes }) => ({
      id, impact, help, nodes: nodes.map((node) => ({ target: node.target })),
    }));
  })()`)) as AxeViolation[];
  return violations.filter((violation) => violation.impact === "serious" || violation.impact === "critical");
}

/** Everything the browser stores for the page: what must never hold a key (API.md §10). */
export async function browserStorage(page: Page): Promise<string> {
  const inPage = (await page.evaluate(`(async () => {
    const dump = (storage) => Array.from({ length: storage.length }, (_, i) => {
      const name = storage.key(i) ?? "";
      return name + "=" + storage.getItem(name);
    });
    const databases = (await indexedDB.databases()).map((db) => db.name ?? "");
    const caches = "caches" in window ? await window.caches.keys() : [];
    return JSON.stringify({
      local: dump(localStorage), session: dump(sessionStorage), cookie: document.cookie,
      url: location.href, databases, caches,
    });
  })()`)) as string;
  const cookies = JSON.stringify(await page.context().cookies());
  return `${inPage}\n${cookies}`;
}

/**
 * Whether `text` is anywhere in the page's document: its markup and text, or the live value of a form
 * field (a property, which the markup does not show: the shown-once key's box holds it there).
 */
export function documentHolds(page: Page, text: string): Promise<boolean> {
  return page.evaluate(`(() => {
    const text = ${JSON.stringify(text)};
    const fields = Array.from(document.querySelectorAll("input, textarea"));
    return document.documentElement.outerHTML.includes(text) || fields.some((field) => field.value.includes(text));
  })()`) as Promise<boolean>;
}

/** What the page put on the clipboard. */
export function clipboardText(page: Page): Promise<string> {
  return page.evaluate("navigator.clipboard.readText()") as Promise<string>;
}

/** Sets a mark on the page's window that a reload would wipe, or reads it. */
export function markWindow(page: Page): Promise<void> {
  return page.evaluate("window.notReloaded = true; undefined") as Promise<void>;
}
export function windowMarked(page: Page): Promise<boolean> {
  return page.evaluate("window.notReloaded === true") as Promise<boolean>;
}
