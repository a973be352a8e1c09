import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalRuntime } from "../../lib/local/runtime";
import { buildPage } from "../../web/build";
import { call, startLocal } from "../integration/harness";
import { type Browser, browserStorage, launchBrowser, seriousViolations } from "./chromium";
import { signIn } from "./console";

/**
 * Signing in to the console as deployed (API.md §10), in Chromium: the page on its own origin sends a
 * signed-out visitor straight to the OpenID provider on another origin, comes back with a code, and
 * calls the API on a third; an expired ID token is renewed on the API's 401 without losing what the
 * person typed; signing out ends the provider's session too. The tokens here live 3 seconds.
 */

const ADMIN_TOKEN = "browser-oidc-admin-token";
const TOKEN_SECONDS = 3;
let local: LocalRuntime;
let browser: Browser;

beforeAll(async () => {
  await buildPage();
  [local, browser] = await Promise.all([
    startLocal({ adminToken: ADMIN_TOKEN, consoleTokenSeconds: TOKEN_SECONDS }),
    launchBrowser(),
  ]);
});
afterAll(async () => {
  await browser?.close();
  await local?.close();
});

/** The ID tokens the page sent to the API, in order. */
function watchTokens(page: Page): string[] {
  const tokens: string[] = [];
  page.on("request", (request) => {
    const token = /^Bearer (.+)$/.exec(request.headers().authorization ?? "")?.[1];
    if (token && request.url().startsWith(`${local.url}/console/v1/`)) tokens.push(token);
  });
  return tokens;
}

/** Opens "Create API Key" and fills it in: what an expired session must not lose. */
async function fillCreateDialog(page: Page, name: string) {
  await page.getByRole("button", { name: "Create API Key" }).click();
  const dialog = page.getByRole("dialog", { name: "Create API Key" });
  await dialog.getByRole("textbox", { name: "Name" }).fill(name);
  await dialog.getByRole("checkbox", { name: /^accounts:read/ }).check();
  return dialog;
}

/** Waits until the API no longer takes `token` (it expired), asking the API itself. */
async function untilRefused(token: string) {
  await expect.poll(() => consoleStatus(token), { timeout: 15_000, interval: 250 }).toBe(401);
}

const consoleStatus = async (token: string) =>
  (await call(local.url, "/console/v1/api-keys", { headers: [["Authorization", `Bearer ${token}`]] })).status;

describe("signing in across origins", () => {
  it("goes straight to the provider's login page, refuses a wrong admin token, then comes back signed in", async () => {
    const page = await browser.context.newPage();
    try {
      await page.context().clearCookies();
      await page.goto(local.consoleUrl);
      await page.getByLabel("Admin token").waitFor();
      expect(new URL(page.url()).origin).toBe(local.signInOrigin);
      expect(await seriousViolations(page)).toEqual([]);
      await page.getByLabel("Admin token").fill("not-the-token");
      await page.getByLabel("Organization").fill("oidc-acme");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("alert").filter({ hasText: "The admin token is not valid." }).waitFor();
      // What the person typed in Organization is kept; the token is not.
      expect(await page.getByLabel("Organization").inputValue()).toBe("oidc-acme");
      expect(await page.getByLabel("Admin token").inputValue()).toBe("");

      await page.getByLabel("Admin token").fill(ADMIN_TOKEN);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("heading", { name: "API Keys" }).waitFor();
      expect(new URL(page.url()).origin).toBe(local.consoleOrigin);
      // The code is spent and gone from the address bar.
      expect(page.url()).toBe(local.consoleUrl);
      expect(await page.getByText("oidc-acme").count()).toBeGreaterThan(0);
      const stored = await browserStorage(page);
      expect(stored).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
      expect(stored).not.toContain(ADMIN_TOKEN);
    } finally {
      await page.close();
    }
  });
});

describe("an expired session", () => {
  it("is renewed on the API's 401: the dialog keeps what was typed and the key is created", async () => {
    const page = await browser.context.newPage();
    const tokens = watchTokens(page);
    const refreshes: string[] = [];
    page.on("request", (request) => {
      if (
        request.url() === `${local.signInOrigin}/token` &&
        (request.postData() ?? "").includes("refresh_token")
      )
        refreshes.push(request.url());
    });
    try {
      await signIn(page, { local, adminToken: ADMIN_TOKEN, orgId: "oidc-expiry" });
      const dialog = await fillCreateDialog(page, "Typed before expiry");
      const last = tokens.at(-1) ?? "";
      await untilRefused(last);
      const before = tokens.length;
      await dialog.getByRole("button", { name: "Create" }).click();
      await dialog.getByRole("textbox", { name: "API key" }).waitFor();
      expect(refreshes.length).toBeGreaterThan(0);
      // The first call carried the dead token, the repeat a new one.
      expect(tokens.slice(before)).toContain(last);
      expect(tokens.at(-1)).not.toBe(last);
      expect(await page.getByText(/cannot be reached/).count()).toBe(0);
      await dialog.getByRole("button", { name: "Done" }).click();
      await page.getByRole("rowheader", { name: "Typed before expiry" }).waitFor();
    } finally {
      await page.close();
    }
  });
});

describe("a session ended elsewhere", () => {
  it("asks to sign in again in a popup, keeping the open dialog and what was typed", async () => {
    const page = await browser.context.newPage();
    const tokens = watchTokens(page);
    const other = await browser.context.newPage();
    try {
      await signIn(page, { local, adminToken: ADMIN_TOKEN, orgId: "oidc-ended" });
      // Signed out in another tab: the provider's session ends, and the refresh tokens bound to it.
      await other.goto(local.consoleUrl);
      await other.getByRole("heading", { name: "API Keys" }).waitFor();
      await other.getByRole("button", { name: "Sign out" }).click();
      await other.getByLabel("Admin token").waitFor();
      await untilRefused(tokens.at(-1) ?? "");
      const dialog = await fillCreateDialog(page, "After the end");
      await dialog.getByRole("button", { name: "Create" }).click();
      const ended = page.getByRole("dialog", { name: "Your session has ended" });
      await ended.waitFor();
      expect(await page.getByText(/cannot be reached/).count()).toBe(0);
      expect(await seriousViolations(page)).toEqual([]);

      const popupOpened = page.waitForEvent("popup");
      await ended.getByRole("button", { name: "Sign in again" }).click();
      const popup = await popupOpened;
      await popup.getByLabel("Admin token").fill(ADMIN_TOKEN);
      await popup.getByLabel("Organization").fill("oidc-ended");
      await popup.getByRole("button", { name: "Sign in" }).click();
      await ended.waitFor({ state: "detached" });
      // The popup closes itself once the page has the answer.
      await expect.poll(() => popup.isClosed()).toBe(true);
      // The page never left: the dialog still holds what was typed, and now goes through.
      expect(await dialog.getByRole("textbox", { name: "Name" }).inputValue()).toBe("After the end");
      await dialog.getByRole("button", { name: "Create" }).click();
      await dialog.getByRole("textbox", { name: "API key" }).waitFor();
      await dialog.getByRole("button", { name: "Done" }).click();
      await page.getByRole("rowheader", { name: "After the end" }).waitFor();
    } finally {
      await other.close();
      await page.close();
    }
  });
});

describe("signing out", () => {
  it("ends the provider's session too: the page leads to the login page again", async () => {
    const page = await browser.context.newPage();
    try {
      await signIn(page, { local, adminToken: ADMIN_TOKEN, orgId: "oidc-signout" });
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.getByLabel("Admin token").waitFor();
      expect(new URL(page.url()).origin).toBe(local.signInOrigin);
      // No silent sign-in: opening the page again asks again.
      await page.goto(local.consoleUrl);
      await page.getByLabel("Admin token").waitFor();
      expect(new URL(page.url()).origin).toBe(local.signInOrigin);
    } finally {
      await page.close();
    }
  });
});
