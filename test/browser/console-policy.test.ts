import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalRuntime } from "../../lib/local/runtime";
import { admin, createKey, ManualClock, PROJECT_ROOT, startLocal } from "../integration/harness";
import { localTarget, type Target } from "../integration/target";
import { type Browser, launchBrowser, seriousViolations } from "./chromium";
import { keyRow, openSignedIn } from "./console";

/**
 * The section "Key policy" of Settings > Integrations (API.md §12), in a real Chromium against the
 * local runtime: set by keyboard alone and enforced on the admin API, the create dialog held to it,
 * the API's refusal in an alert, the marks "Breaks policy" and "Rotation due" with "Rotate now", and a
 * 360 px screen. The runtime's clock starts 100 days back, so keys made first are old when it moves
 * to now. `npm run screenshots` also writes the section's pictures to docs/screenshots/.
 */
const ADMIN_TOKEN = "browser-policy-admin-token";
const DAY_MS = 24 * 3600 * 1000;
const SCREENSHOTS =
  process.env.FYNEX_SCREENSHOTS === "1" ? join(PROJECT_ROOT, "docs/screenshots") : undefined;

const clock = new ManualClock(Date.now() - 100 * DAY_MS);
let local: LocalRuntime;
let target: Target;
let browser: Browser;

beforeAll(async () => {
  [local, browser] = await Promise.all([
    startLocal({ adminToken: ADMIN_TOKEN, clock: clock.now }),
    launchBrowser(),
  ]);
  target = localTarget(local);
  if (SCREENSHOTS) mkdirSync(SCREENSHOTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await local?.close();
});

const openConsole = (orgId: string, viewport?: { width: number; height: number }) =>
  openSignedIn(browser.context, { local, adminToken: ADMIN_TOKEN, orgId }, viewport);

async function screenshot(locator: Locator, name: string) {
  if (SCREENSHOTS) await locator.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

/** The section, a region named by its heading. */
const policySection = (page: Page) => page.getByRole("region", { name: "Key policy" });

/** Presses Tab until `locator` has the focus (at most `limit` presses), as a keyboard user gets there. */
async function tabTo(page: Page, locator: Locator, limit = 80) {
  for (let i = 0; i < limit; i++) {
    if (await locator.evaluate((element) => element === element.ownerDocument.activeElement)) return;
    await page.keyboard.press("Tab");
  }
  throw new Error("never reached by Tab");
}

describe("The section Key policy", () => {
  it("is set by keyboard alone, and the admin API enforces it", async () => {
    clock.set(Date.now());
    const org = "policy-keyboard";
    const page = await openConsole(org);
    try {
      const section = policySection(page);
      const maxLifetime = section.getByRole("spinbutton", { name: "Maximum lifetime (days)" });
      await maxLifetime.waitFor();
      expect(await maxLifetime.inputValue()).toBe("");
      const rotateAfter = section.getByRole("spinbutton", { name: "Remind to rotate after (days)" });
      expect(await rotateAfter.inputValue()).toBe("90");

      await tabTo(page, maxLifetime);
      await page.keyboard.type("30");
      for (const scope of ["contacts:read", "contacts:write", "payments:write"]) {
        await tabTo(page, section.getByRole("checkbox", { name: new RegExp(`^${scope}`) }));
        await page.keyboard.press("Space");
      }
      await tabTo(page, section.getByRole("checkbox", { name: "Require an IP allowlist" }));
      await page.keyboard.press("Space");
      await tabTo(page, rotateAfter);
      await page.keyboard.press("Control+A");
      await page.keyboard.type("60");
      await tabTo(page, section.getByRole("button", { name: "Save policy" }));
      await page.keyboard.press("Enter");
      await section.getByRole("status").filter({ hasText: "Policy saved." }).waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(section, "8-key-policy-1280");

      const read = await admin(target, "GET", `/admin/v1/orgs/${org}/key-policy`);
      expect(read.status).toBe(200);
      const policy = read.json as Record<string, unknown>;
      expect(policy.maxLifetimeDays).toBe(30);
      expect(policy.requireAllowlist).toBe(true);
      expect(policy.rotateAfterDays).toBe(60);
      expect([...(policy.allowedScopes as string[])].sort()).not.toContain("contacts:read");
      expect(policy.updatedBy).toEqual(expect.any(String));

      const refused = await admin(target, "POST", `/admin/v1/orgs/${org}/api-keys`, {
        name: "No expiry",
        scopes: ["accounts:read"],
        allowedIps: ["203.0.113.0/24"],
      });
      expect(refused.status).toBe(400);
    } finally {
      await page.close();
    }
  });

  it("holds the create dialog to the policy, and shows what the API refuses in an alert", async () => {
    clock.set(Date.now());
    const org = "policy-dialog";
    const set = await admin(target, "PUT", `/admin/v1/orgs/${org}/key-policy`, {
      maxLifetimeDays: 30,
      allowedScopes: ["accounts:read", "export"],
      requireAllowlist: false,
      rotateAfterDays: 90,
    });
    expect(set.status).toBe(200);
    const page = await openConsole(org);
    try {
      await page.getByRole("button", { name: "Create API Key" }).click();
      const dialog = page.getByRole("dialog", { name: "Create API Key" });
      const boxes = await dialog.getByRole("checkbox").all();
      const offered = await Promise.all(boxes.map((box) => box.getAttribute("value")));
      expect(offered).toEqual(["accounts:read", "export"]);
      const expiry = dialog.getByLabel("Expiry date");
      expect(await expiry.getAttribute("required")).not.toBeNull();
      expect(await dialog.getByText(/at most 30 days ahead/).count()).toBe(1);

      await dialog.getByRole("textbox", { name: "Name" }).fill("Report pipeline");
      await dialog.getByRole("checkbox", { name: /^accounts:read/ }).check();
      await dialog.getByRole("button", { name: "Create" }).click();
      const alert = dialog.getByRole("alert");
      await alert.waitFor();
      expect(await alert.textContent()).toMatch(/policy/i);
      expect(await seriousViolations(page)).toEqual([]);

      await expiry.fill(new Date(Date.now() + 10 * DAY_MS).toISOString().slice(0, 10));
      await dialog.getByRole("button", { name: "Create" }).click();
      await dialog.getByRole("textbox", { name: "API key" }).waitFor();
    } finally {
      await page.close();
    }
  });

  it("marks a key that breaks the policy and one due for rotation, with Rotate now beside it, on a 360 px screen", async () => {
    const org = "policy-marks";
    clock.set(Date.now() - 100 * DAY_MS);
    await createKey(target, org, { name: "Old CRM sync", scopes: ["accounts:read"] });
    clock.set(Date.now());
    await createKey(target, org, { name: "Fresh export", scopes: ["export"] });
    const set = await admin(target, "PUT", `/admin/v1/orgs/${org}/key-policy`, {
      maxLifetimeDays: null,
      allowedScopes: ["accounts:read"],
      requireAllowlist: false,
      rotateAfterDays: 90,
    });
    expect(set.status).toBe(200);
    const page = await openConsole(org, { width: 360, height: 800 });
    try {
      const old = keyRow(page, "Old CRM sync");
      await old.getByText("Rotation due").waitFor();
      expect(await old.getByText(/Breaks policy/).count()).toBe(0);
      const fresh = keyRow(page, "Fresh export");
      expect(await fresh.getByText("Breaks policy: allowed scopes").count()).toBe(1);
      expect(await fresh.getByText("Rotation due").count()).toBe(0);
      expect(await seriousViolations(page)).toEqual([]);
      expect(await page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(360);
      await screenshot(page.locator("main"), "9-policy-marks-360");

      await old.getByRole("button", { name: "Rotate now" }).click();
      await page.getByRole("dialog", { name: /Rotate/ }).waitFor();
    } finally {
      await page.close();
    }
  });
});
