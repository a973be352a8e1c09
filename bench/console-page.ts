import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { LocalRuntime } from "../lib/local/runtime";
import { launchBrowser } from "../test/browser/chromium";
import { buildPage, DIST } from "../web/build";
import { median, round } from "./stats";

/** The console's budgets (issue 13): its JavaScript gzipped, and the first render of the signed-in list. */
export type ConsolePageFigures = Awaited<ReturnType<typeof measureConsolePage>>;

export const CONSOLE_BUDGETS = { jsGzipBytes: 60 * 1024, firstListRenderMs: 1000 };

const KEYS_IN_LIST = 25;
const RUNS = 5;

/**
 * Builds the page and measures it: the bytes a browser downloads (gzipped), and, in the machine's
 * Chromium against `local`, the time from clicking Sign in (on the local OpenID provider's login page)
 * to the API Keys table showing a full first page of keys (25): the redirects back, the code exchange,
 * one list call and the render. Also the login form's first paint on a fresh load (the page's files,
 * its config, the provider's discovery and the redirect to its login page), and what one painted page
 * cost: the API calls the page made (by path, ids left out) and the DynamoDB commands they sent,
 * sparklines drawn.
 */
export async function measureConsolePage(
  local: LocalRuntime,
  /** The DynamoDB commands the runtime sent so far, by name. */
  dynamoCommands: () => Record<string, number>,
) {
  const built = await buildPage();
  const gz = async (file: string) => gzipSync(await readFile(join(DIST, file)), { level: 9 }).length;
  const [jsGzipBytes, cssGzipBytes] = await Promise.all([gz(built.script), gz(built.style)]);

  const org = "bench-console";
  for (let i = 0; i < KEYS_IN_LIST; i++) {
    const reply = await fetch(`${local.url}/admin/v1/orgs/${org}/api-keys`, {
      method: "POST",
      headers: { Authorization: `Bearer ${local.adminToken}`, "Content-Type": "application/json" },
      body: JSON.stringify({ name: `Integration ${i}`, scopes: ["accounts:read"] }),
    });
    if (reply.status !== 201) throw new Error(`create key: ${reply.status}`);
  }

  const browser = await launchBrowser();
  const timings: number[] = [];
  let apiCalls: Record<string, number> = {};
  let dynamoCalls: Record<string, number> = {};
  try {
    for (let run = 0; run < RUNS + 1; run++) {
      // Each run a new sign-in: the provider's session of the last one would skip its login page.
      await browser.context.clearCookies();
      const page = await browser.context.newPage();
      const calls: Record<string, number> = {};
      page.on("request", (request) => {
        const path = new URL(request.url()).pathname;
        if (!path.startsWith("/console/v1/")) return;
        const shape = `${request.method()} ${path.replace(/key_[A-Za-z0-9]+/g, "{keyId}")}`;
        calls[shape] = (calls[shape] ?? 0) + 1;
      });
      await page.goto(local.consoleUrl);
      await page.getByLabel("Admin token").fill(local.adminToken);
      await page.getByLabel("Organization").fill(org);
      // Measured in the page: from the click to the table with its 25 rows painted.
      const before = dynamoCommands();
      const started = Date.now();
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("table", { name: "API Keys" }).getByRole("row").nth(KEYS_IN_LIST).waitFor();
      await page
        .getByRole("img", { name: /^Last 7 days/ })
        .nth(KEYS_IN_LIST - 1)
        .waitFor();
      const elapsed = Date.now() - started;
      // What the painted page cost (the audit events below it load alongside and are counted too).
      await page.waitForLoadState("networkidle");
      const after = dynamoCommands();
      apiCalls = calls;
      dynamoCalls = Object.fromEntries(
        Object.entries(after)
          .map(([name, count]) => [name, count - (before[name] ?? 0)] as const)
          .filter(([, count]) => count > 0),
      );
      // The first run warms Chromium's caches and the runtime's code paths; it is not counted.
      if (run > 0) timings.push(elapsed);
      await page.close();
    }
    // A fresh load with no session at all: the login form's first paint.
    await browser.context.clearCookies();
    const page = await browser.context.newPage();
    const loadStarted = Date.now();
    await page.goto(local.consoleUrl);
    await page.getByLabel("Admin token").waitFor();
    const signInFormMs = Date.now() - loadStarted;
    await page.close();
    return {
      jsGzipBytes,
      cssGzipBytes,
      firstListRenderMsP50: round(median(timings), 0),
      firstListRenderMsMax: Math.max(...timings),
      signInFormMs,
      keysInList: KEYS_IN_LIST,
      runs: RUNS,
      apiCalls,
      dynamoCalls,
    };
  } finally {
    await browser.close();
  }
}
