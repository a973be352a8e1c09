import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalRuntime } from "../../lib/local/runtime";
import { buildPage } from "../../web/build";
import { absoluteTime } from "../../web/src/format";
import { rangeStart, type UsageRange } from "../../web/src/usage";
import { admin, call, createKey, PROJECT_ROOT, startLocal, withKey } from "../integration/harness";
import { localTarget, type Target } from "../integration/target";
import {
  type Browser,
  browserStorage,
  clipboardText,
  documentHolds,
  launchBrowser,
  markWindow,
  seriousViolations,
  windowMarked,
} from "./chromium";
import { FULL_KEY, keyRow, signIn as signInAs } from "./console";

/**
 * Settings > Integrations in a real Chromium against the local runtime (API.md §10), at 1280 px and at
 * 360 px: the product's flow step by step, by the accessible names people and screen readers use.
 * `npm run screenshots` (FYNEX_SCREENSHOTS=1) also writes the README's pictures to docs/screenshots/.
 */

const ADMIN_TOKEN = "browser-test-admin-token";
const SCREENSHOTS =
  process.env.FYNEX_SCREENSHOTS === "1" ? join(PROJECT_ROOT, "docs/screenshots") : undefined;

let local: LocalRuntime;
let target: Target;
let browser: Browser;

beforeAll(async () => {
  await buildPage();
  [local, browser] = await Promise.all([startLocal({ adminToken: ADMIN_TOKEN }), launchBrowser()]);
  target = localTarget(local);
  await browser.context.grantPermissions(["clipboard-read", "clipboard-write"], {
    origin: local.consoleOrigin,
  });
  if (SCREENSHOTS) mkdirSync(SCREENSHOTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await local?.close();
});

/**
 * A picture for the README. The shown-once key box is masked: a full key never reaches a file, not even
 * one of a throwaway local runtime (its checksum would also make secret scanners report it).
 */
async function screenshot(page: Page, name: string) {
  if (!SCREENSHOTS) return;
  const keyBox = page.getByRole("textbox", { name: "API key" });
  // A modal dialog's backdrop covers the viewport, not the page below it: what a person sees then is
  // the viewport.
  const dialogOpen = (await page.locator("dialog[open]").count()) > 0;
  await page.screenshot({
    path: join(SCREENSHOTS, `${name}.png`),
    fullPage: !dialogOpen,
    mask: [keyBox],
    maskColor: "#c9d1d9",
  });
}

/** Opens the page and signs in as a person would. */
const signIn = (page: Page, orgId: string) => signInAs(page, { local, adminToken: ADMIN_TOKEN, orgId });

/** Focuses `locator` with Tab presses alone (at most `limit`), as a keyboard user gets there. */
async function tabTo(page: Page, locator: Locator, limit = 40) {
  for (let i = 0; i < limit; i++) {
    if (await locator.evaluate((element) => element === element.ownerDocument.activeElement)) return;
    await page.keyboard.press("Tab");
  }
  throw new Error("Tab never reached the element");
}

for (const viewport of [
  { width: 1280, height: 900 },
  { width: 360, height: 780 },
]) {
  describe(`Settings > Integrations at ${viewport.width} px`, () => {
    const org = `browser-${viewport.width}`;
    const shot = (name: string) => `${name}-${viewport.width}`;
    let page: Page;
    let key = "";
    const consoleLines: string[] = [];
    const requests: string[] = [];

    beforeAll(async () => {
      page = await browser.context.newPage();
      await page.setViewportSize(viewport);
      page.on("console", (message) => consoleLines.push(message.text()));
      page.on("pageerror", (error) => consoleLines.push(String(error)));
      page.on("request", (request) => requests.push(request.url()));
    });
    afterAll(() => page?.close());

    it("signs in with the admin token and an organization, and explains what a key is for", async () => {
      await page.context().clearCookies();
      // Signed out, the page leads straight to the sign-in page, on the provider's origin.
      await page.goto(local.consoleUrl);
      await page.getByRole("button", { name: "Sign in" }).waitFor();
      expect(new URL(page.url()).origin).toBe(local.signInOrigin);
      await screenshot(page, shot("1-sign-in"));
      expect(await seriousViolations(page)).toEqual([]);
      await signIn(page, org);
      await page.getByText("No API keys yet.").waitFor();
      expect(await page.getByText("If a key is exposed, revoke it and create a replacement.").count()).toBe(
        1,
      );
      expect(await seriousViolations(page)).toEqual([]);
    });

    it("creates a key with scopes and an expiry, shows it once and copies it", async () => {
      await page.getByRole("button", { name: "Create API Key" }).click();
      const dialog = page.getByRole("dialog", { name: "Create API Key" });
      await dialog.getByRole("textbox", { name: "Name" }).fill("CRM sync");
      await dialog.getByRole("checkbox", { name: /^accounts:read/ }).check();
      await dialog.getByRole("checkbox", { name: /^contacts:read/ }).check();
      const webhooks = dialog.getByRole("checkbox", { name: /^webhooks:manage/ });
      expect(await webhooks.getAttribute("value")).toBe("webhooks:manage");
      expect(await dialog.getByText(/receive the payloads of the events/).count()).toBe(1);
      expect(await dialog.getByRole("checkbox").count()).toBe(8);
      const nextYear = `${new Date().getUTCFullYear() + 1}-06-30`;
      await dialog.getByLabel("Expiry date").fill(nextYear);
      await screenshot(page, shot("2-create"));
      expect(await seriousViolations(page)).toEqual([]);
      await dialog.getByRole("button", { name: "Create" }).click();

      const box = dialog.getByRole("textbox", { name: "API key" });
      await box.waitFor();
      key = await box.inputValue();
      expect(FULL_KEY.test(key), "the box holds a full key").toBe(true);
      // The check below can see the key where the page holds it (a field's live value).
      expect(await documentHolds(page, key)).toBe(true);
      expect(await box.getAttribute("readonly")).not.toBeNull();
      expect(await dialog.getByText("This is the only time the full key is shown.").count()).toBe(1);
      await dialog.getByRole("button", { name: "Copy" }).click();
      await dialog.getByRole("status").filter({ hasText: "Copied" }).waitFor();
      expect(await clipboardText(page)).toBe(key);
      await screenshot(page, shot("3-shown-once"));
      expect(await seriousViolations(page)).toEqual([]);

      await dialog.getByRole("button", { name: "Done" }).click();
      await dialog.waitFor({ state: "detached" });
      const row = keyRow(page, "CRM sync");
      expect(await row.getByText("Active").count()).toBe(1);
      expect(await row.getByText(`${nextYear} 00:00 UTC`).count()).toBe(1);
      // Gone from the page with the panel: only the hint stays.
      expect(await documentHolds(page, key)).toBe(false);
      expect(await row.getByText(`${key.slice(0, 12)}…${key.slice(-4)}`).count()).toBe(1);
    });

    it("lets the key call the API, and lists it with its usage after a reload that does not show it again", async () => {
      expect((await withKey(target, key, "/api/v1/accounts")).status).toBe(200);
      await signIn(page, org);
      const row = keyRow(page, "CRM sync");
      await row.waitFor();
      expect(await row.getByRole("cell", { name: "1 / 100" }).count()).toBe(1);
      expect(await documentHolds(page, key)).toBe(false);
      // The page fits the screen; only the table scrolls sideways, inside its own region.
      expect(await page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(viewport.width);
      await screenshot(page, shot("4-list"));
      expect(await seriousViolations(page)).toEqual([]);
    });

    it("cancels a revoke: the key still works", async () => {
      await keyRow(page, "CRM sync").getByRole("button", { name: "Revoke" }).click();
      const confirm = page.getByRole("dialog", { name: /^Revoke/ });
      await confirm.getByRole("button", { name: "Revoke key" }).waitFor();
      await screenshot(page, shot("5-revoke"));
      await confirm.getByRole("button", { name: "Cancel" }).click();
      await confirm.waitFor({ state: "detached" });
      expect((await withKey(target, key, "/api/v1/accounts")).status).toBe(200);
    });

    it("revokes: the row says Revoked without a reload, and the API answers 401", async () => {
      // A mark that a reload would wipe.
      await markWindow(page);
      await keyRow(page, "CRM sync").getByRole("button", { name: "Revoke" }).click();
      await page
        .getByRole("dialog", { name: /^Revoke/ })
        .getByRole("button", { name: "Revoke key" })
        .click();
      await keyRow(page, "CRM sync").getByText("Revoked").waitFor();
      expect(await windowMarked(page)).toBe(true);
      expect(await keyRow(page, "CRM sync").getByRole("button", { name: "Revoke" }).count()).toBe(0);
      expect((await withKey(target, key, "/api/v1/accounts")).status).toBe(401);
    });

    it("creates a key with the keyboard alone", async () => {
      await tabTo(page, page.getByRole("button", { name: "Create API Key" }));
      await page.keyboard.press("Enter");
      const dialog = page.getByRole("dialog", { name: "Create API Key" });
      await dialog.waitFor();
      await tabTo(page, dialog.getByRole("textbox", { name: "Name" }));
      await page.keyboard.type("Billing export");
      await tabTo(page, dialog.getByRole("checkbox", { name: /^export/ }));
      await page.keyboard.press("Space");
      await tabTo(page, dialog.getByRole("button", { name: "Create" }));
      await page.keyboard.press("Enter");
      await tabTo(page, dialog.getByRole("button", { name: "Copy" }));
      await page.keyboard.press("Enter");
      await dialog.getByRole("status").filter({ hasText: "Copied" }).waitFor();
      const copied = await clipboardText(page);
      expect(copied).toMatch(FULL_KEY);
      await tabTo(page, dialog.getByRole("button", { name: "Done" }));
      await page.keyboard.press("Enter");
      await dialog.waitFor({ state: "detached" });
      expect(await keyRow(page, "Billing export").getByText("export").count()).toBeGreaterThan(0);
      expect((await withKey(target, copied, "/api/v1/export/accounts")).status).toBe(200);
      // Escape leaves a dialog without a change.
      await tabTo(page, page.getByRole("button", { name: "Create API Key" }));
      await page.keyboard.press("Enter");
      await dialog.waitFor();
      await page.keyboard.press("Escape");
      await dialog.waitFor({ state: "detached" });
    });

    it("shows an API error as the envelope's message and what it says of the field, in an alert", async () => {
      await page.getByRole("button", { name: "Create API Key" }).click();
      const dialog = page.getByRole("dialog", { name: "Create API Key" });
      await dialog.getByRole("textbox", { name: "Name" }).fill("   ");
      await dialog.getByRole("checkbox", { name: /^import/ }).check();
      await dialog.getByRole("button", { name: "Create" }).click();
      const alert = dialog.getByRole("alert");
      await alert.waitFor();
      expect(await alert.textContent()).toMatch(/^The request is not valid\. Name: \S/);
      await screenshot(page, shot("6-error"));
      expect(await seriousViolations(page)).toEqual([]);
      await dialog.getByRole("button", { name: "Cancel" }).click();
      await dialog.waitFor({ state: "detached" });
    });

    it("keeps the key out of every browser storage, the URL and the console log, and calls no other origin", async () => {
      const stored = await browserStorage(page);
      // Booleans, so that a failure never prints what it found.
      expect(FULL_KEY.test(stored), "a key in the browser's storage").toBe(false);
      expect(stored.includes(ADMIN_TOKEN), "the admin token in the browser's storage").toBe(false);
      expect(FULL_KEY.test(consoleLines.join("\n")), "a key in the console log").toBe(false);
      expect(consoleLines.filter((line) => /error|refused|violat/i.test(line))).toEqual([]);
      const ours = [local.url, local.consoleOrigin, local.signInOrigin].map((origin) => `${origin}/`);
      expect(requests.filter((url) => !ours.some((origin) => url.startsWith(origin)))).toEqual([]);
    });

    it("shows the org's audit events, naming the person", async () => {
      const events = page.getByRole("region", { name: "Audit events" });
      await events.getByText("Revoked").first().waitFor();
      expect(await events.getByText(/by user:local-admin/).count()).toBeGreaterThan(0);
    });
  });
}

describe("a key's usage history in its details (API.md §11)", () => {
  it("charts the last 7 days by hour and the last 90 by day, its table matching the usage API", async () => {
    const org = "browser-usage";
    const created = await createKey(target, org, {
      name: "Chatty",
      scopes: ["accounts:read"],
      rateLimit: { limit: 2 },
    });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await withKey(target, created.key, "/api/v1/accounts")).status);
    expect(statuses).toEqual([200, 200, 429, 429, 429]);

    /** The API's periods as the table's rows read: start, requests, throttled. */
    const expected = async (range: UsageRange) => {
      const from = new Date(rangeStart(range, Date.now())).toISOString();
      const usage = await admin(
        target,
        "GET",
        `/admin/v1/orgs/${org}/api-keys/${created.id}/usage?granularity=${range}&from=${from}`,
      );
      const items = usage.json.items as { start: string; count: number; throttled: number }[];
      return items.map((item) => [absoluteTime(item.start), String(item.count), String(item.throttled)]);
    };
    const rowsOf = async (caption: string) => {
      const table = page.getByRole("table", { name: caption });
      await table.waitFor({ state: "attached" });
      return table
        .locator("tbody tr")
        .evaluateAll((rows) => rows.map((row) => [...row.children].map((cell) => cell.textContent ?? "")));
    };

    const page = await browser.context.newPage();
    try {
      const usageCalls: string[] = [];
      page.on("request", (request) => {
        if (/\/api-keys\/[^/]+\/usage/.test(request.url())) usageCalls.push(request.url());
      });
      await signIn(page, org);
      // The row's sparkline, drawn from the list answer (no usage call of its own), says the week's totals.
      await keyRow(page, "Chatty")
        .getByRole("img", { name: "Last 7 days: 5 requests, 3 throttled" })
        .waitFor();
      expect(usageCalls).toEqual([]);
      await keyRow(page, "Chatty").getByRole("button", { name: "Chatty" }).click();
      const dialog = page.getByRole("dialog", { name: 'Key "Chatty"' });
      const byHour = await expected("hour");
      expect(byHour.flatMap(([, count, throttled]) => [Number(count), Number(throttled)])).toEqual([5, 3]);
      expect(await rowsOf("Usage, last 7 days by hour")).toEqual(byHour);
      expect(await dialog.locator("svg.bars rect.bar-throttled").count()).toBe(1);
      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(page, "7-usage-1280");

      await dialog.getByRole("button", { name: "Last 90 days" }).click();
      expect(await rowsOf("Usage, last 90 days by day")).toEqual(await expected("day"));
      expect(await dialog.getByRole("button", { name: "Last 90 days" }).getAttribute("aria-pressed")).toBe(
        "true",
      );
      await page.keyboard.press("Escape");
      await dialog.waitFor({ state: "detached" });
    } finally {
      await page.close();
    }
  });
});

describe("the unused-keys filter (API.md §11)", () => {
  it("lists with ?unusedForDays=30 when checked, and the whole list again when unchecked", async () => {
    const org = "browser-unused";
    await createKey(target, org, { name: "Fresh", scopes: ["accounts:read"] });
    const page = await browser.context.newPage();
    const lists: string[] = [];
    page.on("request", (request) => {
      if (request.url().includes("/console/v1/api-keys?")) lists.push(new URL(request.url()).search);
    });
    try {
      await signIn(page, org);
      await keyRow(page, "Fresh").waitFor();
      // A key created a moment ago is not "Unused".
      expect(await keyRow(page, "Fresh").getByText("Unused").count()).toBe(0);
      const filter = page.getByRole("checkbox", { name: "Unused for 30 days" });
      await filter.check();
      await page
        .getByRole("status")
        .filter({ hasText: "No active key has gone unused for 30 days." })
        .waitFor();
      expect(lists).toContain("?unusedForDays=30");
      expect(await seriousViolations(page)).toEqual([]);
      await filter.uncheck();
      await keyRow(page, "Fresh").waitFor();
    } finally {
      await page.close();
    }
  });
});

describe("the expiring-soon banner (API.md §11)", () => {
  it("names the keys that expire within 7 days, and no other", async () => {
    const org = "browser-expiring";
    const inDays = (days: number) => new Date(Date.now() + days * 24 * 3600 * 1000).toISOString();
    await createKey(target, org, { name: "Soon", scopes: ["accounts:read"], expiresAt: inDays(3.5) });
    await createKey(target, org, { name: "Later", scopes: ["accounts:read"], expiresAt: inDays(60) });
    const page = await browser.context.newPage();
    try {
      await signIn(page, org);
      const banner = page.getByRole("note", { name: "Keys expiring soon" });
      await banner.waitFor();
      const text = await banner.textContent();
      expect(text).toContain("1 key expires within 7 days");
      expect(text).toContain("“Soon” (in 3 days)");
      expect(text).not.toContain("Later");
      expect(await seriousViolations(page)).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe("the page's own security", () => {
  it("is served on its own origin with a strict Content-Security-Policy, HSTS and no framing", async () => {
    const moved = await call(local.url, "/settings/integrations");
    expect(moved.status).toBe(302);
    expect(moved.headers.location).toBe(local.consoleUrl);
    const page = await call(local.consoleOrigin, "/settings/integrations");
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    const csp = page.headers["content-security-policy"] ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`connect-src 'self' ${local.url} ${local.signInOrigin}`);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(page.headers["strict-transport-security"]).toMatch(/^max-age=\d+/);
    expect(page.headers["x-frame-options"]).toBe("DENY");
    expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=)/);
    const script = /src="([^"]+\.js)"/.exec(page.text)?.[1] ?? "";
    expect((await call(local.consoleOrigin, script)).headers["content-security-policy"]).toBe(csp);
  });
});
