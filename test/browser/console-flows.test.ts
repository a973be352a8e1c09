import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalRuntime } from "../../lib/local/runtime";
import { admin, call, createKey, startLocal, withKey } from "../integration/harness";
import { localTarget, type Target } from "../integration/target";
import {
  type Browser,
  browserStorage,
  documentHolds,
  launchBrowser,
  markWindow,
  seriousViolations,
  windowMarked,
} from "./chromium";
import { FULL_KEY, keyRow, openSignedIn, signIn } from "./console";

/**
 * The console's flows beyond create and revoke (API.md §10, §11), in a real Chromium against the local
 * runtime: edit, rotate with and without a grace period, "Show more keys", the expiring banner over
 * the whole org, sign-out, and a 360 px screen. Each test has an org of its own.
 */

const ADMIN_TOKEN = "browser-flows-admin-token";
const DAY_MS = 24 * 3600 * 1000;

let local: LocalRuntime;
let target: Target;
let browser: Browser;

beforeAll(async () => {
  [local, browser] = await Promise.all([startLocal({ adminToken: ADMIN_TOKEN }), launchBrowser()]);
  target = localTarget(local);
});
afterAll(async () => {
  await browser?.close();
  await local?.close();
});

/** A fresh page signed in to `orgId`'s console, closed by the test (`try … finally`). */
const openConsole = (orgId: string, viewport?: { width: number; height: number }) =>
  openSignedIn(browser.context, { local, adminToken: ADMIN_TOKEN, orgId }, viewport);

/** A key's hint as the list shows it (API.md §1): the first 12 characters, an ellipsis, the last 4. */
const hintOf = (key: string) => `${key.slice(0, 12)}…${key.slice(-4)}`;

/**
 * `count` keys created over the admin API, named `<prefix> 01`, `<prefix> 02`, …, one after another:
 * an org's creates all move its one active-key counter, so a burst of them at once may be answered
 * 503 (busy, Retry-After), which is not what these tests are about.
 */
async function createMany(orgId: string, prefix: string, count: number): Promise<string[]> {
  const names = Array.from({ length: count }, (_, i) => `${prefix} ${String(i + 1).padStart(2, "0")}`);
  for (const name of names) await createKey(target, orgId, { name, scopes: ["accounts:read"] });
  return names;
}

/** The names in the table's rows, in order. */
const rowNames = (page: Page) =>
  page.getByRole("table", { name: "API Keys" }).locator("tbody tr th").allTextContents();

describe("Edit", () => {
  it("changes a key's name and scopes, and the row shows them without a reload", async () => {
    const org = "flows-edit";
    const created = await createKey(target, org, { name: "Ledger sync", scopes: ["accounts:read"] });
    const page = await openConsole(org);
    try {
      await markWindow(page);
      await keyRow(page, "Ledger sync").getByRole("button", { name: "Edit" }).click();
      const dialog = page.getByRole("dialog", { name: 'Edit "Ledger sync"' });
      const name = dialog.getByRole("textbox", { name: "Name" });
      expect(await name.inputValue()).toBe("Ledger sync");
      expect(await dialog.getByRole("checkbox", { name: /^accounts:read/ }).isChecked()).toBe(true);
      await name.fill("Ledger export");
      await dialog.getByRole("checkbox", { name: /^accounts:read/ }).uncheck();
      await dialog.getByRole("checkbox", { name: /^contacts:read/ }).check();
      expect(await seriousViolations(page)).toEqual([]);
      await dialog.getByRole("button", { name: "Save" }).click();
      await dialog.waitFor({ state: "detached" });

      const row = keyRow(page, "Ledger export");
      await row.waitFor();
      expect(await row.getByText("contacts:read").count()).toBe(1);
      expect(await row.getByText("accounts:read").count()).toBe(0);
      expect(await keyRow(page, "Ledger sync").count()).toBe(0);
      expect(await windowMarked(page)).toBe(true);
      const stored = await admin(target, "GET", `/admin/v1/orgs/${org}/api-keys/${created.id}`);
      expect([stored.json.name, stored.json.scopes]).toEqual(["Ledger export", ["contacts:read"]]);
    } finally {
      await page.close();
    }
  });

  it("shows the API's validation error as the envelope's message and its details', in an alert, and changes nothing", async () => {
    const org = "flows-edit-error";
    const created = await createKey(target, org, { name: "Payments feed", scopes: ["payments:write"] });
    // What the API says to the same change: no scopes at all.
    const refused = await admin(target, "PATCH", `/admin/v1/orgs/${org}/api-keys/${created.id}`, {
      scopes: [],
    });
    expect(refused.status).toBe(400);
    const page = await openConsole(org);
    try {
      await keyRow(page, "Payments feed").getByRole("button", { name: "Edit" }).click();
      const dialog = page.getByRole("dialog", { name: 'Edit "Payments feed"' });
      await dialog.getByRole("checkbox", { name: /^payments:write/ }).uncheck();
      await dialog.getByRole("button", { name: "Save" }).click();
      const alert = dialog.getByRole("alert");
      await alert.waitFor();
      const { message, details } = refused.json.error as {
        message: string;
        details: { path: string; message: string }[];
      };
      expect(details.map((detail) => detail.path)).toEqual(["scopes"]);
      // Each detail named as the page labels its field.
      expect(await alert.textContent()).toBe(
        [message, ...details.map((detail) => `Scopes: ${detail.message}`)].join(" "),
      );
      expect(await seriousViolations(page)).toEqual([]);
      await dialog.getByRole("button", { name: "Cancel" }).click();
      await dialog.waitFor({ state: "detached" });
      expect(await keyRow(page, "Payments feed").getByText("payments:write").count()).toBe(1);
    } finally {
      await page.close();
    }
  });
});

describe("Rotate", () => {
  /**
   * Rotates the key named `name` with the grace period `grace` (the select's label), checks the shown-once
   * panel, presses Done, and returns the new key (held by the test only, to call the API with it).
   */
  async function rotate(page: Page, name: string, grace: string): Promise<string> {
    await keyRow(page, name).getByRole("button", { name: "Rotate" }).click();
    const dialog = page.getByRole("dialog", { name: `Rotate "${name}"` });
    await dialog.getByLabel("Grace period").selectOption({ label: grace });
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole("button", { name: "Rotate key" }).click();

    const box = dialog.getByRole("textbox", { name: "API key" });
    await box.waitFor();
    const key = await box.inputValue();
    expect(FULL_KEY.test(key), "the box holds a full key").toBe(true);
    expect(await dialog.getByText("This is the only time the full key is shown.").count()).toBe(1);
    expect(await dialog.getByRole("button", { name: "Copy" }).count()).toBe(1);
    expect(await documentHolds(page, key)).toBe(true);
    expect(FULL_KEY.test(await browserStorage(page)), "a key in the browser's storage").toBe(false);
    expect(await seriousViolations(page)).toEqual([]);

    await dialog.getByRole("button", { name: "Done" }).click();
    await dialog.waitFor({ state: "detached" });
    expect(await documentHolds(page, key)).toBe(false);
    expect(FULL_KEY.test(await browserStorage(page)), "a key in the browser's storage").toBe(false);
    return key;
  }

  it("with a grace period: shows the new key once, and the old one as expiring while it still works", async () => {
    const org = "flows-rotate-grace";
    const old = await createKey(target, org, { name: "Warehouse", scopes: ["accounts:read"] });
    const page = await openConsole(org);
    try {
      const fresh = await rotate(page, "Warehouse", "24 hours");
      const oldRow = keyRow(page, "Warehouse").filter({ hasText: hintOf(old.key) });
      const newRow = keyRow(page, "Warehouse").filter({ hasText: hintOf(fresh) });
      await oldRow.getByText("Expiring soon").waitFor();
      expect(await newRow.getByText("Active", { exact: true }).count()).toBe(1);
      expect(await keyRow(page, "Warehouse").count()).toBe(2);
      expect((await withKey(target, old.key, "/api/v1/accounts")).status).toBe(200);
      expect((await withKey(target, fresh, "/api/v1/accounts")).status).toBe(200);
    } finally {
      await page.close();
    }
  });

  it("without a grace period: shows the new key once, and the old one as revoked", async () => {
    const org = "flows-rotate-now";
    const old = await createKey(target, org, { name: "Dunning job", scopes: ["accounts:read"] });
    const page = await openConsole(org);
    try {
      const fresh = await rotate(page, "Dunning job", "None: revoke the old key now");
      const oldRow = keyRow(page, "Dunning job").filter({ hasText: hintOf(old.key) });
      await oldRow.getByText("Revoked").waitFor();
      expect(await oldRow.getByRole("button", { name: "Revoke" }).count()).toBe(0);
      expect(
        await keyRow(page, "Dunning job")
          .filter({ hasText: hintOf(fresh) })
          .getByText("Active", { exact: true })
          .count(),
      ).toBe(1);
      expect((await withKey(target, old.key, "/api/v1/accounts")).status).toBe(401);
      expect((await withKey(target, fresh, "/api/v1/accounts")).status).toBe(200);
    } finally {
      await page.close();
    }
  });
});

describe("more keys than one page", () => {
  it('"Show more keys" loads the next page, every row a different key', async () => {
    const org = "flows-paging";
    // One more than two pages of the API's default 25 would need: 30 keys, two pages.
    const names = await createMany(org, "Batch key", 30);
    const page = await openConsole(org);
    try {
      const rows = page.getByRole("table", { name: "API Keys" }).locator("tbody tr");
      await rows.first().waitFor();
      const first = await rowNames(page);
      expect(first.length).toBeLessThan(30);
      await page.getByRole("button", { name: "Show more keys" }).click();
      await rows.nth(29).waitFor();
      const all = await rowNames(page);
      expect(all).toHaveLength(30);
      expect(new Set(all).size).toBe(30);
      expect([...all].sort()).toEqual(names);
      expect(all.slice(0, first.length)).toEqual(first);
      await page.getByRole("button", { name: "Show more keys" }).waitFor({ state: "detached" });
    } finally {
      await page.close();
    }
  });

  it("names an expiring key from the list's one call when every key fits on one page", async () => {
    const org = "flows-banner-one-page";
    const inDays = (days: number) => new Date(Date.now() + days * DAY_MS).toISOString();
    await createKey(target, org, {
      name: "Quarter close",
      scopes: ["accounts:read"],
      expiresAt: inDays(2.5),
    });
    await createKey(target, org, { name: "Ledger sync", scopes: ["accounts:read"] });
    const page = await browser.context.newPage();
    const listCalls: string[] = [];
    page.on("request", (request) => {
      const url = new URL(request.url());
      if (request.method() === "GET" && url.pathname.endsWith("/console/v1/api-keys"))
        listCalls.push(url.search);
    });
    try {
      await signIn(page, { local, adminToken: ADMIN_TOKEN, orgId: org });
      const banner = page.getByRole("note", { name: "Keys expiring soon" });
      await banner.waitFor();
      expect(await banner.textContent()).toContain("1 key expires within 7 days");
      // Whatever the page would still send has gone out by now.
      await page.waitForLoadState("networkidle");
      expect(listCalls).toEqual([""]);
    } finally {
      await page.close();
    }
  });

  it("counts in the expiring banner the keys beyond the first page", async () => {
    const org = "flows-banner";
    const inDays = (days: number) => new Date(Date.now() + days * DAY_MS).toISOString();
    // The oldest keys, so the newest-first list puts them on page 2.
    await createKey(target, org, { name: "Archive job", scopes: ["accounts:read"], expiresAt: inDays(3.5) });
    await createKey(target, org, { name: "Backfill job", scopes: ["accounts:read"], expiresAt: inDays(5.5) });
    await createKey(target, org, { name: "Cleanup job", scopes: ["accounts:read"], expiresAt: inDays(30) });
    await createMany(org, "Newer key", 25);
    const page = await openConsole(org);
    try {
      await keyRow(page, "Newer key 01").waitFor();
      // They really are beyond the first page.
      expect(await keyRow(page, "Archive job").count()).toBe(0);
      expect(await keyRow(page, "Backfill job").count()).toBe(0);
      const banner = page.getByRole("note", { name: "Keys expiring soon" });
      await banner.waitFor();
      const text = await banner.textContent();
      expect(text).toContain("2 keys expire within 7 days");
      expect(text).toContain("“Archive job” (in 3 days)");
      expect(text).toContain("“Backfill job” (in 5 days)");
      expect(text).not.toContain("Cleanup job");
      // Loading page 2 does not count them twice.
      await page.getByRole("button", { name: "Show more keys" }).click();
      await keyRow(page, "Archive job").waitFor();
      expect(await banner.textContent()).toContain("2 keys expire within 7 days");
    } finally {
      await page.close();
    }
  });
});

describe("Sign out", () => {
  it("shows the sign-in again; the old ID token lives out its lifetime, as Cognito's does", async () => {
    const org = "flows-sign-out";
    await createKey(target, org, { name: "Kept", scopes: ["accounts:read"] });
    const page = await browser.context.newPage();
    // The bearer token the page sends, whatever made it: only to replay it after signing out.
    let authorization: string | undefined;
    page.on("request", (request) => {
      if (request.url().includes("/console/v1/")) authorization ??= request.headers().authorization;
    });
    try {
      await signIn(page, { local, adminToken: ADMIN_TOKEN, orgId: org });
      await keyRow(page, "Kept").waitFor();
      expect(authorization).toMatch(/^Bearer \S+$/);
      const before = await call(local.url, "/console/v1/api-keys", {
        headers: [["Authorization", authorization as string]],
      });
      expect(before.status).toBe(200);

      await page.getByRole("button", { name: "Sign out" }).click();
      await page.getByRole("button", { name: "Sign in" }).waitFor();
      expect(await page.getByLabel("Admin token").isVisible()).toBe(true);
      expect(await page.getByRole("table", { name: "API Keys" }).count()).toBe(0);
      expect(await page.getByRole("button", { name: "Sign out" }).count()).toBe(0);

      // Signing out ends the sign-in's session and its refresh tokens (test/browser/console-oidc.test.ts
      // "a session ended elsewhere"); an ID token itself cannot be revoked, and API Gateway's Cognito
      // authorizer takes it until it expires (15 minutes), as the local gateway does (docs/DEPLOY.md).
      const after = await call(local.url, "/console/v1/api-keys", {
        headers: [["Authorization", authorization as string]],
      });
      expect(after.status).toBe(200);
    } finally {
      await page.close();
    }
  });
});

describe("at 360 px wide", () => {
  it("shows each row's status and its Revoke button without scrolling sideways", async () => {
    const org = "flows-narrow";
    const width = 360;
    await createKey(target, org, {
      name: "Payroll export with a rather long name",
      scopes: ["accounts:read"],
    });
    await createKey(target, org, {
      name: "CRM",
      scopes: ["accounts:read", "contacts:read", "contacts:write", "payments:write"],
    });
    const page = await openConsole(org, { width, height: 780 });
    try {
      const rows = page.getByRole("table", { name: "API Keys" }).locator("tbody tr");
      await rows.nth(1).waitFor();
      expect(await rows.count()).toBe(2);
      expect(await page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(width);
      for (const name of ["Payroll export with a rather long name", "CRM"]) {
        const row = keyRow(page, name);
        for (const item of [
          row.getByText("Active", { exact: true }),
          row.getByRole("button", { name: "Revoke" }),
        ]) {
          const box = await item.boundingBox();
          expect(box, `${name}: a box`).not.toBeNull();
          expect(box?.x, name).toBeGreaterThanOrEqual(0);
          expect((box?.x ?? 0) + (box?.width ?? 0), name).toBeLessThanOrEqual(width);
        }
      }
      // Revoke opens its confirmation on the narrow screen too.
      await keyRow(page, "CRM").getByRole("button", { name: "Revoke" }).click();
      const confirm = page.getByRole("dialog", { name: 'Revoke "CRM"?' });
      await confirm.getByRole("button", { name: "Revoke key" }).waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      await confirm.getByRole("button", { name: "Cancel" }).click();
      await confirm.waitFor({ state: "detached" });
    } finally {
      await page.close();
    }
  });
});
